using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.World;

/// <summary>Mailbox and CRM mechanics of the simulated world, per provider and dialect.</summary>
public class SimWorldTests
{
    private static SimWorld World(ApiVersion api = ApiVersion.V2, MeetingOrigin origin = MeetingOrigin.Mailbox, Provider b = Provider.Exchange) =>
        SimWorld.Create(new Scenario([Provider.Exchange, b, Provider.Google], 1, api, false, origin), RuleSets.Default, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);

    private static SimWorld Created(ApiVersion api = ApiVersion.V2, MeetingOrigin origin = MeetingOrigin.Mailbox, Provider b = Provider.Exchange)
    {
        var w = World(api, origin, b);
        Assert.True(w.Apply(new ScheduleStep(StepKind.Create, 0)));
        return w;
    }

    [Fact]
    public void Create_InOrganizersMailbox_EachEmployeeAttendeeGetsOwnCopyWithSameUid()
    {
        var w = Created();
        var org = w.LiveEvent(0)!;
        var b = w.LiveEvent(1)!;
        var c = w.LiveEvent(2)!;
        Assert.True(org.IsOrganizer);
        Assert.False(b.IsOrganizer);
        Assert.Equal(org.Uid, b.Uid);
        Assert.Equal(org.Uid, c.Uid);
        Assert.Equal(3, new[] { org.Id, b.Id, c.Id }.Distinct().Count());
        Assert.Equal(3, w.Messages.Count(m => m.Kind == MessageKind.Invitation));
    }

