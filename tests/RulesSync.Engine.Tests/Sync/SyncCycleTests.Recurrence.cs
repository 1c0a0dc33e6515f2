using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>The <c>recurrence</c> and <c>scope</c> facts: what a replica is, and how far its change reaches.</summary>
public partial class SyncCycleTests
{
    private static readonly OccurrenceId First = new(new MeetingUid("s1"), FakeMailbox.T0, IsDate: false);

    private static FuncPolicy ShareNewIgnoreRest() => ShareNew();

    /// <summary>The organizer's occurrence <paramref name="occurrence"/> of series s1, keyed as the connectors key it.</summary>
    private static MailboxItem InviteOccurrence(FakeMailbox mb, OccurrenceId occurrence, bool organizer = true)
    {
        var item = mb.Invite(occurrence.ToString(), organizer) with { Occurrence = occurrence };
        mb.Put(item);
        return item;
    }

    [Fact]
    public void Run_NewSeriesOccurrence_IsOccurrenceWithSeriesScope()
    {
        var mb = new FakeMailbox("A");
        var policy = ShareNewIgnoreRest();
        InviteOccurrence(mb, First);
        Run(MailboxSyncState.Initial("A"), mb, new FakeCrm(ApiVersion.V2), policy);
        var facts = Assert.Single(policy.Seen);
        Assert.Equal((RecurrenceKind.Occurrence, ChangeScope.Series), (facts.Recurrence, facts.Scope));
    }

    [Fact]
    public void Run_SingleMeeting_IsNoneWithScopeOne()
    {
        var mb = new FakeMailbox("A");
        var policy = ShareNewIgnoreRest();
        mb.Invite("m1", organizer: true);
        Run(MailboxSyncState.Initial("A"), mb, new FakeCrm(ApiVersion.V2), policy);
        var facts = Assert.Single(policy.Seen);
        Assert.Equal((RecurrenceKind.None, ChangeScope.One), (facts.Recurrence, facts.Scope));
    }

    [Fact]
    public void Run_OccurrenceMovedOnItsOwn_IsExceptionWithScopeOne()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = InviteOccurrence(mb, First);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        mb.Put(ev with { Start = ev.Start.AddHours(2), End = ev.End.AddHours(2), IsException = true, ChangeKey = "2" });
        var policy = ShareNewIgnoreRest();
        Run(state, mb, crm, policy);
        var facts = Assert.Single(policy.Seen);
        Assert.Equal((ChangeKind.Updated, RecurrenceKind.Exception, ChangeScope.One), (facts.Kind, facts.Recurrence, facts.Scope));
    }

    [Theory]
    [InlineData(null, ChangeScope.One)]
    [InlineData(ChangeScope.One, ChangeScope.One)]
    [InlineData(ChangeScope.Following, ChangeScope.Following)]
    [InlineData(ChangeScope.Series, ChangeScope.Series)]
    public void Run_OccurrenceRemovalNotice_ScopeIsTheConnectorsWordElseOne(ChangeScope? said, ChangeScope expected)
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = InviteOccurrence(mb, First);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;

        // A removal notice carries the id only (and the scope the connector found), never the content.
        mb.Put(new MailboxItem(ev.EventId, string.Empty, new MeetingUid(ev.EventId), false, string.Empty, [], false, string.Empty, default, default, MeetingType.Appointment, AttendeeResponse.None, Removed: true, Scope: said));
        var policy = new FuncPolicy(f => (DecisionAction.Ignore, DecisionTarget.Opposite));
        var outcome = Run(state, mb, crm, policy);
        var d = Assert.Single(outcome.Decisions);
        Assert.Equal((ChangeKind.Deleted, RecurrenceKind.Occurrence, expected), (d.Facts.Kind, d.Facts.Recurrence, d.Facts.Scope));
        Assert.Equal(First.ToString(), d.Change.MeetingKey);
    }

    [Fact]
    public void Run_CrmChangeOfOccurrenceRecord_ReachesThatOccurrenceAlone()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        InviteOccurrence(mb, First);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        crm.Touch("R1", r => r with { Status = CrmStatus.Cancelled });
        var policy = new FuncPolicy(f => (DecisionAction.Ignore, DecisionTarget.Opposite));
        var outcome = Run(state, mb, crm, policy);
        var d = Assert.Single(outcome.Decisions);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Cancelled, RecurrenceKind.Occurrence, ChangeScope.One), (d.Facts.Source, d.Facts.Kind, d.Facts.Recurrence, d.Facts.Scope));
    }

    [Fact]
    public void Run_UncorrelatedRecordWithOccurrenceKey_IsOccurrence()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        crm.Seed(First.ToString(), groupwareItemId: null);
        var policy = new FuncPolicy(f => (DecisionAction.Ignore, DecisionTarget.Opposite));
        var d = Assert.Single(Run(MailboxSyncState.Initial("A"), mb, crm, policy).Decisions);
        Assert.Equal((ChangeSource.Crm, RecurrenceKind.Occurrence, ChangeScope.One), (d.Facts.Source, d.Facts.Recurrence, d.Facts.Scope));
    }
}
