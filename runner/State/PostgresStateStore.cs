using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.State;

/// <summary>
/// One tenant's state and journal in PostgreSQL (cluster mode, where every silo shares it). Each row is the same
/// document the LiteDB file keeps (the row classes of StateRows.cs, as JSON), beside the columns the queries select on
/// (status, mailbox, meeting, replica, time). Tenants share the tables, keyed by tenant. Read-modify-write changes run
/// in one transaction that locks the row (<c>SELECT ... FOR UPDATE</c>), so two silos never lose each other's change;
/// a decision and its effects, and a decision's outcome with the mailbox's progress, commit together. Synchronous like
/// the LiteDB store (the interface is); Npgsql pools the connections. Thread-safe.
/// </summary>
internal sealed class PostgresStateStore : IStateStore
{
    /// <summary>Serializes <see cref="CreateSchema"/> across processes (any constant both sides agree on).</summary>
    private const long SchemaLock = 0x52_75_6C_65_53_79_6E_63; // "RuleSync"

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly NpgsqlDataSource source;
    private readonly bool ownsSource;
    private readonly string tenant;

    /// <summary>The lease token this store writes under (cluster mode); null: unfenced (operator commands, tests).</summary>
    private long? fence;

    /// <summary>Finished syncs not yet written (<see cref="CompleteSync"/>), written first by the next transaction.</summary>
    private readonly PendingSyncs pending = new();

    private PostgresStateStore(NpgsqlDataSource source, bool ownsSource, string tenant)
    {
        this.source = source;
        this.ownsSource = ownsSource;
        this.tenant = tenant;
    }

    /// <summary>The fencing token this store holds, when it took the tenant's lease (<see cref="TakeLease"/>).</summary>
    public long? Fence => fence;

    /// <summary>Where the state lives, without credentials: <c>postgresql://host:port/database (tenant t)</c>.</summary>
    public string Location { get; private init; } = string.Empty;

    /// <summary>
    /// Connects, creates the tables when missing and the tenant's row when new. A database that cannot be reached or
    /// used gives <see cref="StateFileException"/> naming host, port and database, never the password.
    /// </summary>
    public static PostgresStateStore Open(string connectionString, string tenant) => Open(connectionString, tenant, create: true);

    /// <summary>
    /// As <see cref="Open(string, string)"/>; with <paramref name="create"/> false (operator commands) a tenant the
    /// database does not hold is a <see cref="StateFileException"/> naming the tenants it does hold, and nothing is written.
    /// </summary>
    public static PostgresStateStore Open(string connectionString, string tenant, bool create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // The message names the offending keyword, never the connection string's values.
            throw new StateFileException($"cluster database: error: the connection string is not valid ({e.Message})", e);
        }