    [Fact]
    public void OrganizerCancels_CopiesCancelledAndOneCancellationPerAttendee()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.OrganizerCancels, 0));
        Assert.True(w.LiveEvent(1)!.Cancelled);
        Assert.True(w.LiveEvent(2)!.Cancelled);
        var to = w.Messages.Where(m => m.Kind == MessageKind.Cancellation).Select(m => m.To).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["B", "C", "x1@customer.example"], to);
    }

    [Fact]
    public void AttendeeDeletesCopy_RemovesOnlyThatCopy()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.AttendeeDeletesCopy, 1));
        Assert.Null(w.LiveEvent(1));
        Assert.NotNull(w.LiveEvent(0));
        Assert.NotNull(w.LiveEvent(2));
        Assert.DoesNotContain(w.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Theory]
    [InlineData(Provider.Exchange, true)]
    [InlineData(Provider.Google, false)]
    public void AttendeeDeclines_OrganizerSeesIt_ExchangeRemovesTheCopy(Provider provider, bool copyRemoved)
    {
        var w = Created(b: provider);
        w.Apply(new ScheduleStep(StepKind.AttendeeDeclines, 1));
        Assert.Equal(AttendeeResponse.Declined, w.LiveEvent(0)!.Attendees.Single(a => a.Address == "B").Response);
        Assert.Equal(copyRemoved, w.LiveEvent(1) is null);
    }

    /// <summary>The simulated ports complete synchronously: the world is one atomic step at a time.</summary>
    private static T Done<T>(ValueTask<T> operation)
    {
        Assert.True(operation.IsCompletedSuccessfully, "a simulated port completes synchronously");
        return operation.Result;
    }

    private static void Done(ValueTask operation) => Assert.True(operation.IsCompletedSuccessfully, "a simulated port completes synchronously");

    [Theory]
    [InlineData(Provider.Exchange, 3)]
    [InlineData(Provider.Google, 0)]
    public void SyncDeletesOrganizersEvent_ExchangeNotifiesGoogleDoesNot(Provider provider, int cancellations)
    {
        var w = SimWorld.Create(new Scenario([provider, Provider.Exchange, Provider.Exchange], 1, ApiVersion.V2, false, MeetingOrigin.Mailbox), RuleSets.Default, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        Done(new SimMailboxPort(w, 0).DeleteEventAsync(w.LiveEvent(0)!.Id));
        Assert.Equal(cancellations, w.Messages.Count(m => m.Kind == MessageKind.Cancellation));
    }

    [Theory]
    [InlineData(ApiVersion.V1, false)]
    [InlineData(ApiVersion.V2, true)]
    public void CrmRecord_UidVisibleOnlyOnV2(ApiVersion api, bool visible)
    {
        var w = Created(api, MeetingOrigin.Crm);
        var page = Done(new SimCrmPort(w, 1).ReadChangesAsync(default));
        var record = Assert.Single(page.Records);
        Assert.Equal(visible, record.Uid is not null);
        Assert.Equal("A", record.Owner);
    }

    [Fact]
    public void CrmDeletion_InvisibleToPollsVisibleToIdReconciliation()
    {
        var w = Created(origin: MeetingOrigin.Crm);
        var port = new SimCrmPort(w, 0);
        var before = Done(port.ReadChangesAsync(default));
        w.Apply(new ScheduleStep(StepKind.CrmDeletes, 0));
        Assert.Empty(Done(port.ReadChangesAsync(before.Next)).Records);
        Assert.Empty(Done(port.ListIdsAsync()));
    }

    [Fact]
    public void CrmPoll_OnlyRecordsTheEmployeeIsPartyOfOrOwns()
    {
        var w = SimWorld.Create(new Scenario([Provider.Exchange], 0, ApiVersion.V2, false, MeetingOrigin.Crm), RuleSets.Default, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        Assert.Single(Done(new SimCrmPort(w, 0).ListIdsAsync()));
        var other = SimWorld.Create(new Scenario([Provider.Exchange, Provider.Exchange], 0, ApiVersion.V2, false, MeetingOrigin.Crm), RuleSets.Default, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        other.Apply(new ScheduleStep(StepKind.Create, 0));
        Assert.Single(Done(new SimCrmPort(other, 1).ListIdsAsync()));
    }

    [Fact]
    public void Sync_AutoSharedRecordIsOwnedByTheSharingEmployee()
    {
        // The regression rule set shares attendees' copies too (the default shares only the organizer's).
        var w = SimWorld.Create(new Scenario([Provider.Exchange, Provider.Exchange], 0, ApiVersion.V2, true, MeetingOrigin.Mailbox), RuleSets.Regression, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        w.Apply(new ScheduleStep(StepKind.Sync, 1));
        var record = w.LiveRecord()!;
        Assert.Equal("B", record.Owner);
        Assert.Equal("A", record.Organizer);
        Assert.Equal(w.LiveEvent(1)!.Id, record.GroupwareItemId);
    }

    [Fact]
    public void StateHash_SameWorldSameHash_DifferentWorldDifferentHash()
    {
        var a = Created();
        var b = Created();
        Assert.Equal(StateHasher.Of(a), StateHasher.Of(b));
        b.Apply(new ScheduleStep(StepKind.Sync, 0));
        Assert.NotEqual(StateHasher.Of(a), StateHasher.Of(b));
        var c = a.Clone();
        Assert.Equal(StateHasher.Of(a), StateHasher.Of(c));
    }

    [Fact]
    public void StateHash_MirroredAttendees_SameSymmetricHash()
    {
        var w = SimWorld.Create(new Scenario([Provider.Exchange, Provider.Google, Provider.Google], 0, ApiVersion.V2, true, MeetingOrigin.Mailbox), RuleSets.Default, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        var b = w.Clone();
        b.Apply(new ScheduleStep(StepKind.AttendeeDeletesCopy, 1));
        var c = w.Clone();
        c.Apply(new ScheduleStep(StepKind.AttendeeDeletesCopy, 2));
        Assert.NotEqual(StateHasher.Of(b), StateHasher.Of(c));
        Assert.Equal(StateHasher.Of(b, symmetric: true, out _), StateHasher.Of(c, symmetric: true, out _));
    }
}
