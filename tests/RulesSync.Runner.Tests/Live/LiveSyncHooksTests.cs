using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Tests.Live;

public sealed class LiveSyncHooksTests
{
    [Fact]
    public void AssertCancellationsAreDecided_CancelEventFromAShare_IsRefused()
    {
        var decision = Decision(DecisionAction.Share, new CancelEvent("k", "e1"));

        var e = Assert.Throws<InvalidOperationException>(() => LiveSyncHooks.AssertCancellationsAreDecided(decision));

        Assert.Contains("refusing to notify attendees", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertCancellationsAreDecided_DecidedCancel_Passes() =>
        LiveSyncHooks.AssertCancellationsAreDecided(Decision(DecisionAction.Cancel, new CancelEvent("k", "e1")));

    [Fact]
    public void AssertCancellationsAreDecided_DeleteWithoutNotification_Passes() =>
        LiveSyncHooks.AssertCancellationsAreDecided(Decision(DecisionAction.Delete, new DeleteEvent("k", "e1")));

    private static SyncDecision Decision(DecisionAction action, Effect effect) => new(
        "alice@contoso.example",
        new ObservedChange("uid-1", ChangeSource.Crm, ChangeKind.Deleted, "o1", "v1"),
        ChangeFacts.Default,
        new Decision(action, DecisionTarget.Mailbox, "r", "hash", "why"),
        ImmutableArray.Create(effect));
}
