using System.Collections.Immutable;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What the read stage of one sync brought back through the ports: the mailbox delta, the CRM change poll and the
/// CRM's live ids. Everything the plan and carry-out stages decide over, besides the state. Immutable.
/// </summary>
/// <param name="Mailbox">The mailbox delta page since the state's cursor.</param>
/// <param name="Crm">The CRM change poll since the state's watermark.</param>
/// <param name="LiveIds">The ids of every live record the employee is a party of or owns.</param>
public sealed record SyncRead(MailboxPage Mailbox, CrmChangePage Crm, ImmutableArray<string> LiveIds);

/// <summary>
/// The plan stage's result: every decision the sync would take over its read, with the effects as data, none carried
/// out (<see cref="SyncCycle.Plan"/>). Destructive effects are the ones <see cref="EffectTraits.IsDestructive"/> marks.
/// Immutable.
/// </summary>
/// <param name="Decisions">The decisions, in the order the sync takes them.</param>
public sealed record SyncPlan(ImmutableArray<SyncDecision> Decisions)
{
    /// <summary>How many planned effects delete or cancel something (before any guard).</summary>
    public int Destructive
    {
        get
        {
            var n = 0;
            foreach (var d in Decisions)
            {
                foreach (var e in d.Effects)
                {
                    n += EffectTraits.IsDestructive(e) ? 1 : 0;
                }
            }

            return n;
        }
    }
}

/// <summary>
/// The per-meeting serialization seam: while a sync holds a meeting's lease, no other sync decides or carries out
/// anything about that meeting. In one process: one async lock per meeting key (<c>runner/Live/MeetingLocks.cs</c>);
/// in a cluster: a meeting grain or a lease whose fencing token the journal checks (<see cref="ISyncJournal"/>).
/// </summary>
public interface IMeetingSerializer
{
    /// <summary>Waits for the meeting's lease; dispose it to release.</summary>
    ValueTask<IMeetingLease> EnterAsync(string meetingKey, CancellationToken cancellationToken);
}

/// <summary>A held meeting lease: released when disposed.</summary>
public interface IMeetingLease : IAsyncDisposable
{
    /// <summary>The meeting the lease is for.</summary>
    string MeetingKey { get; }

    /// <summary>
    /// Increases with every lease granted for the meeting (a fencing token): a journal shared by several processes
    /// refuses an entry written under a lease older than the newest it has seen. 0 where leases cannot go stale (one process).
    /// </summary>
    long FencingToken { get; }
}

/// <summary>
/// The journal port: what will be done, written before it is done, and what was done. The live runner's is the state
/// file (<c>runner/Live/LiveSyncJournal.cs</c>); the simulator's is in memory (<c>simulator/World/SimJournal.cs</c>).
/// It also answers the admit stage's two questions about the past: which write of ours explains a change (the
/// intent guard's input) and whether an effect is already in an operator's hands.
/// </summary>
public interface ISyncJournal
{
    /// <summary>The write of ours that explains <paramref name="decision"/>'s change, if any (asked only when <see cref="IntentGuard.CouldBeOwnEffect"/>).</summary>
    OwnWrite? OwnWriteBehind(SyncDecision decision);

    /// <summary>
    /// The operator's review of an effect journaled by an earlier decision (<c>held</c>, <c>approved</c> or
    /// <c>discarded</c>), or null: an effect in review is decided by the review, not carried out by a re-decision.
    /// </summary>
    string? ReviewOf(string idempotencyKey);

    /// <summary>Journals the admitted decision and each effect's verdict, before any effect is carried out.</summary>
    ValueTask RecordAsync(AdmittedDecision decision, IMeetingLease? lease, CancellationToken cancellationToken);

    /// <summary>After an admitted effect was carried out (held ones included: they ran as nothing).</summary>
    ValueTask CarriedOutAsync(AdmittedDecision decision, AdmittedEffect effect, CancellationToken cancellationToken);

    /// <summary>
    /// A decision whose remaining effects will not run: a CRM write found the record changed since it was read
    /// (<see cref="CrmConflictException"/>), and the change is decided again on the fresh record.
    /// </summary>
    ValueTask SupersededAsync(AdmittedDecision decision, CrmConflictException conflict, CancellationToken cancellationToken);

    /// <summary>
    /// After a decision's effects ran, with the sync state as it now stands except that cursor and watermark are not
    /// advanced: saved, it lets a sync restarted after a crash re-read the same page and find the items already decided
    /// unchanged, so nothing is decided or applied twice and nothing is skipped.
    /// </summary>
    ValueTask CompletedAsync(AdmittedDecision decision, MailboxSyncState progress, CancellationToken cancellationToken);
}

/// <summary>
/// The admit and journal stages a sync runs with (<see cref="SyncCycle.RunAsync"/>). Without them (tests, the
/// simulator's bare <c>check</c>) every planned effect is carried out as planned and nothing is journaled.
/// </summary>
/// <param name="Journal">The journal port.</param>
/// <param name="Budget">The mass-change budget, or null for none (dry runs count nothing).</param>
/// <param name="Meetings">Per-meeting serialization, or null where one sync runs at a time.</param>
/// <param name="DryRun">Whether nothing is carried out (every effect is journaled as a dry run).</param>
/// <param name="Shadow">A candidate rule set decided on the same facts, or null.</param>
public sealed record SyncStages(
    ISyncJournal Journal,
    IAdmissionBudget? Budget = null,
    IMeetingSerializer? Meetings = null,
    bool DryRun = false,
    Decisions.IDecisionPolicy? Shadow = null);
