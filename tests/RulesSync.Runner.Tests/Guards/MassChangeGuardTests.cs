using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Guards;

namespace RulesSync.Runner.Tests.Guards;

public sealed class MassChangeGuardTests
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob@contoso.example";

    [Fact]
    public void Check_BeyondMailboxCount_HoldsThatAndEveryLaterDestructiveEffect()
    {
        var guard = new MassChangeGuard(new GuardOptions { MaxDestructivePerMailbox = 2, MaxDestructivePerTenant = 100 }, tenantMeetings: 0);
        guard.Begin(Alice, meetings: 5);

        var verdicts = Enumerable.Range(0, 4).Select(i => guard.Check(Alice, new CancelEvent($"k{i}", $"e{i}"))).ToArray();

        Assert.Null(verdicts[0]);
        Assert.Null(verdicts[1]);
        Assert.Contains("would delete or cancel 3 meetings of alice@contoso.example (limit 2 per mailbox)", verdicts[2], StringComparison.Ordinal);
        Assert.NotNull(verdicts[3]);
    }

    [Fact]
    public void Begin_PlanBeyondMailboxCount_HoldsEveryDestructiveEffectFromTheFirst()
    {
        var guard = new MassChangeGuard(new GuardOptions { MaxDestructivePerMailbox = 2, MaxDestructivePerTenant = 100 }, tenantMeetings: 0);
        guard.Begin(Alice, meetings: 5, plannedDestructive: 4);

        var verdicts = Enumerable.Range(0, 4).Select(i => guard.Check(Alice, new CancelEvent($"k{i}", $"e{i}"))).ToArray();

        Assert.All(verdicts, v => Assert.Contains("would delete or cancel 4 meetings of alice@contoso.example (limit 2 per mailbox)", v, StringComparison.Ordinal));
        Assert.Null(guard.Check(Alice, new UpdateEvent("u", "e9", null!)));
    }

    [Fact]
    public void Begin_PlanWithinTheLimits_LetsTheEffectsRun()
    {
        var guard = new MassChangeGuard(new GuardOptions { MaxDestructivePerMailbox = 2, MaxDestructivePerTenant = 100 }, tenantMeetings: 0);
        guard.Begin(Alice, meetings: 5, plannedDestructive: 2);

        Assert.Null(guard.Check(Alice, new CancelEvent("k1", "e1")));
        Assert.Null(guard.Check(Alice, new DeleteCrmRecord("k2", "R1")));
    }

    [Fact]
    public void Begin_PlansAddUpAcrossMailboxes_TheMailboxThatCrossesTheTenantBudgetIsHeld()
    {
        var guard = new MassChangeGuard(new GuardOptions { MaxDestructivePerMailbox = 10, MaxDestructivePerTenant = 3 }, tenantMeetings: 0);
        guard.Begin(Alice, meetings: 5, plannedDestructive: 2);
        guard.Begin(Bob, meetings: 5, plannedDestructive: 2);

        Assert.Null(guard.Check(Alice, new CancelEvent("k1", "e1")));
        Assert.Contains("across the tenant", guard.Check(Bob, new CancelEvent("k2", "e2")), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NonDestructiveEffects_AreNeitherHeldNorCounted()
    {
        var guard = new MassChangeGuard(new GuardOptions { MaxDestructivePerMailbox = 1 }, tenantMeetings: 0);
        guard.Begin(Alice, meetings: 5);

        Assert.Null(guard.Check(Alice, new LinkReplica("l", "e", "o")));
        Assert.Null(guard.Check(Alice, new UpdateEvent("u", "e", Content(cancelled: false))));
        Assert.Null(guard.Check(Alice, new DeleteCrmRecord("d", "o")));
        Assert.NotNull(guard.Check(Alice, new UpdateCrmRecord("c", "o", Content(cancelled: true), null)));
    }

    [Fact]
    public void Check_ShareOfMailboxMeetings_AppliesFromTheMinimumOn()
    {
        var options = new GuardOptions { MaxDestructivePerMailbox = 100, MaxDestructiveSharePerMailbox = 0.1, ShareMinimumMeetings = 20 };
        var guard = new MassChangeGuard(options, tenantMeetings: 0);
        guard.Begin(Alice, meetings: 20);
        guard.Begin(Bob, meetings: 3);

        Assert.Null(guard.Check(Alice, new DeleteEvent("a1", "e1")));
        Assert.Null(guard.Check(Alice, new DeleteEvent("a2", "e2")));
        Assert.Contains("3 of alice@contoso.example's 20 meetings (limit 10%)", guard.Check(Alice, new DeleteEvent("a3", "e3")), StringComparison.Ordinal);
        Assert.Null(guard.Check(Bob, new DeleteEvent("b1", "e4")));
        Assert.Null(guard.Check(Bob, new DeleteEvent("b2", "e5")));
    }

    [Fact]
    public void Check_TenantCount_HoldsAcrossMailboxes()
    {
        var guard = new MassChangeGuard(new GuardOptions { MaxDestructivePerMailbox = 10, MaxDestructivePerTenant = 2 }, tenantMeetings: 0);
        guard.Begin(Alice, 1);
        guard.Begin(Bob, 1);

        Assert.Null(guard.Check(Alice, new CancelCrmRecord("a", "o1")));
        Assert.Null(guard.Check(Bob, new CancelCrmRecord("b", "o2")));
        Assert.Contains("across the tenant (limit 2)", guard.Check(Bob, new CancelCrmRecord("c", "o3")), StringComparison.Ordinal);
    }

    private static MeetingContent Content(bool cancelled) =>
        new(new MeetingUid("u"), "s", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), Alice, ImmutableArray<string>.Empty, cancelled, MeetingType.Appointment);
}
