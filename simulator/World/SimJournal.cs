using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>
/// The simulator's journal port (<see cref="ISyncJournal"/>), in memory, when a world is created with
/// <c>admit: true</c>: the same admit stage as the runner's (<see cref="SyncAdmission"/>) asks it which write of ours
/// explains a change (the world's <see cref="SimWorld.OwnRemovals"/>, written when a destructive effect is admitted,
/// before it runs, as the runner's journal is). It counts what the admit stage held (<see cref="SimWorld.AdmissionHeld"/>:
/// contained, not a spurious decision) and the destructive effects it let through (the <c>admitted-within-budget</c>
/// invariant), keeps the progress each completed decision saves, and can crash the sync at the journal/carry-out
/// boundary: after its <see cref="CrashAt"/>-th decision is journaled, before any of that decision's effects is
/// carried out. One instance per world and sync; the simulated sync completes synchronously.
/// </summary>
internal sealed class SimJournal(SimWorld world, int crashAt = 0) : ISyncJournal
{
    private int journaled;

    /// <summary>Crash at the boundary of this journaled decision (1-based); 0 never.</summary>
    public int CrashAt { get; } = crashAt;

    /// <summary>The idempotency keys of the effects this sync's admit stage held (the planner's own holds are not among them).</summary>
    public HashSet<string> HeldKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Destructive effects the admit stage let through in this sync.</summary>
    public int AdmittedDestructive { get; private set; }

    /// <summary>The progress the last completed decision saved (cursor and watermark not advanced), or null.</summary>
    public MailboxSyncState? Progress { get; private set; }

    /// <summary>The journal's entry for a cancellation of a whole meeting (the provider cancels every attendee's copy).</summary>
    public static string MeetingEntry(string meetingKey) => "meeting:" + meetingKey;

    public OwnWrite? OwnWriteBehind(SyncDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var change = decision.Change;
        var journal = world.OwnRemovals;
        return journal.Contains(change.ReplicaId) ? new OwnWrite(change.ReplicaId, $"a cancel or delete of {change.ReplicaId}")
            : change.Source == ChangeSource.Mailbox && journal.Contains(MeetingEntry(change.MeetingKey))
                ? new OwnWrite(MeetingEntry(change.MeetingKey), $"a cancellation of meeting {change.MeetingKey}")
                : null;
    }

    /// <summary>The simulator has no operators: nothing is ever in review.</summary>
    public string? ReviewOf(string idempotencyKey) => null;

    public ValueTask RecordAsync(AdmittedDecision decision, IMeetingLease? lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var journal = world.OwnRemovals;
        foreach (var e in decision.Effects)
        {
            if (e.Verdict != AdmissionVerdict.Run)
            {
                HeldKeys.Add(e.Planned.IdempotencyKey);
                continue;
            }

            if (EffectTraits.IsDestructive(e.Planned) && EffectTraits.Replica(e.Planned) is { } replica)
            {
                AdmittedDestructive++;
                journal = journal.Add(replica);
                if (EffectTraits.NotifiesCancellation(e.Planned))
                {
                    journal = journal.Add(MeetingEntry(decision.Decision.Change.MeetingKey));
                }
            }
        }

        world.OwnRemovals = journal;
        if (++journaled == CrashAt)
        {
            throw new SimulatedCrash($"crashed after journaling decision {journaled} ({decision.Decision.Decision.Rule}), before its effects");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CarriedOutAsync(AdmittedDecision decision, AdmittedEffect effect, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SupersededAsync(AdmittedDecision decision, CrmConflictException conflict, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask CompletedAsync(AdmittedDecision decision, MailboxSyncState progress, CancellationToken cancellationToken)
    {
        Progress = progress;
        return ValueTask.CompletedTask;
    }
}

/// <summary>A simulated process crash at the journal/carry-out boundary: the sync stops; its agent resumes from the progress saved.</summary>
internal sealed class SimulatedCrash(string message) : Exception(message);

/// <summary>
/// The mass-change budget of one simulated sync (<see cref="IAdmissionBudget"/>): the engine's arithmetic
/// (<see cref="GuardLimits.Exceeded"/>) over this mailbox's counts; the simulated tenant is the one mailbox syncing.
/// </summary>
internal sealed class SimBudget(GuardLimits limits) : IAdmissionBudget
{
    private int meetings;
    private int count;
    private string? tripped;

    /// <summary>The limits the budget applies.</summary>
    public GuardLimits Limits => limits;

    public string? Reserve(MailboxSyncState state, int plannedDestructive)
    {
        ArgumentNullException.ThrowIfNull(state);
        meetings = state.MeetingCount();
        tripped = plannedDestructive <= 0 ? null : limits.Exceeded(state.EmployeeId, plannedDestructive, meetings, plannedDestructive, meetings);
        return tripped;
    }

    public string? Take(string mailbox, Effect effect)
    {
        if (!EffectTraits.IsDestructive(effect))
        {
            return null;
        }

        count++;
        return tripped ?? limits.Exceeded(mailbox, count, meetings, count, meetings);
    }
}