        return Open(NpgsqlDataSource.Create(builder), ownsSource: true, Where(builder, tenant), tenant, create);
    }

    /// <summary>
    /// As <see cref="Open(string, string)"/> over a pool the caller owns and shares (a silo's, for all its tenants:
    /// <c>ClusterConnections</c>); disposing the store leaves the pool open.
    /// </summary>
    public static PostgresStateStore Open(NpgsqlDataSource shared, string tenant)
    {
        ArgumentNullException.ThrowIfNull(shared);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        return Open(shared, ownsSource: false, Where(new NpgsqlConnectionStringBuilder(shared.ConnectionString), tenant), tenant, create: true);
    }

    private static string Where(NpgsqlConnectionStringBuilder builder, string tenant) => $"postgresql://{builder.Host}:{builder.Port}/{builder.Database} (tenant {tenant})";

    private static PostgresStateStore Open(NpgsqlDataSource source, bool ownsSource, string location, string tenant, bool create)
    {
        try
        {
            var store = new PostgresStateStore(source, ownsSource, tenant) { Location = location };
            store.CreateSchema(create);
            if (!create && !store.Tenants().Contains(tenant, StringComparer.Ordinal))
            {
                var held = store.Tenants();
                store.Dispose();
                throw new StateFileException($"{location}: error: the cluster holds no tenant '{tenant}' (it holds: {(held.Count == 0 ? "none yet" : string.Join(", ", held))})");
            }

            return store;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            if (ownsSource)
            {
                source.Dispose();
            }

            throw new StateFileException($"{location}: error: the cluster database cannot be used ({e.Message}); nothing was written", e);
        }
    }

    /// <summary>
    /// The tables, idempotently (several silos may start at once: an advisory lock orders them). The DDL runs only when
    /// the database does not yet record this build's schema (<see cref="SchemaVersion"/>, the DDL's own hash): its
    /// <c>CREATE INDEX IF NOT EXISTS</c> and <c>ALTER TABLE ... IF NOT EXISTS</c> lock the tables even when there is
    /// nothing to do, so running it at every open (every tenant and mailbox activation) deadlocked against other
    /// activations' journal writes ("40P01: deadlock detected" with many mailbox grains).
    /// </summary>
    private void CreateSchema(bool createTenant)
    {
        Transaction(tx =>
        {
            if (!SchemaRecorded(tx))
            {
                tx.Execute("SELECT pg_advisory_xact_lock(@k)", ("k", SchemaLock));
                tx.Execute(SchemaDdl);
                tx.Execute("CREATE TABLE IF NOT EXISTS rulesync_state_schema (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                tx.Execute("INSERT INTO rulesync_state_schema (version) VALUES (@v) ON CONFLICT (version) DO NOTHING", ("v", SchemaVersion));
            }

            if (createTenant)
            {
                tx.Execute(
                    "INSERT INTO rulesync_tenant (tenant, doc) VALUES (@t, @doc) ON CONFLICT (tenant) DO NOTHING",
                    ("t", tenant), ("doc", Doc(new TenantRow { Tenant = tenant })));
            }

            return 0;
        },
        withPending: false);
    }

    /// <summary>Whether the database records this build's schema (a catalog read and a one-row read: no table lock).</summary>
    private static bool SchemaRecorded(Tx tx) =>
        tx.Query("SELECT to_regclass('rulesync_state_schema') IS NOT NULL", r => r.GetBoolean(0)).Single()
        && tx.Query("SELECT count(*) FROM rulesync_state_schema WHERE version = @v", r => r.GetInt64(0), ("v", SchemaVersion)).Single() > 0;

    /// <summary>This build's schema: the hash of its DDL, so any change to the DDL applies it again (it is idempotent).</summary>
    private static readonly string SchemaVersion = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(SchemaDdl)))[..16];

    private const string SchemaDdl = """
                CREATE TABLE IF NOT EXISTS rulesync_tenant (tenant text PRIMARY KEY, doc jsonb NOT NULL);
                CREATE TABLE IF NOT EXISTS rulesync_mailbox (tenant text NOT NULL, id text NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (tenant, id));
                CREATE TABLE IF NOT EXISTS rulesync_decision (
                    id bigserial PRIMARY KEY, tenant text NOT NULL, meeting_key text NOT NULL, at bigint NOT NULL, doc jsonb NOT NULL);
                CREATE INDEX IF NOT EXISTS rulesync_decision_meeting ON rulesync_decision (tenant, meeting_key);
                CREATE INDEX IF NOT EXISTS rulesync_decision_at ON rulesync_decision (tenant, at);
                CREATE TABLE IF NOT EXISTS rulesync_effect (
                    tenant text NOT NULL, id text NOT NULL, status text NOT NULL, mailbox text NOT NULL, meeting_key text NOT NULL,
                    replica text, created_at bigint NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (tenant, id));
                CREATE INDEX IF NOT EXISTS rulesync_effect_status ON rulesync_effect (tenant, status);
                CREATE INDEX IF NOT EXISTS rulesync_effect_meeting ON rulesync_effect (tenant, meeting_key);
                CREATE INDEX IF NOT EXISTS rulesync_effect_replica ON rulesync_effect (tenant, replica);
                ALTER TABLE rulesync_decision ADD COLUMN IF NOT EXISTS fence bigint;
                ALTER TABLE rulesync_decision ADD COLUMN IF NOT EXISTS meeting_fence bigint;
                CREATE TABLE IF NOT EXISTS rulesync_meeting_lease (
                    tenant text NOT NULL, meeting_key text NOT NULL, token bigint NOT NULL, holder text NOT NULL,
                    tenant_token bigint NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (tenant, meeting_key));
                CREATE TABLE IF NOT EXISTS rulesync_lease (tenant text PRIMARY KEY, token bigint NOT NULL, holder text NOT NULL, taken_at bigint NOT NULL);
                CREATE TABLE IF NOT EXISTS rulesync_shadow (id bigserial PRIMARY KEY, tenant text NOT NULL, at bigint NOT NULL, doc jsonb NOT NULL);
                CREATE INDEX IF NOT EXISTS rulesync_shadow_tenant ON rulesync_shadow (tenant, id);
                CREATE TABLE IF NOT EXISTS rulesync_budget (tenant text NOT NULL, cycle bigint NOT NULL, planned int NOT NULL, taken int NOT NULL, PRIMARY KEY (tenant, cycle));
                """;

    /// <summary>
    /// Takes the tenant's lease for <paramref name="holder"/> (a grain activation on a silo): the token goes up by one,
    /// and from now on every write of this store checks, in its own transaction, that the lease still carries this
    /// token. Whoever held it before is fenced off: its next write fails with <see cref="FencedOffException"/> and
    /// rolls back, so an activation that lost its silo's membership (killed, partitioned) cannot write after its
    /// successor began. A write in flight holds the lease row shared, so a takeover waits for it to commit.
    /// </summary>
    public long TakeLease(string holder, long at)
    {
        var token = Transaction(tx => tx.Query(
            """
            INSERT INTO rulesync_lease (tenant, token, holder, taken_at) VALUES (@t, 1, @holder, @at)
            ON CONFLICT (tenant) DO UPDATE SET token = rulesync_lease.token + 1, holder = EXCLUDED.holder, taken_at = EXCLUDED.taken_at
            RETURNING token
            """,
            r => r.GetInt64(0), ("holder", holder), ("at", at)).Single(),
            withPending: false);
        fence = token;
        return token;
    }

    /// <summary>The tenant's lease as the database has it: token and holder; null before anyone took it.</summary>
    public (long Token, string Holder)? Lease() =>
        Query("SELECT token, holder FROM rulesync_lease WHERE tenant = @t", r => (r.GetInt64(0), r.GetString(1))).Cast<(long, string)?>().SingleOrDefault();

    /// <summary>
    /// Writes under <paramref name="token"/>, the tenant's lease as another activation of the same tenant took it (a
    /// mailbox grain working for its tenant grain): every write is then fenced as that activation's own are, and ends
    /// when a successor takes the tenant's lease.
    /// </summary>
    public void WriteUnder(long token) => fence = token;

    // ---- mass-change budget of a cycle, shared by the silos (cluster mode) ----

    /// <summary>
    /// Adds to the tenant's mass-change counts of <paramref name="cycle"/> (destructive effects planned and taken by
    /// every mailbox of the cycle, on whichever silo it syncs) and returns the totals, atomically: the row is locked by
    /// the update, so two silos adding at once each see the other's count. Fenced like every write.
    /// </summary>
    public (int Planned, int Taken) AddToBudget(long cycle, int planned, int taken) => Transaction(tx => tx.Query(
        """
        INSERT INTO rulesync_budget (tenant, cycle, planned, taken) VALUES (@t, @c, @p, @k)
        ON CONFLICT (tenant, cycle) DO UPDATE SET planned = rulesync_budget.planned + EXCLUDED.planned, taken = rulesync_budget.taken + EXCLUDED.taken
        RETURNING planned, taken
        """,
        r => (r.GetInt32(0), r.GetInt32(1)), ("c", cycle), ("p", planned), ("k", taken)).Single());

    /// <summary>
    /// Forgets the budget counts of the tenant's cycles before <paramref name="cycle"/> (the tenant grain, at the end of
    /// a cycle): in the transaction that writes the finished syncs waiting (<see cref="CompleteSync"/>, <see cref="AddPending"/>).
    /// </summary>
    public void ForgetBudgetsBefore(long cycle) => Transaction(tx => tx.Execute("DELETE FROM rulesync_budget WHERE tenant = @t AND cycle < @c", ("c", cycle)));

    // ---- tenant ----

    /// <summary>Every tenant the database holds (all of them, not only this store's), by name.</summary>
    public IReadOnlyList<string> Tenants() =>
        Query("SELECT tenant FROM rulesync_tenant ORDER BY tenant COLLATE \"C\"", r => r.GetString(0));

    public TenantRow Tenant() =>
        Query("SELECT doc FROM rulesync_tenant WHERE tenant = @t", r => Read<TenantRow>(r, 0)).SingleOrDefault() ?? new TenantRow { Tenant = tenant };

    public TenantRow UpdateTenant(Action<TenantRow> change) => Transaction(tx =>
    {
        var row = tx.Query("SELECT doc FROM rulesync_tenant WHERE tenant = @t FOR UPDATE", r => Read<TenantRow>(r, 0)).SingleOrDefault()
            ?? new TenantRow { Tenant = tenant };
        change(row);
        tx.Execute(
            "INSERT INTO rulesync_tenant (tenant, doc) VALUES (@t, @doc) ON CONFLICT (tenant) DO UPDATE SET doc = EXCLUDED.doc",
            ("doc", Doc(row)));
        return row;
    });

    // ---- mailboxes ----

    public IReadOnlyList<MailboxRow> Mailboxes() => ReadAfterPending(() => Query("SELECT doc FROM rulesync_mailbox WHERE tenant = @t ORDER BY id COLLATE \"C\"", r => Read<MailboxRow>(r, 0)));

    public MailboxRow? Mailbox(string id) => ReadAfterPending(() =>
        Query("SELECT doc FROM rulesync_mailbox WHERE tenant = @t AND id = @id", r => Read<MailboxRow>(r, 0), ("id", StateStore.Key(id))).SingleOrDefault());

    public MailboxRow EnsureMailbox(string id, string provider) => EnsureMailboxes([(id, provider)])[0];

    public IReadOnlyList<MailboxRow> EnsureMailboxes(IReadOnlyList<(string Id, string Provider)> mailboxes)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        var keys = mailboxes.Select(m => StateStore.Key(m.Id)).ToArray();
        var fresh = mailboxes.Select((m, i) => Doc(new MailboxRow { Id = keys[i], Provider = m.Provider, Status = MailboxStatus.Active }).Text).ToArray();
        return Transaction(tx =>
        {
            tx.Execute(
                "INSERT INTO rulesync_mailbox (tenant, id, doc) SELECT @t, k, d::jsonb FROM unnest(@ids, @docs) AS n(k, d) ON CONFLICT (tenant, id) DO NOTHING",
                ("ids", keys), ("docs", fresh));
            var rows = tx.Query("SELECT doc FROM rulesync_mailbox WHERE tenant = @t AND id = ANY(@ids)", r => Read<MailboxRow>(r, 0), ("ids", keys))
                .ToDictionary(m => m.Id, StringComparer.Ordinal);
            return (IReadOnlyList<MailboxRow>)[.. keys.Select(k => rows[k])];
        });
    }

    public MailboxRow? UpdateMailbox(string id, Action<MailboxRow> change) => Transaction(tx => UpdateMailbox(tx, StateStore.Key(id), change));

    private static MailboxRow? UpdateMailbox(Tx tx, string key, Action<MailboxRow> change)
    {
        var row = tx.Query("SELECT doc FROM rulesync_mailbox WHERE tenant = @t AND id = @id FOR UPDATE", r => Read<MailboxRow>(r, 0), ("id", key)).SingleOrDefault();
        if (row is null)
        {
            return null;
        }

        change(row);
        tx.Execute("UPDATE rulesync_mailbox SET doc = @doc WHERE tenant = @t AND id = @id", ("id", key), ("doc", Doc(row)));
        return row;
    }

    public MailboxSyncState SyncState(string id) =>
        Mailbox(id)?.SyncState is { } json ? SyncStateJson.Deserialize(json) : MailboxSyncState.Initial(StateStore.Key(id));

    public void CompleteSync(string id, MailboxSyncState state, long at, long milliseconds, long attemptStarted = long.MinValue)
    {
        if (pending.Add(new PendingSync(StateStore.Key(id), SyncStateJson.Serialize(state), at, milliseconds, attemptStarted)))
        {
            WritePending();
        }
    }

    public void WritePending()
    {
        if (!pending.IsEmpty)
        {
            Transaction(_ => 0);
        }
    }

    /// <summary>Whether finished syncs wait to be written (<see cref="CompleteSync"/>).</summary>
    internal bool HasPending => !pending.IsEmpty;

    /// <summary>
    /// The finished syncs waiting to be written, no longer waiting here: a mailbox grain hands its sync to its tenant
    /// grain, whose store writes it with the cycle's others (<see cref="AddPending"/>).
    /// </summary>
    internal PendingSync[] TakePending() => pending.Take();

    /// <summary>Finished syncs another store of the tenant took (<see cref="TakePending"/>): written as this store's own, with its next transaction.</summary>
    internal void AddPending(IEnumerable<PendingSync> syncs)
    {
        ArgumentNullException.ThrowIfNull(syncs);
        var full = false;
        foreach (var sync in syncs)
        {
            full |= pending.Add(sync);
        }

        if (full)
        {
            WritePending();
        }
    }

    /// <summary>A read of rows a waiting sync changes: the waiting syncs are written first, so the read sees them.</summary>
    private T ReadAfterPending<T>(Func<T> read)
    {
        WritePending();
        return read();
    }

    /// <summary>The waiting syncs, in <paramref name="tx"/> (first: every write keeps its order); returns the effects settled as interrupted.</summary>
    private static List<EffectRow> WritePending(Tx tx, PendingSync[] syncs)
    {
        var settled = new List<EffectRow>();
        List<EffectRow>? planned = null;
        foreach (var sync in syncs)
        {
            UpdateMailbox(tx, sync.Mailbox, row =>
            {
                MailboxLifecycle.Synced(row, sync.Json, sync.At);
                row.AddLatency(sync.At, sync.Milliseconds, StateStore.LatencySamples);
            });
            if (sync.AttemptStarted == long.MinValue)
            {
                continue;
            }

            planned ??= tx.Query("SELECT doc FROM rulesync_effect WHERE tenant = @t AND status = @status FOR UPDATE", r => Read<EffectRow>(r, 0), ("status", nameof(EffectStatus.Planned)));
            foreach (var effect in planned)
            {
                if (MailboxLifecycle.SettleInterrupted(effect, sync.Mailbox, sync.AttemptStarted, sync.At))
                {
                    tx.Execute("UPDATE rulesync_effect SET status = @status, doc = @doc WHERE tenant = @t AND id = @id", EffectColumns(effect));
                    settled.Add(effect);
                }
            }
        }

        return settled;
    }

    // ---- journal ----

    public (long DecisionId, IReadOnlyList<EffectRow> Effects) Journal(DecisionRow decision, IReadOnlyList<EffectRow> effects) => Transaction(tx =>
    {
        if (decision.MeetingFence is long mine and > 0)
        {
            // The meeting's lease row (held shared until commit, so no takeover slips in) names the newest token
            // granted; the journal's own newest covers a store whose leases live elsewhere.
            var lease = tx.Query(
                "SELECT token, holder FROM rulesync_meeting_lease WHERE tenant = @t AND meeting_key = @m FOR SHARE",
                r => (Token: r.GetInt64(0), Holder: (string?)r.GetString(1)), ("m", decision.MeetingKey)).SingleOrDefault();
            var journaled = tx.Query(
                "SELECT coalesce(max(meeting_fence), 0) FROM rulesync_decision WHERE tenant = @t AND meeting_key = @m", r => r.GetInt64(0), ("m", decision.MeetingKey)).Single();
            var (newest, holder) = journaled > lease.Token ? (journaled, null) : lease;
            if (newest > mine)
            {
                throw new FencedOffException($"meeting {decision.MeetingKey} of tenant {tenant}", mine, newest, holder);
            }
        }

        decision.Effects = [.. effects.Select(e => e.Id)];
        decision.Fence = fence;
        decision.Id = tx.Query(
            "INSERT INTO rulesync_decision (tenant, meeting_key, at, fence, meeting_fence, doc) VALUES (@t, @m, @at, @fence, @mfence, @doc) RETURNING id",
            r => r.GetInt64(0), ("m", decision.MeetingKey), ("at", decision.At), ("fence", (object?)fence ?? DBNull.Value),
            ("mfence", (object?)decision.MeetingFence ?? DBNull.Value), ("doc", Doc(decision))).Single();
        var rows = new List<EffectRow>(effects.Count);
        foreach (var e in effects)
        {
            e.DecisionId = decision.Id;
            var inserted = tx.Execute(
                """
                INSERT INTO rulesync_effect (tenant, id, status, mailbox, meeting_key, replica, created_at, doc)
                VALUES (@t, @id, @status, @mailbox, @m, @replica, @created, @doc) ON CONFLICT (tenant, id) DO NOTHING
                """,
                EffectColumns(e));
            // An effect already journaled (the same change decided again after a crash) keeps its row and status.
            rows.Add(inserted == 1 ? e : tx.Query("SELECT doc FROM rulesync_effect WHERE tenant = @t AND id = @id", r => Read<EffectRow>(r, 0), ("id", e.Id)).Single());
        }

        return (decision.Id, (IReadOnlyList<EffectRow>)rows);
    });

    public void CompleteDecision(long decisionId, string outcome, string mailbox, MailboxSyncState? progress)
    {
        var json = progress is null ? null : SyncStateJson.Serialize(progress);
        Transaction(tx =>
        {
            tx.Execute(
                "UPDATE rulesync_decision SET doc = jsonb_set(doc, '{Outcome}', to_jsonb(@outcome::text)) WHERE tenant = @t AND id = @id",
                ("id", decisionId), ("outcome", outcome));
            if (json is not null)
            {
                UpdateMailbox(tx, StateStore.Key(mailbox), m => m.SyncState = json);
            }

            return 0;
        });
    }

    public EffectRow? Effect(string id) => ReadAfterPending(() =>
        Query("SELECT doc FROM rulesync_effect WHERE tenant = @t AND id = @id", r => Read<EffectRow>(r, 0), ("id", id)).SingleOrDefault());

    public EffectRow? MarkEffect(string id, EffectStatus status, long at, string? detail = null, string? reviewedBy = null) => Transaction(tx =>
    {
        var row = tx.Query("SELECT doc FROM rulesync_effect WHERE tenant = @t AND id = @id FOR UPDATE", r => Read<EffectRow>(r, 0), ("id", id)).SingleOrDefault();
        if (row is null)
        {
            return null;
        }

        row.Mark(status, at, detail, reviewedBy);
        tx.Execute("UPDATE rulesync_effect SET status = @status, doc = @doc WHERE tenant = @t AND id = @id", EffectColumns(row));
        return row;
    });

    public IReadOnlyList<EffectRow> Effects(EffectStatus status, string? mailbox = null) => ReadAfterPending(() => Query(
        "SELECT doc FROM rulesync_effect WHERE tenant = @t AND status = @status AND (@mailbox::text IS NULL OR mailbox = @mailbox) ORDER BY created_at, id COLLATE \"C\"",
        r => Read<EffectRow>(r, 0), ("status", status.ToString()), ("mailbox", mailbox is null ? DBNull.Value : StateStore.Key(mailbox))));

    public EffectRow? OwnRemoval(string replicaId, string? meetingKey, string exceptPrefix)
    {
        const string Select = "SELECT doc FROM rulesync_effect WHERE tenant = @t AND {0} = @v ORDER BY created_at, id COLLATE \"C\"";
        WritePending();
        return Query(string.Format(System.Globalization.CultureInfo.InvariantCulture, Select, "replica"), r => Read<EffectRow>(r, 0), ("v", replicaId))
                .FirstOrDefault(e => OwnRemovals.Explains(e, exceptPrefix))
            ?? (meetingKey is null ? null : EffectsOfMeeting(meetingKey).FirstOrDefault(e => OwnRemovals.CancelsMeeting(e, exceptPrefix)));
    }

    public IReadOnlyList<EffectRow> EffectsOfMeeting(string meetingKey) => ReadAfterPending(() => Query(
        "SELECT doc FROM rulesync_effect WHERE tenant = @t AND meeting_key = @m ORDER BY created_at, id COLLATE \"C\"", r => Read<EffectRow>(r, 0), ("m", meetingKey)));

    public IReadOnlyList<DecisionRow> DecisionsOfMeeting(string meetingKey) => Query(
        "SELECT id, doc, fence FROM rulesync_decision WHERE tenant = @t AND meeting_key = @m ORDER BY id", ReadDecision, ("m", meetingKey));

    public IReadOnlyList<DecisionRow> Decisions(long fromAt, long toAt) => Query(
        "SELECT id, doc, fence FROM rulesync_decision WHERE tenant = @t AND at >= @from AND at < @to ORDER BY id", ReadDecision, ("from", fromAt), ("to", toAt));

    public int DecisionCount() => (int)Query("SELECT count(*) FROM rulesync_decision WHERE tenant = @t", r => r.GetInt64(0)).Single();

    // ---- shadow ----

    public void RecordShadow(ShadowRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        row.Id = Transaction(tx => tx.Query("INSERT INTO rulesync_shadow (tenant, at, doc) VALUES (@t, @at, @doc) RETURNING id", r => r.GetInt64(0), ("at", row.At), ("doc", Doc(row))).Single());
    }

    public IReadOnlyList<ShadowRow> Shadow(int limit) => Query(
        "SELECT id, doc FROM rulesync_shadow WHERE tenant = @t ORDER BY id DESC LIMIT @limit",
        r =>
        {
            var row = Read<ShadowRow>(r, 1);
            row.Id = r.GetInt64(0);
            return row;
        },
        ("limit", limit));

    /// <summary>Closes the store's own pool; a shared one (<see cref="Open(NpgsqlDataSource, string)"/>) stays open.</summary>
    public void Dispose()
    {
        if (ownsSource)
        {
            source.Dispose();
        }
    }

    // ---- plumbing ----

    private static DecisionRow ReadDecision(NpgsqlDataReader r)
    {
        var row = Read<DecisionRow>(r, 1);
        row.Id = r.GetInt64(0);
        row.Fence = r.IsDBNull(2) ? null : r.GetInt64(2);
        return row;
    }

    private static (string, object)[] EffectColumns(EffectRow e) =>
    [
        ("id", e.Id), ("status", e.Status.ToString()), ("mailbox", e.Mailbox), ("m", e.MeetingKey), ("replica", (object?)e.Replica ?? DBNull.Value),
        ("created", e.CreatedAt), ("doc", Doc(e)),
    ];

    private static JsonbText Doc<T>(T row) => new(JsonSerializer.Serialize(row, Json));

    private static T Read<T>(NpgsqlDataReader r, int column) =>
        JsonSerializer.Deserialize<T>(r.GetString(column), Json) ?? throw new JsonException($"a null {typeof(T).Name} document");

    /// <summary>A read; after a lost connection (the pool dropped), read once more on a fresh one: reads change nothing.</summary>
    private List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        List<T> Once()
        {
            using var connection = OpenConnection();
            return new Tx(connection, null, tenant, ReadOnItsOwn).Query(sql, read, parameters);
        }

        try
        {
            return ClearingBroken(Once);
        }
        catch (NpgsqlException e) when (ConnectionLost(e))
        {
            return Once();
        }
    }

    /// <summary>How many times a connection the pool could not give within its <c>Timeout</c> is asked for again.</summary>
    internal const int PoolWaits = 10;

    private static long poolWaitsRetried;

    /// <summary>Connections asked for again, in this process, because the pool had none free within its <c>Timeout</c> (the scale benchmark prints it).</summary>
    internal static long PoolWaitsRetried => Interlocked.Read(ref poolWaitsRetried);

    /// <summary>
    /// A pooled connection. A wait for one that outlasted the pool's <c>Timeout</c> (every connection busy: "The
    /// connection pool has been exhausted"; or a connect that timed out) sent nothing, so it is asked for again, up to
    /// <see cref="PoolWaits"/> times: a busy pool is a reason to wait, not to fail a cycle. A cluster silo admits its
    /// work to the pool's size first (<c>SiloAdmission</c>), so this is the fallback, not the rule.
    /// </summary>
    private NpgsqlConnection OpenConnection()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return source.OpenConnection();
            }
            catch (NpgsqlException e) when (PoolWaitTimedOut(e) && attempt < PoolWaits)
            {
                Interlocked.Increment(ref poolWaitsRetried);
            }
        }
    }

    /// <summary>Whether opening failed only for want of time: no connection free (or none connected) within the pool's <c>Timeout</c>.</summary>
    internal static bool PoolWaitTimedOut(NpgsqlException e) =>
        e is not PostgresException && (e.InnerException is TimeoutException || e.Message.Contains("connection pool has been exhausted", StringComparison.Ordinal));

    /// <summary>
    /// After a database restart every pooled connection is dead, and each would fail one more call before the pool
    /// drops it: the first such failure drops them all, so the next call connects afresh.
    /// </summary>
    private T ClearingBroken<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (NpgsqlException e) when (ConnectionLost(e) && !PoolWaitTimedOut(e))
        {
            // (A pool that only had no connection free is not dropped: its connections are fine, only busy.)
            source.Clear();
            throw;
        }
    }

    /// <summary>
    /// Whether the error says the connection, not the statement, failed: a network or protocol error, or the server
    /// shutting down or restarting (SQLSTATE class 08, 57P01–57P03). The pool's other connections are gone too.
    /// </summary>
    internal static bool ConnectionLost(NpgsqlException e) =>
        e is PostgresException p ? p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03" : true;

    /// <summary>
    /// One transaction; under a lease, first checks (and holds shared) that the lease still carries our token; then
    /// writes the finished syncs that wait (<see cref="CompleteSync"/>) before <paramref name="work"/>, unless
    /// <paramref name="withPending"/> is false (schema, lease). Rolled back, the syncs wait again.
    /// </summary>
    /// <remarks>
    /// A connection found lost before the commit was asked for (after a database restart, the pooled connection a
    /// transaction borrowed is dead: its first statement fails) left nothing behind: the server rolled the
    /// transaction back or never saw it. So the pool is dropped and the transaction runs once more on a fresh
    /// connection. A connection lost during the commit is not retried: whether it committed is unknown, and the
    /// caller's recovery (the journal read again) decides.
    /// </remarks>
    private T Transaction<T>(Func<Tx, T> work, bool withPending = true, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        var attempt = new Attempt();
        try
        {
            return ClearingBroken(() => TransactionCore(work, withPending, attempt, operation));
        }
        catch (NpgsqlException e) when (ConnectionLost(e) && !attempt.Committing)
        {
            return ClearingBroken(() => TransactionCore(work, withPending, new Attempt(), operation));
        }
    }

    /// <summary>The operation a read outside any transaction counts under (<see cref="RunnerTelemetry.StoreRoundTrip"/>).</summary>
    internal const string ReadOnItsOwn = "read";

    /// <summary>Whether a transaction got as far as asking for its commit.</summary>
    private sealed class Attempt
    {
        public bool Committing { get; set; }
    }

    private T TransactionCore<T>(Func<Tx, T> work, bool withPending, Attempt attempt, string operation)
    {
        var syncs = withPending ? pending.Take() : [];
        try
        {
            using var connection = OpenConnection();
            using var transaction = connection.BeginTransaction();
            var tx = new Tx(connection, transaction, tenant, operation);
            if (fence is { } mine)
            {
                var current = tx.Query("SELECT token, holder FROM rulesync_lease WHERE tenant = @t FOR SHARE", r => (Token: r.GetInt64(0), Holder: r.GetString(1))).SingleOrDefault();
                if (current.Token != mine)
                {
                    throw new FencedOffException($"tenant {tenant}", mine, current.Token, current.Holder);
                }
            }

            var settled = WritePending(tx, syncs);
            var result = work(tx);
            attempt.Committing = true;
            transaction.Commit();
            RunnerTelemetry.StoreRoundTrip(tenant, operation, "COMMIT");
            foreach (var effect in settled)
            {
                RunnerTelemetry.EffectRecorded(effect.Kind, StateStore.ResultName(effect.Status));
            }

            return result;
        }
        catch
        {
            pending.Restore(syncs);
            throw;
        }
    }

    /// <summary>A JSON document bound as <c>jsonb</c>.</summary>
    private readonly record struct JsonbText(string Text);

    /// <summary>
    /// Commands on one connection (and transaction), with the tenant bound as <c>@t</c>; each a round trip counted under
    /// <paramref name="operation"/> (<see cref="RunnerTelemetry.StoreRoundTrip"/>; the transaction's <c>BEGIN</c> goes
    /// with its first command, its <c>COMMIT</c> is counted by <see cref="TransactionCore"/>).
    /// </summary>
    private readonly struct Tx(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenant, string operation)
    {
        public int Execute(string sql, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, parameters);
            RunnerTelemetry.StoreRoundTrip(tenant, operation, sql);
            return command.ExecuteNonQuery();
        }

        public List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, parameters);
            RunnerTelemetry.StoreRoundTrip(tenant, operation, sql);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }

        private NpgsqlCommand Command(string sql, (string Name, object Value)[] parameters)
        {
            var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("t", tenant);

            foreach (var (name, value) in parameters)
            {
                if (value is JsonbText json)
                {
                    command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = json.Text });
                }
                else
                {
                    command.Parameters.AddWithValue(name, value);
                }
            }

            return command;
        }
    }
}
