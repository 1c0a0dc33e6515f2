using System.Collections.Immutable;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>
/// The admit stage as the simulator runs it, when a world is created with <c>admit: true</c>: the engine's
/// <see cref="IntentGuard"/> over an in-memory journal of our own destructive writes (<see cref="SimWorld.OwnRemovals"/>),
/// written when an effect is admitted, before it runs, as the runner's journal is. A destructive effect whose change is
/// not a person's act, or is the echo of a write of ours, becomes a <see cref="HeldEffect"/>. The world counts it as
/// held (<c>nothing-held</c> sees it) and as contained (<see cref="SimWorld.AdmissionHeld"/>), not as a spurious
/// decision the planner held: what the invariants judge is what went out. One instance per world and sync; the
/// simulated sync completes synchronously.
/// </summary>
internal sealed class SimAdmission(SimWorld world) : ISyncHooks
{
    /// <summary>The idempotency keys of the effects this sync's admit stage held (the planner's own holds are not among them).</summary>
    public HashSet<string> HeldKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>The journal's entry for a cancellation of a whole meeting (the provider cancels every attendee's copy).</summary>
    public static string MeetingEntry(string meetingKey) => "meeting:" + meetingKey;

    public ValueTask<IAsyncDisposable?> EnterMeetingAsync(string meetingKey, CancellationToken cancellationToken) => ValueTask.FromResult<IAsyncDisposable?>(null);

    public ValueTask<ImmutableArray<Effect>> AdmitAsync(SyncDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var change = decision.Change;
        var journal = world.OwnRemovals;
        OwnWrite? ours = null;
        if (IntentGuard.CouldBeOwnEffect(change))
        {
            if (journal.Contains(change.ReplicaId))
            {
                ours = new OwnWrite(change.ReplicaId, $"a cancel or delete of {change.ReplicaId}");
            }
            else if (change.Source == Engine.Changes.ChangeSource.Mailbox && journal.Contains(MeetingEntry(change.MeetingKey)))
            {
                ours = new OwnWrite(MeetingEntry(change.MeetingKey), $"a cancellation of meeting {change.MeetingKey}");
            }
        }

        var facts = decision.Facts;
        var cause = IntentGuard.CauseOf(change, in facts, ours);
        var admitted = ImmutableArray.CreateBuilder<Effect>(decision.Effects.Length);
        foreach (var effect in decision.Effects)
        {
            if (IntentGuard.Check(effect, cause) is { } why)
            {
                admitted.Add(new HeldEffect(effect.IdempotencyKey, EffectTraits.Describe(effect), why, Destructive: true));
                HeldKeys.Add(effect.IdempotencyKey);
                continue;
            }

            if (EffectTraits.IsDestructive(effect) && EffectTraits.Replica(effect) is { } replica)
            {
                journal = journal.Add(replica);
                if (EffectTraits.NotifiesCancellation(effect))
                {
                    journal = journal.Add(MeetingEntry(change.MeetingKey));
                }
            }

            admitted.Add(effect);
        }

        world.OwnRemovals = journal;
        return ValueTask.FromResult(admitted.MoveToImmutable());
    }

    public ValueTask EffectAppliedAsync(SyncDecision decision, Effect effect, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DecisionSupersededAsync(SyncDecision decision, CrmConflictException conflict, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DecisionCompletedAsync(SyncDecision decision, MailboxSyncState progress, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
