using System.Collections.Immutable;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Guards;

/// <summary>
/// What a mailbox's sync would delete or cancel, found before anything is carried out: the same sync, decided by
/// the same engine over the same page, with every effect withheld. The mass-change guard compares this count with
/// its limits, so a cycle that would delete or cancel too much is held as a whole — not after the first N effects
/// already went out. Effects the intent guard holds are not counted: they never go out, whatever the counts.
/// </summary>
internal static class DestructivePlan
{
    /// <summary>The number of destructive effects the sync would plan. Reads through the ports; writes nothing.</summary>
    public static async ValueTask<int> CountAsync(
        MailboxSyncState state, IMailboxPort mailbox, ICrmPort crm, IDecisionPolicy policy, SyncSettings settings, DateTimeOffset now, IStateStore store, CancellationToken cancellationToken)
    {
        var hooks = new CountingHooks(store);
        await SyncCycle.RunAsync(state, mailbox, crm, policy, settings, now, hooks, cancellationToken).ConfigureAwait(false);
        return hooks.Destructive;
    }

    /// <summary>Counts each decision's destructive effects and lets none of them run.</summary>
    private sealed class CountingHooks(IStateStore store) : ISyncHooks
    {
        public int Destructive { get; private set; }

        public ValueTask<IAsyncDisposable?> EnterMeetingAsync(string meetingKey, CancellationToken cancellationToken) => ValueTask.FromResult<IAsyncDisposable?>(null);

        public ValueTask<ImmutableArray<Effect>> AdmitAsync(SyncDecision decision, CancellationToken cancellationToken)
        {
            var cause = IntentCauses.Of(store, decision);
            foreach (var e in decision.Effects)
            {
                Destructive += EffectTraits.IsDestructive(e) && IntentGuard.Check(e, cause) is null ? 1 : 0;
            }

            return ValueTask.FromResult(ImmutableArray<Effect>.Empty);
        }

        public ValueTask EffectAppliedAsync(SyncDecision decision, Effect effect, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DecisionSupersededAsync(SyncDecision decision, CrmConflictException conflict, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DecisionCompletedAsync(SyncDecision decision, MailboxSyncState progress, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
