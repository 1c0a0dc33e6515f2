using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>One sync of one mailbox through fake ports: change detection, correlation, facts, echo suppression.</summary>
public partial class SyncCycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static FuncPolicy ShareNew() => new(f =>
        f is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Created, Link: LinkState.Unlinked }
            ? (DecisionAction.Share, DecisionTarget.Crm)
            : (DecisionAction.Ignore, DecisionTarget.Opposite));

    private static SyncOutcome Run(MailboxSyncState state, FakeMailbox mb, FakeCrm crm, IDecisionPolicy policy, bool autoShare = true) =>
        Completed(SyncCycle.RunAsync(state, mb, crm, policy, SyncSettings.For(state.EmployeeId, autoShare), Now));

    /// <summary>The fakes complete synchronously, so the sync does: as in the simulator.</summary>
    internal static SyncOutcome Completed(ValueTask<SyncOutcome> run)
    {
        Assert.True(run.IsCompleted, "a sync over synchronous ports completes synchronously");
        return run.GetAwaiter().GetResult();
    }

    [Fact]
    public void Run_NewOrganizerEvent_SharedOnceThenOwnWritesAreEchoes()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        var first = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew());
        var d = Assert.Single(first.Decisions);
        Assert.Equal(ChangeKind.Created, d.Facts.Kind);
        Assert.Equal(Role.Organizer, d.Facts.Role);
        Assert.True(d.Facts.EmployeeAttendees);
        Assert.True(d.Facts.ExternalAttendees);
        Assert.IsType<CreateCrmRecord>(d.Effects[0]);
        Assert.Equal(1, first.StoreWrites);
        Assert.Equal("R1", first.State.Events[ev.EventId].LinkedRecord);

        var second = Run(first.State, mb, crm, ShareNew());
        Assert.Empty(second.Decisions);
        Assert.Equal(0, second.StoreWrites);
    }

    [Fact]
    public void Run_AttendeeCopyOnV2_CorrelatesByUidWithForeignRecord()
    {
        var mb = new FakeMailbox("B");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: false);
        crm.Seed("m1", "A-ev1");
        var policy = ShareNew();
        var outcome = Run(MailboxSyncState.Initial("B"), mb, crm, policy);
        var d = Assert.Single(outcome.Decisions); // the record's own change waits: one decision per meeting side
        Assert.Equal((ChangeSource.Mailbox, Role.Attendee, LinkState.Other, false), (d.Facts.Source, d.Facts.Role, d.Facts.Link, d.Facts.OwnsRecord));
        var next = Run(outcome.State, mb, crm, policy);
        var crmChange = Assert.Single(next.Decisions);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Created, LinkState.Other), (crmChange.Facts.Source, crmChange.Facts.Kind, crmChange.Facts.Link));
    }

    [Fact]
    public void Run_RecordLinkedToForeignReplicaOnV1_IsMissingFromThisCalendar()
    {
        var mb = new FakeMailbox("B");
        var crm = new FakeCrm(ApiVersion.V1);
        mb.Invite("crm-R1", organizer: false);
        crm.Seed("m1", "A-ev1");
        var policy = ShareNew();
        var outcome = Run(MailboxSyncState.Initial("B"), mb, crm, policy, autoShare: false);
        Assert.Equal(2, outcome.Decisions.Length); // v1 hides the UID: the copy and the record are two meetings to this sync
        Assert.Contains(outcome.Decisions, d => d.Facts is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Created, Link: LinkState.Unlinked });
        Assert.Contains(outcome.Decisions, d => d.Facts is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Missing, Link: LinkState.Other, Role: Role.Attendee });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_IdsListedSortedOrNot_SameRecordsSeenGone(bool unsorted)
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2) { ListIdsUnsorted = unsorted };
        mb.Invite("m1", organizer: true);
        mb.Invite("m2", organizer: true);
        mb.Invite("m3", organizer: true);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        Assert.Equal(3, state.Records.Count);
        crm.Remove("R2");

        var outcome = Run(state, mb, crm, new FuncPolicy(f => (DecisionAction.Unlink, DecisionTarget.Opposite)));

        var d = Assert.Single(outcome.Decisions);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Deleted), (d.Facts.Source, d.Facts.Kind));
        Assert.Equal(["R1", "R3"], outcome.State.Records.Keys);
    }

    [Fact]
    public void Run_LinkedRecordGoneFromIds_ObservedAsCrmDeletion()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        crm.Remove("R1");
        var policy = new FuncPolicy(f => (DecisionAction.Unlink, DecisionTarget.Opposite));
        var outcome = Run(state, mb, crm, policy);
        var d = Assert.Single(outcome.Decisions);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Deleted, LinkState.This, true), (d.Facts.Source, d.Facts.Kind, d.Facts.Link, d.Facts.OwnsRecord));
        Assert.Empty(outcome.State.Records);
        Assert.All(outcome.State.Events.Values, e => Assert.Null(e.LinkedRecord));
        Assert.Empty(Run(outcome.State, mb, crm, policy).Decisions);
    }

    [Fact]
    public void Run_CrmRecordCompletedThenReopened_ObservedAsCompletedThenUpdated()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        var ignore = new FuncPolicy(f => (DecisionAction.Ignore, DecisionTarget.Opposite));

        crm.Put(crm.Live["R1"] with { Status = CrmStatus.Completed, ETag = "W/2" });
        var completed = Run(state, mb, crm, ignore);
        var facts = Assert.Single(completed.Decisions).Facts;
        Assert.Equal((ChangeSource.Crm, ChangeKind.Completed, LinkState.This), (facts.Source, facts.Kind, facts.Link));
        Assert.Empty(Run(completed.State, mb, crm, ignore).Decisions);

        crm.Put(crm.Live["R1"] with { Status = CrmStatus.Open, ETag = "W/3" });
        var reopened = Run(completed.State, mb, crm, ignore);
        Assert.Equal(ChangeKind.Updated, Assert.Single(reopened.Decisions).Facts.Kind);
    }

    [Fact]
    public void Run_RecordFirstSeenCompleted_ObservedAsCompletedNotCreated()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var seeded = crm.Seed("m1", null);
        crm.Put(seeded with { Status = CrmStatus.Completed, ETag = "W/2" });

        var outcome = Run(MailboxSyncState.Initial("A"), mb, crm, new FuncPolicy(f => (DecisionAction.Ignore, DecisionTarget.Opposite)));

        var d = Assert.Single(outcome.Decisions);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Completed, LinkState.Unlinked), (d.Facts.Source, d.Facts.Kind, d.Facts.Link));
    }

    [Fact]
    public void Run_OrganizerCancels_ObservedOnceAsCancelled()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        mb.Put(ev with { Cancelled = true, ChangeKey = "2" });
        var policy = new FuncPolicy(f => f.Kind == ChangeKind.Cancelled ? (DecisionAction.Cancel, DecisionTarget.Crm) : (DecisionAction.Ignore, DecisionTarget.Opposite));
        var outcome = Run(state, mb, crm, policy);
        var d = Assert.Single(outcome.Decisions);
        Assert.Equal(ChangeKind.Cancelled, d.Facts.Kind);
        Assert.Equal(CrmStatus.Cancelled, crm.Live["R1"].Status);
        Assert.Empty(Run(outcome.State, mb, crm, policy).Decisions);
    }

    [Fact]
    public void Run_PastMeeting_FactsSayPast()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var policy = ShareNew();
        Completed(SyncCycle.RunAsync(MailboxSyncState.Initial("A"), mb, crm, policy, SyncSettings.For("A", true), FakeMailbox.T0.AddDays(2)));
        Assert.Equal(Timing.Past, Assert.Single(policy.Seen).Timing);
    }

    [Fact]
    public void Run_SettingsForAnotherEmployee_Throws()
    {
        Assert.Throws<ArgumentException>(() => Completed(SyncCycle.RunAsync(MailboxSyncState.Initial("A"), new FakeMailbox("A"), new FakeCrm(ApiVersion.V2), ShareNew(), SyncSettings.For("B", true), Now)));
    }

    [Fact]
    public void State_SerializesAndDeserializesAsJson()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, ShareNew()).State;
        var json = SyncStateJson.Serialize(state);
        Assert.Contains("\"uid\":\"m1\"", json, StringComparison.Ordinal);
        var back = SyncStateJson.Deserialize(json);
        Assert.Equal(state.Cursor, back.Cursor);
        Assert.Equal(state.Watermark, back.Watermark);
        Assert.Equal(state.Events.Keys, back.Events.Keys);
        Assert.Equal(state.Events["A-ev1"].LinkedRecord, back.Events["A-ev1"].LinkedRecord);
        Assert.Equal(state.Records["R1"].Latest, back.Records["R1"].Latest);
        Assert.Empty(Run(back, mb, crm, ShareNew()).Decisions);
    }
}
