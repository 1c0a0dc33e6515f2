using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Guards;

/// <summary>
/// The runner's read for the intent guard: the cause of a decision's change (<see cref="IntentGuard.CauseOf"/>), with
/// the journal asked whether a write of ours explains it. The verdict itself is the engine's.
/// </summary>
internal static class IntentCauses
{
    public static ChangeCause Of(IStateStore store, SyncDecision decision)
    {
        var change = decision.Change;
        OwnWrite? ours = null;
        if (IntentGuard.CouldBeOwnEffect(change)
            && store.OwnRemoval(change.ReplicaId, change.Source == ChangeSource.Mailbox ? change.MeetingKey : null, $"{decision.EmployeeId}/{change.Id}/") is { } row)
        {
            ours = new OwnWrite(row.IdempotencyKey, row.Description);
        }

        var facts = decision.Facts;
        return IntentGuard.CauseOf(change, in facts, ours);
    }
}
