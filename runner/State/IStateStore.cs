using RulesSync.Engine.Sync;

namespace RulesSync.Runner.State;

/// <summary>
/// The runner's state and journal, whatever holds them: one tenant's mailboxes (status, health, the engine's sync
/// state), its tenant row (kill switch, rule set in force, CRM outage), the journal (decisions and their effects; an
/// effect's id is its idempotency key) and the shadow differences. Writes that belong together run in one
/// transaction: a decision with its effects (<see cref="Journal"/>), a decision's outcome with the mailbox's progress
/// (<see cref="CompleteDecision"/>). Implemented by the embedded LiteDB file (<see cref="StateStore"/>) and by
/// PostgreSQL for cluster mode (<see cref="PostgresStateStore"/>); both pass the same contract tests. Thread-safe.
/// </summary>
internal interface IStateStore : IDisposable
{
    /// <summary>The tenant's row (a fresh one when nothing was recorded yet).</summary>
    TenantRow Tenant();

    /// <summary>Changes the tenant's row atomically: no concurrent change is lost.</summary>
    TenantRow UpdateTenant(Action<TenantRow> change);

    /// <summary>Every mailbox, by id.</summary>
    IReadOnlyList<MailboxRow> Mailboxes();

    MailboxRow? Mailbox(string id);

    /// <summary>The mailbox's row, created (active, never synced) when it is new.</summary>
    MailboxRow EnsureMailbox(string id, string provider);

    /// <summary>
    /// The rows of the given mailboxes, in order, each created (active, never synced) when it is new: one read and one
    /// transaction for all of them (a cycle's start), not one per mailbox.
    /// </summary>
    IReadOnlyList<MailboxRow> EnsureMailboxes(IReadOnlyList<(string Id, string Provider)> mailboxes);

    /// <summary>Changes a mailbox's row atomically; null when there is no such mailbox.</summary>
    MailboxRow? UpdateMailbox(string id, Action<MailboxRow> change);

    /// <summary>The engine's sync state of the mailbox (the initial state before its first sync).</summary>
    MailboxSyncState SyncState(string id);

    /// <summary>
    /// The engine's sync state kept in a mailbox row read before (the initial state when there is none). A store may
    /// return the object it already holds for that row's JSON instead of deserialising it again.
    /// </summary>
    MailboxSyncState ReadSyncState(MailboxRow? row, string id) => StateStore.SyncStateOf(row, id);

    /// <summary>
    /// A finished sync: the state with its cursor advanced, the time and the latency, the failure count cleared; and,
    /// with <paramref name="attemptStarted"/>, the mailbox's effects journaled before it and still planned settled as
    /// interrupted (<see cref="MailboxLifecycle.SettleInterrupted"/>). Written with the store's next transaction (before
    /// that transaction's own writes), by <see cref="WritePending"/>, or once <see cref="PendingSyncs.Limit"/> wait: a
    /// transaction per finished sync cost more than the sync. Reads of this store see it at once; another process, or
    /// the store after a crash, once written. A crash before the write loses only the cursor's last advance (every
    /// decision's progress is saved with it, <see cref="CompleteDecision"/>).
    /// </summary>
    void CompleteSync(string id, MailboxSyncState state, long at, long milliseconds, long attemptStarted = long.MinValue);

    /// <summary>Writes the finished syncs that wait (<see cref="CompleteSync"/>), in one transaction: a cycle calls it at its end.</summary>
    void WritePending();

    /// <summary>
    /// Journals a decision and its effects in one transaction, before any effect runs. An effect already in the
    /// journal keeps its row and status. Returns the decision's id and each effect row as it now stands, in order.
    /// A decision taken under a meeting lease (<see cref="DecisionRow.MeetingFence"/>) whose token is older than the
    /// newest the store knows for the meeting is refused with <see cref="FencedOffException"/>, nothing written.
    /// </summary>
    (long DecisionId, IReadOnlyList<EffectRow> Effects) Journal(DecisionRow decision, IReadOnlyList<EffectRow> effects);

    /// <summary>A decision's effects are done: its outcome and the mailbox's progress state, in one transaction.</summary>
    void CompleteDecision(long decisionId, string outcome, string mailbox, MailboxSyncState? progress);

    EffectRow? Effect(string id);

    /// <summary>Sets an effect's status (and who reviewed it, for approvals and discards); null when there is no such effect.</summary>
    EffectRow? MarkEffect(string id, EffectStatus status, long at, string? detail = null, string? reviewedBy = null);

    /// <summary>The effects in <paramref name="status"/> (of one mailbox, when given), oldest first.</summary>
    IReadOnlyList<EffectRow> Effects(EffectStatus status, string? mailbox = null);

    /// <summary>Our own write that could explain a removal or cancellation of <paramref name="replicaId"/> (<see cref="OwnRemovals"/>); null when none.</summary>
    EffectRow? OwnRemoval(string replicaId, string? meetingKey, string exceptPrefix);

    IReadOnlyList<EffectRow> EffectsOfMeeting(string meetingKey);

    IReadOnlyList<DecisionRow> DecisionsOfMeeting(string meetingKey);

    /// <summary>Decisions taken in [<paramref name="fromAt"/>, <paramref name="toAt"/>), by id.</summary>
    IReadOnlyList<DecisionRow> Decisions(long fromAt, long toAt);

    int DecisionCount();

    void RecordShadow(ShadowRow row);

    /// <summary>The latest shadow differences, newest first.</summary>
    IReadOnlyList<ShadowRow> Shadow(int limit);
}

/// <summary>
/// Which journaled effects count as our own write explaining a removal: a destructive, non-held effect that is planned,
/// applied or failed (it may have happened), not of the decision being taken again (its key starts with the except prefix).
/// Held, discarded and dry-run effects never happened. One definition for every store.
/// </summary>
internal static class OwnRemovals
{
    public static bool Explains(EffectRow e, string exceptPrefix) =>
        e.Destructive && e.Kind != nameof(HeldEffect) && e.Status is EffectStatus.Planned or EffectStatus.Applied or EffectStatus.Failed
        && !e.Id.StartsWith(exceptPrefix, StringComparison.Ordinal);

    /// <summary>A cancellation of the whole meeting (the provider cancels the attendees' copies with the organizer's event).</summary>
    public static bool CancelsMeeting(EffectRow e, string exceptPrefix) => e.Kind == nameof(CancelEvent) && Explains(e, exceptPrefix);
}
