namespace RulesSync.Runner.Tenant;

/// <summary>
/// What the operator dashboard needs from the live runner: a read model of the tenant's sync state and
/// the four operator actions. This is the whole seam between the dashboard (HTTP, page) and the runner
/// (LiteDB state, journal, guards); the dashboard holds no state of its own.
/// </summary>
/// <remarks>
/// Contract for implementations:
/// <list type="bullet">
/// <item>Every member may be called concurrently from several HTTP requests.</item>
/// <item>Views are snapshots: immutable, safe to serialize after the call returns.</item>
/// <item>An unknown mailbox or held-effect id throws <see cref="OperatorConsoleNotFoundException"/>
/// (the API answers 404); an action that is valid but cannot be carried out now (e.g. approving an
/// effect someone else already discarded) throws <see cref="OperatorConsoleConflictException"/> (409).
/// Anything else is a server error.</item>
/// <item>Actions are idempotent where that is natural: suspending a suspended mailbox or resuming a
/// syncing one succeeds and changes nothing.</item>
/// <item><c>operatorName</c> is who pressed the button, for the journal and the operator alerts; the
/// dashboard has already authorized the action (operator token) before calling.</item>
/// </list>
/// </remarks>
public interface IOperatorConsole
{
    /// <summary>The tenant's rule sets, last reload error and kill switch.</summary>
    ValueTask<TenantOverview> OverviewAsync(CancellationToken ct);

    /// <summary>Every configured mailbox, in a stable order (the runner's configuration order or by id).</summary>
    ValueTask<IReadOnlyList<MailboxView>> MailboxesAsync(CancellationToken ct);

    /// <summary>Effects the mass-change guard holds for review, oldest first.</summary>
    ValueTask<IReadOnlyList<HeldEffectView>> HeldEffectsAsync(CancellationToken ct);

    /// <summary>One meeting's decision journal, oldest first; empty for a UID the journal does not know.</summary>
    ValueTask<IReadOnlyList<JournalEntryView>> MeetingHistoryAsync(string meetingUid, CancellationToken ct);

    /// <summary>The most recent changes (newest first, at most <paramref name="max"/>) where the shadow rule set decided differently.</summary>
    ValueTask<IReadOnlyList<ShadowDifferenceView>> ShadowDifferencesAsync(int max, CancellationToken ct);

    /// <summary>Decisions counted per kind in consecutive time buckets, oldest first (the implementation picks the bucket width).</summary>
    ValueTask<IReadOnlyList<DecisionCountBucket>> DecisionsOverTimeAsync(CancellationToken ct);

    /// <summary>Suspends one mailbox, or every mailbox (the kill switch) when <paramref name="mailboxId"/> is null. Cursors are kept.</summary>
    ValueTask SuspendAsync(string? mailboxId, string operatorName, string reason, CancellationToken ct);

    /// <summary>
    /// Resumes one mailbox from where it stopped (whoever suspended it: an operator or the circuit breaker), or
    /// releases the kill switch when <paramref name="mailboxId"/> is null. Releasing the kill switch does not
    /// resume mailboxes that were suspended one by one: their errors still need someone to look.
    /// </summary>
    ValueTask ResumeAsync(string? mailboxId, string operatorName, CancellationToken ct);

    /// <summary>Releases one held effect to be carried out.</summary>
    ValueTask ApproveAsync(string heldEffectId, string operatorName, CancellationToken ct);

    /// <summary>Drops one held effect: it is journaled as discarded and never carried out.</summary>
    ValueTask DiscardAsync(string heldEffectId, string operatorName, CancellationToken ct);
}
