using System.Text.Json;
using LiteDB;
using RulesSync.Engine.Sync;

using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.State;

/// <summary>A state file that cannot be used: missing, unreadable or corrupt. Nothing was written to it.</summary>
internal sealed class StateFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The runner's state: one LiteDB file, opened in shared mode so <c>rulesync status</c> (another process) reads it
/// while <c>rulesync run</c> writes. Collections: <c>mailboxes</c> (status, health, the engine's sync state with cursors
/// and links), <c>tenant</c> (kill switch, rule set in force), <c>decisions</c> and <c>effects</c> (the journal; an
/// effect's id is its idempotency key), <c>shadow</c> (where the candidate rule set disagreed). Writes that belong
/// together run in one transaction. Every call is synchronous and holds an in-process lock: LiteDB's shared mode
/// guards the file with a named mutex, which must be released on the thread that took it, so no await may happen
/// inside a transaction. Thread-safe.
/// </summary>
internal sealed partial class StateStore : IStateStore
{
    /// <summary>How many latency samples are kept per mailbox.</summary>
    public const int LatencySamples = 100;

    private readonly LiteDatabase db;
    private readonly Lock gate = new();

    // Finished syncs not yet written, in order (see CompleteSync).
    private readonly PendingSyncs pending = new();

    // The ones the open transaction has written, and the effects it settled as interrupted (telemetry once it commits).
    // Guarded by gate.
    private PendingSync[] inFlight = [];
    private readonly List<EffectRow> settled = [];

    // Writes waiting for the next group commit (see Durably), oldest first. Guarded by itself.
    private readonly Queue<GroupWrite> queued = new();

    private StateStore(LiteDatabase db, string path)
    {
        this.db = db;
        Path = path;
    }

    /// <summary>The state file.</summary>
    public string Path { get; }

    /// <summary>Transactions committed by group commit (<see cref="Durably"/>) since the store opened: a benchmark's measure.</summary>
    public long Groups => Interlocked.Read(ref groups);

    /// <summary>Writes those transactions carried (each caller's write is one): <see cref="GroupedWrites"/> / <see cref="Groups"/> writes share a flush.</summary>
    public long GroupedWrites => Interlocked.Read(ref groupedWrites);

    private long groups;
    private long groupedWrites;

    private ILiteCollection<MailboxRow> MailboxRows => db.GetCollection<MailboxRow>("mailboxes");

    private ILiteCollection<TenantRow> TenantRows => db.GetCollection<TenantRow>("tenant");

    private ILiteCollection<DecisionRow> DecisionRows => db.GetCollection<DecisionRow>("decisions");

    private ILiteCollection<EffectRow> EffectRows => db.GetCollection<EffectRow>("effects");

    private ILiteCollection<ShadowRow> ShadowRows => db.GetCollection<ShadowRow>("shadow");

    /// <summary>
    /// Opens the state file; with <paramref name="create"/> a missing file is created (the runner), without it a
    /// missing file is an error (the operator commands). A file that is not a readable state file gives
    /// <see cref="StateFileException"/> and is left as it is.
    /// </summary>
    public static StateStore Open(string path, bool create)
    {
        var full = System.IO.Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists && !create)
        {
            throw new StateFileException($"{full}: error: no state file here (run 'rulesync run --config ...' first, or check stateFile in the config)");
        }

        if (info.Exists && info.Length == 0)
        {
            throw new StateFileException($"{full}: error: the state file is empty; it is not a RulesSync state file (left untouched)");
        }

        if (info.Exists && !LooksLikeLiteDb(full))
        {
            throw new StateFileException($"{full}: error: not a LiteDB state file (unrecognised header); it was left untouched. Restore a backup or point stateFile elsewhere.");
        }

