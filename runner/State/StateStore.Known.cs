using System.Collections.Immutable;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.State;

/// <summary>
/// What the store knows of each mailbox's row without reading it again: the sync state last read or written (its JSON
/// and the object), and whether the row is clean (active, no failures, no retry time). Only the runner writes a sync
/// state, through this store, so a no-change cycle neither deserialises the state it read (the JSON is the one it knows)
/// nor serialises the one it finished (it equals the one it knows), and a finished sync whose state did not change and
/// whose row is clean writes nothing to the row: its time is the latency sample's (<see cref="WithLatencies"/>). A
/// change of the row by another process (an operator's suspend or resume) is never undone by this: the row is only
/// skipped when the finished sync would have written nothing but the time.
/// </summary>
internal sealed partial class StateStore
{
    // The sync state each mailbox's row holds as far as this store knows: as read (ReadSyncState) or as handed to it
    // (CompleteSync, CompleteDecision). Guarded by itself: CompleteSync runs outside the gate.
    private readonly Dictionary<string, KnownState> known = new(StringComparer.Ordinal);

    // The rows known to be active with no failures and no retry time, as last read or written. Guarded by gate; emptied
    // when a transaction rolls back (what it wrote is not in the file).
    private readonly HashSet<string> clean = new(StringComparer.Ordinal);

    /// <summary>Finished syncs whose row was not written (state unchanged, row clean) since the store opened: a benchmark's measure.</summary>
    public long UnchangedSyncs => Interlocked.Read(ref unchangedSyncs);

    private long unchangedSyncs;

    /// <summary>A sync state and its <c>SyncStateJson</c>.</summary>
    private sealed record KnownState(string Json, MailboxSyncState State);

    /// <summary>
    /// The sync state in a row this store read: the object it already holds when the row's JSON is the one it knows,
    /// deserialised (and kept) otherwise.
    /// </summary>
    public MailboxSyncState ReadSyncState(MailboxRow? row, string id)
    {
        if (row?.SyncState is not { } json)
        {
            return MailboxSyncState.Initial(Key(id));
        }

        var key = Key(id);
        lock (known)
        {
            if (known.TryGetValue(key, out var k) && string.Equals(k.Json, json, StringComparison.Ordinal))
            {
                return k.State;
            }
        }

        var state = SyncStateJson.Deserialize(json);
        Remember(key, json, state);
        return state;
    }

    private void Remember(string key, string json, MailboxSyncState state)
    {
        lock (known)
        {
            known[key] = new KnownState(json, state);
        }
    }

    /// <summary>
    /// The finished sync to write: with the JSON this store knows when <paramref name="state"/> equals the state it knows
    /// (no serialisation, and marked unchanged), serialised and remembered otherwise.
    /// </summary>
    private PendingSync Finished(string key, MailboxSyncState state, long at, long milliseconds, long attemptStarted)
    {
        lock (known)
        {
            if (known.TryGetValue(key, out var k) && SameState(k.State, state))
            {
                return new PendingSync(key, k.Json, at, milliseconds, attemptStarted, Unchanged: true);
            }
        }

        var json = SyncStateJson.Serialize(state);
        Remember(key, json, state);
        return new PendingSync(key, json, at, milliseconds, attemptStarted);
    }

    /// <summary>
    /// Whether two sync states serialise alike: the same cursor, watermark and employee, and the same snapshots (the same
    /// dictionary, or entry by entry equal records). Never true for states that differ; may be false for equal ones
    /// (a snapshot rebuilt with equal but distinct arrays), which only costs a write.
    /// </summary>
    internal static bool SameState(MailboxSyncState a, MailboxSyncState b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return ReferenceEquals(a, b)
            || (string.Equals(a.EmployeeId, b.EmployeeId, StringComparison.Ordinal) && a.Cursor == b.Cursor && a.Watermark == b.Watermark
                && SameEntries(a.Events, b.Events) && SameEntries(a.Records, b.Records));
    }

    private static bool SameEntries<T>(ImmutableSortedDictionary<string, T> a, ImmutableSortedDictionary<string, T> b)
        where T : class
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count || a.KeyComparer != b.KeyComparer)
        {
            return false;
        }

        using var x = a.GetEnumerator();
        using var y = b.GetEnumerator();
        while (x.MoveNext() && y.MoveNext())
        {
            if (!string.Equals(x.Current.Key, y.Current.Key, StringComparison.Ordinal) || !EqualityComparer<T>.Default.Equals(x.Current.Value, y.Current.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Notes whether <paramref name="row"/> (as read or written in the open transaction) is clean; the caller holds the gate.</summary>
    private void Seen(MailboxRow row)
    {
        if (row.Status == MailboxStatus.Active && row.ConsecutiveFailures == 0 && row.NextAttemptAt is null && row.LastSyncAt is not null)
        {
            clean.Add(row.Id);
        }
        else
        {
            clean.Remove(row.Id);
        }
    }

    /// <summary>
    /// Whether a finished sync may leave its row as it is: its state is the one the row holds and the row is clean, so
    /// <see cref="MailboxLifecycle.Synced"/> would change only the time; the caller holds the gate.
    /// </summary>
    private bool Skippable(PendingSync sync) => sync.Unchanged && clean.Contains(sync.Mailbox);
}