        LiteDatabase? db = null;
        try
        {
            if (!info.Exists)
            {
                // The runner's data folder is created on first run (StatePath lies inside it).
                Directory.CreateDirectory(info.DirectoryName!);
            }

            var mapper = new BsonMapper { EnumAsInteger = false };
            MapLatencies(mapper);
            db = new LiteDatabase(new ConnectionString { Filename = full, Connection = ConnectionType.Shared }, mapper);
            var store = new StateStore(db, full);
            store.Initialise(info.Exists);
            if (db.CheckpointSize != 0)
            {
                // No checkpoint when the shared file is closed, i.e. after every transaction (see CheckpointWhenLogLarge).
                db.CheckpointSize = 0;
            }

            return store;
        }
        catch (Exception e) when (e is LiteException or IOException or UnauthorizedAccessException or InvalidCastException or JsonException
            or InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            db?.Dispose();
            throw new StateFileException($"{full}: error: the state file is unreadable ({e.Message}); it was left untouched. Restore a backup or point stateFile elsewhere.", e);
        }
    }

    /// <summary>
    /// LiteDB v5 writes "** This is a LiteDB file **" at offset 32 of its header page. Checked before LiteDB opens
    /// the file, because opening a foreign file may rewrite it.
    /// </summary>
    private static bool LooksLikeLiteDb(string path)
    {
        const string Marker = "** This is a LiteDB file **";
        var buffer = new byte[32 + Marker.Length];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) == buffer.Length
                && System.Text.Encoding.ASCII.GetString(buffer, 32, Marker.Length) == Marker;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateFileException($"{path}: error: cannot read the state file: {e.Message}", e);
        }
    }

    private void Initialise(bool existed)
    {
        lock (gate)
        {
            if (existed)
            {
                // Read everything the runner relies on once, so a damaged file fails here, before anything is written.
                var names = db.GetCollectionNames().ToHashSet(StringComparer.Ordinal);
                if (!names.Contains("tenant") || TenantRows.FindById(TenantRow.SingleId) is null)
                {
                    throw new StateFileException($"{Path}: error: not a RulesSync state file (no tenant row); it was left untouched");
                }

                foreach (var row in MailboxRows.FindAll())
                {
                    if (row.SyncState is not null)
                    {
                        Remember(row.Id, row.SyncState, SyncStateJson.Deserialize(row.SyncState));
                    }
                }

                return;
            }

            db.BeginTrans();
            TenantRows.Insert(new TenantRow());
            DecisionRows.EnsureIndex(d => d.MeetingKey);
            DecisionRows.EnsureIndex(d => d.At);
            EffectRows.EnsureIndex(e => e.Status);
            EffectRows.EnsureIndex(e => e.MeetingKey);
            EffectRows.EnsureIndex(e => e.Replica);
            ShadowRows.EnsureIndex(s => s.At);
            db.Commit();
        }
    }

    // ---- tenant ----

    public TenantRow Tenant()
    {
        lock (gate)
        {
            return TenantRows.FindById(TenantRow.SingleId) ?? new TenantRow();
        }
    }

    public TenantRow UpdateTenant(Action<TenantRow> change) => Durably(() =>
    {
        var row = TenantRows.FindById(TenantRow.SingleId) ?? new TenantRow();
        change(row);
        TenantRows.Upsert(row);
        return row;
    });

    // ---- mailboxes ----

    public IReadOnlyList<MailboxRow> Mailboxes()
    {
        lock (gate)
        {
            WritePending();
            return [.. MailboxRows.FindAll().OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => WithLatencies(m)!)];
        }
    }

    public MailboxRow? Mailbox(string id)
    {
        lock (gate)
        {
            WritePending();
            return WithLatencies(MailboxRows.FindById(Key(id)));
        }
    }

    /// <summary>The mailbox's row, created (active, never synced) when it is new.</summary>
    public MailboxRow EnsureMailbox(string id, string provider) => EnsureMailboxes([(id, provider)])[0];

    /// <summary>
    /// The rows of the given mailboxes, in order, each created (active, never synced) when it is new: one read of the
    /// collection and one transaction for all of them (a cycle's start), not one per mailbox.
    /// </summary>
    public IReadOnlyList<MailboxRow> EnsureMailboxes(IReadOnlyList<(string Id, string Provider)> mailboxes)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        return Durably(() =>
        {
            var known = mailboxes.Count == 1
                ? MailboxRows.FindById(Key(mailboxes[0].Id)) is { } one ? new Dictionary<string, MailboxRow>(StringComparer.Ordinal) { [one.Id] = one } : []
                : MailboxRows.FindAll().ToDictionary(m => m.Id, StringComparer.Ordinal);
            foreach (var row in known.Values)
            {
                WithLastSync(row);
            }
            var rows = new List<MailboxRow>(mailboxes.Count);
            foreach (var (id, provider) in mailboxes)
            {
                var key = Key(id);
                if (!known.TryGetValue(key, out var row))
                {
                    row = new MailboxRow { Id = key, Provider = provider, Status = MailboxStatus.Active };
                    MailboxRows.Insert(row);
                    known[key] = row;
                }

                Seen(row);
                rows.Add(row);
            }

            return rows;
        });
    }

    /// <summary>Changes a mailbox's row; null when there is no such mailbox.</summary>
    public MailboxRow? UpdateMailbox(string id, Action<MailboxRow> change) => Durably(() =>
    {
        var row = MailboxRows.FindById(Key(id));
        if (row is null)
        {
            return null;
        }

        change(row);
        MailboxRows.Update(row);
        Seen(row);
        return row;
    });

    /// <summary>The engine's sync state of the mailbox (the initial state before its first sync).</summary>
    public MailboxSyncState SyncState(string id) => ReadSyncState(Mailbox(id), id);

    /// <summary>The engine's sync state kept in a mailbox row read before (the initial state when there is none).</summary>
    public static MailboxSyncState SyncStateOf(MailboxRow? row, string id) =>
        row?.SyncState is { } json ? SyncStateJson.Deserialize(json) : MailboxSyncState.Initial(Key(id));

    /// <summary>
    /// A finished sync: the state with its cursor advanced, the time and the latency, the failure count cleared; then
    /// the mailbox's effects journaled before <paramref name="attemptStarted"/> and still planned are settled as
    /// interrupted (<see cref="MailboxLifecycle.SettleInterrupted"/>). Without <paramref name="attemptStarted"/>
    /// nothing is settled.
    /// <para>
    /// Written with the next transaction of this store (a decision's journal or progress, a mailbox update, a cycle's
    /// <see cref="WritePending"/>), or when <see cref="PendingSyncs.Limit"/> syncs wait: LiteDB's shared mode opens and
    /// checkpoints the file for every transaction, which cost far more than the sync itself when each finished sync
    /// was written alone. Every read of this store sees the waiting writes; only another process, or a crash, does
    /// not. A crash before the write loses nothing a decision depends on: each decision's progress is saved with it
    /// (<see cref="CompleteDecision"/>), so the mailbox only reads its last page of changes again and decides nothing
    /// new (as after a crash just before the save).
    /// </para>
    /// </summary>
    public void CompleteSync(string id, MailboxSyncState state, long at, long milliseconds, long attemptStarted = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (pending.Add(Finished(Key(id), state, at, milliseconds, attemptStarted)))
        {
            WritePending();
        }
    }

    /// <summary>Writes the finished syncs that wait (<see cref="CompleteSync"/>) in one transaction; a cycle calls it at its end.</summary>
    public void WritePending()
    {
        if (!pending.IsEmpty)
        {
            Durably<object?>(() => null);
        }
    }

    /// <summary>Writes the waiting syncs in the open transaction (first, so every write keeps its order); the caller holds the gate.</summary>
    private void WritePendingInTransaction()
    {
        var syncs = pending.Take();
        if (syncs.Length == 0)
        {
            return;
        }

        inFlight = [.. inFlight, .. syncs];
        List<EffectRow>? planned = null;
        foreach (var sync in syncs)
        {
            if (Skippable(sync))
            {
                // The row holds this state and is clean: Synced would change only its time, which the latency sample keeps.
                Interlocked.Increment(ref unchangedSyncs);
            }
            else if (MailboxRows.FindById(sync.Mailbox) is { } row)
            {
                MailboxLifecycle.Synced(row, sync.Json, sync.At);
                MailboxRows.Update(row);
                Seen(row);
            }
            else
            {
                continue;
            }

            AddLatency(sync.Mailbox, sync.At, sync.Milliseconds);
            if (sync.AttemptStarted == long.MinValue)
            {
                continue;
            }

            planned ??= [.. EffectRows.Find(Query.EQ(nameof(EffectRow.Status), nameof(EffectStatus.Planned)))];
            foreach (var effect in planned)
            {
                if (MailboxLifecycle.SettleInterrupted(effect, sync.Mailbox, sync.AttemptStarted, sync.At))
                {
                    EffectRows.Update(effect);
                    settled.Add(effect);
                }
            }
        }
    }

    private void Commit()
    {
        db.Commit();
        LatenciesCommitted();
        inFlight = [];
        foreach (var effect in settled)
        {
            RunnerTelemetry.EffectRecorded(effect.Kind, ResultName(effect.Status));
        }

        settled.Clear();
    }

    private void Rollback()
    {
        LatenciesRolledBack();
        pending.Restore(inFlight);
        inFlight = [];
        settled.Clear();
        clean.Clear();
        db.Rollback();
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and returns once that transaction is durable (group commit): the
    /// writes of concurrent callers (the mailboxes syncing at once) queue up while one transaction commits, and the next
    /// caller to take the gate writes all of them in one transaction with one flush of the file (and one opening of it:
    /// shared mode opens and closes the file per transaction), so each mailbox still waits for its own write to be
    /// durable (a journaled decision before its effects run) but no longer for every other mailbox's write alone. The
    /// finished syncs that wait are written first (<see cref="CompleteSync"/>). When one write of a group fails (a
    /// fenced-off decision, say), the group is rolled back and every write of it runs again in a transaction of its
    /// own, so only its caller sees its error. <paramref name="work"/> runs on whichever caller commits the group, under
    /// the gate; it may run twice (the retry above), against the file as it stands each time.
    /// </summary>
    private T Durably<T>(Func<T> work)
    {
        var write = new GroupWrite(() => work());
        lock (queued)
        {
            queued.Enqueue(write);
        }

        lock (gate)
        {
            if (!write.Done)
            {
                CommitGroup();
            }
        }

        if (write.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return (T)write.Result!;
    }

    /// <summary>Writes every queued write in one transaction (see <see cref="Durably"/>); the caller holds the gate.</summary>
    private void CommitGroup()
    {
        GroupWrite[] group;
        lock (queued)
        {
            group = [.. queued];
            queued.Clear();
        }

        Interlocked.Increment(ref groups);
        Interlocked.Add(ref groupedWrites, group.Length);

        try
        {
            InTransaction(() =>
            {
                foreach (var write in group)
                {
                    write.Result = write.Work();
                }

                return 0;
            });
        }
        catch (Exception) when (group.Length > 1)
        {
            foreach (var write in group)
            {
                try
                {
                    write.Result = InTransaction(write.Work);
                }
                catch (Exception e)
                {
                    write.Error = e;
                }
            }
        }
        catch (Exception e)
        {
            group[0].Error = e;
        }

        foreach (var write in group)
        {
            write.Done = true;
        }

        CheckpointWhenLogLarge();
    }

    /// <summary>
    /// How large the log file may grow before the store copies it into the data file. LiteDB commits a transaction to
    /// its log (one flush) and, by default, copies the log into the data file whenever the file is closed (a second
    /// flush): in shared mode that is after every transaction, and it was most of a transaction's cost. The store turns
    /// that off (the file's CHECKPOINT pragma 0) and checkpoints here instead. Every opening of the shared file reads the
    /// log (LiteDB rebuilds its index of committed pages from it), so the log is kept small.
    /// </summary>
    internal const long LogLimit = 1024 * 1024;

    /// <summary>Copies the log into the data file once it is larger than <see cref="LogLimit"/>; the caller holds the gate, no transaction open.</summary>
    private void CheckpointWhenLogLarge()
    {
        var log = new FileInfo(LogPath);
        if (log.Exists && log.Length > LogLimit)
        {
            db.Checkpoint();
        }
    }

    /// <summary>LiteDB's log file beside the state file (<c>name-log.ext</c>).</summary>
    private string LogPath => System.IO.Path.Combine(
        System.IO.Path.GetDirectoryName(Path)!, System.IO.Path.GetFileNameWithoutExtension(Path) + "-log" + System.IO.Path.GetExtension(Path));

    /// <summary>
    /// Runs <paramref name="work"/> in one LiteDB transaction (one opening of the shared file), after the finished syncs
    /// that wait; the caller holds the gate.
    /// </summary>
    private T InTransaction<T>(Func<T> work)
    {
        db.BeginTrans();
        try
        {
            WritePendingInTransaction();
            var result = work();
            Commit();
            return result;
        }
        catch
        {
            Rollback();
            throw;
        }
    }

    /// <summary>A write waiting for its group's commit (<see cref="Durably"/>); its fields are set under the gate.</summary>
    private sealed class GroupWrite(Func<object?> work)
    {
        public Func<object?> Work { get; } = work;

        public bool Done { get; set; }

        public object? Result { get; set; }

        public Exception? Error { get; set; }
    }

    // ---- journal ----

    /// <summary>
    /// Journals a decision and its effects in one transaction, before any effect runs. An effect already in the
    /// journal (the same change decided again after a crash) keeps its row and status. Returns each effect row as
    /// it now stands, in order.
    /// </summary>
    public (long DecisionId, IReadOnlyList<EffectRow> Effects) Journal(DecisionRow decision, IReadOnlyList<EffectRow> effects)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(effects);
        var rows = Durably(() =>
        {
            if (decision.MeetingFence is long mine and > 0
                && DecisionRows.Find(Query.EQ(nameof(DecisionRow.MeetingKey), decision.MeetingKey)).Max(d => d.MeetingFence) is { } newest && newest > mine)
            {
                throw new FencedOffException($"meeting {decision.MeetingKey}", mine, newest, holder: null);
            }

            // Written afresh each time (the group's retry runs it again after a rollback).
            decision.Id = 0;
            decision.Effects = [.. effects.Select(e => e.Id)];
            DecisionRows.Insert(decision);
            var rows = new List<EffectRow>(effects.Count);
            foreach (var e in effects)
            {
                var existing = EffectRows.FindById(e.Id);
                if (existing is not null)
                {
                    rows.Add(existing);
                    continue;
                }

                e.DecisionId = decision.Id;
                EffectRows.Insert(e);
                rows.Add(e);
            }

            return rows;
        });
        Measured(decision, rows);
        return (decision.Id, rows);
    }

    /// <summary>A decision's effects are done: its outcome and the mailbox's progress state, in one transaction.</summary>
    public void CompleteDecision(long decisionId, string outcome, string mailbox, MailboxSyncState? progress)
    {
        var json = progress is null ? null : SyncStateJson.Serialize(progress);
        Durably<object?>(() =>
        {
            if (DecisionRows.FindById(decisionId) is { } d)
            {
                d.Outcome = outcome;
                DecisionRows.Update(d);
            }

            if (json is not null && MailboxRows.FindById(Key(mailbox)) is { } m)
            {
                m.SyncState = json;
                MailboxRows.Update(m);
            }

            return null;
        });
        if (json is not null)
        {
            Remember(Key(mailbox), json, progress!);
        }
    }

    public EffectRow? Effect(string id)
    {
        lock (gate)
        {
            WritePending();
            return EffectRows.FindById(id);
        }
    }

    /// <summary>Sets an effect's status (and who reviewed it, for approvals and discards).</summary>
    public EffectRow? MarkEffect(string id, EffectStatus status, long at, string? detail = null, string? reviewedBy = null)
    {
        var row = Durably(() =>
        {
            var row = EffectRows.FindById(id);
            if (row is null)
            {
                return null;
            }

            row.Mark(status, at, detail, reviewedBy);
            EffectRows.Update(row);
            return row;
        });
        if (row is not null)
        {
            RunnerTelemetry.EffectRecorded(row.Kind, ResultName(status));
        }

        return row;
    }

    /// <summary>The telemetry of a journal write: the decision, and each effect it journaled already held or as a dry run's.</summary>
    private static void Measured(DecisionRow decision, List<EffectRow> rows)
    {
        RunnerTelemetry.DecisionJournaled(decision.Action, decision.Rule, decision.DryRun);
        foreach (var row in rows)
        {
            if (row.DecisionId == decision.Id && row.Status is EffectStatus.Held or EffectStatus.DryRun)
            {
                RunnerTelemetry.EffectRecorded(row.Kind, ResultName(row.Status));
            }
        }
    }

    /// <summary>An effect status as the telemetry names it: lower case, <c>dry-run</c>.</summary>
    internal static string ResultName(EffectStatus status) => status == EffectStatus.DryRun ? "dry-run" : status.ToString().ToLowerInvariant();

    public IReadOnlyList<EffectRow> Effects(EffectStatus status, string? mailbox = null)
    {
        lock (gate)
        {
            WritePending();
            return [.. EffectRows.Find(Query.EQ(nameof(EffectRow.Status), status.ToString())).Where(e => mailbox is null || e.Mailbox == Key(mailbox)).OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Our own write that could explain a removal or cancellation of <paramref name="replicaId"/>: a cancel or delete of
    /// that replica, or — for a mailbox change, <paramref name="meetingKey"/> given — a cancellation of the same meeting
    /// (the provider cancels the attendees' copies with the organizer's event). Any mailbox's sync counts; effects
    /// journaled as planned or failed count too (they may have happened); held, discarded and dry-run ones do not.
    /// Effects whose key starts with <paramref name="exceptPrefix"/> (the same decision, taken again after a crash) are
    /// skipped. Null when the journal knows no such write.
    /// </summary>
    public EffectRow? OwnRemoval(string replicaId, string? meetingKey, string exceptPrefix)
    {
        lock (gate)
        {
            WritePending();
            return EffectRows.Find(Query.EQ(nameof(EffectRow.Replica), replicaId)).Where(e => OwnRemovals.Explains(e, exceptPrefix)).OrderBy(e => e.CreatedAt).FirstOrDefault()
                ?? (meetingKey is null ? null : EffectRows.Find(Query.EQ(nameof(EffectRow.MeetingKey), meetingKey)).Where(e => OwnRemovals.CancelsMeeting(e, exceptPrefix)).OrderBy(e => e.CreatedAt).FirstOrDefault());
        }
    }

    public IReadOnlyList<EffectRow> EffectsOfMeeting(string meetingKey)
    {
        lock (gate)
        {
            WritePending();
            return [.. EffectRows.Find(Query.EQ(nameof(EffectRow.MeetingKey), meetingKey)).OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal)];
        }
    }

    public IReadOnlyList<DecisionRow> DecisionsOfMeeting(string meetingKey)
    {
        lock (gate)
        {
            return [.. DecisionRows.Find(Query.EQ(nameof(DecisionRow.MeetingKey), meetingKey)).OrderBy(d => d.Id)];
        }
    }

    public IReadOnlyList<DecisionRow> Decisions(long fromAt, long toAt)
    {
        lock (gate)
        {
            return [.. DecisionRows.Find(Query.And(Query.GTE(nameof(DecisionRow.At), fromAt), Query.LT(nameof(DecisionRow.At), toAt))).OrderBy(d => d.Id)];
        }
    }

    public int DecisionCount()
    {
        lock (gate)
        {
            return DecisionRows.Count();
        }
    }

    // ---- shadow ----

    public void RecordShadow(ShadowRow row) => Durably(() => ShadowRows.Insert(row));

    public IReadOnlyList<ShadowRow> Shadow(int limit)
    {
        lock (gate)
        {
            return [.. ShadowRows.Query().OrderByDescending(s => s.Id).Limit(limit).ToList()];
        }
    }

    /// <summary>Mailbox ids are addresses: compared and stored lower case.</summary>
    public static string Key(string mailbox) => mailbox.Trim().ToLowerInvariant();

    public void Dispose()
    {
        WritePending();
        try
        {
            if (latenciesChanged.Count > 0)
            {
                Durably<object?>(() =>
                {
                    WriteLatencies(latenciesWrittenAt);
                    return null;
                });
            }

            lock (gate)
            {
                // The file at rest holds everything: the log copied in (it is not at every transaction's end, see LogLimit).
                db.Checkpoint();
            }
        }
        catch (Exception e) when (e is LiteException or IOException or UnauthorizedAccessException)
        {
            // Closing anyway: the log keeps every committed transaction (LiteDB reads it at the next opening); only
            // latency samples not written yet are lost.
        }

        db.Dispose();
    }
}
