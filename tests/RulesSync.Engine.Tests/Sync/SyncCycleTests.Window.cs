using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>Meetings entering the sync window: a replica never decided on inside it is new to the rules when it enters.</summary>
public partial class SyncCycleTests
{
    /// <summary>Shares a new unlinked meeting inside the window; ignores everything else (beyond the window too).</summary>
    private static FuncPolicy ShareNewInWindow() => new(f =>
        f is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Created, Link: LinkState.Unlinked, InSyncWindow: true }
            ? (DecisionAction.Share, DecisionTarget.Crm)
            : (DecisionAction.Ignore, DecisionTarget.Opposite));

    private static SyncOutcome RunAt(DateTimeOffset now, MailboxSyncState state, FakeMailbox mb, FakeCrm crm, IDecisionPolicy policy) =>
        Completed(SyncCycle.RunAsync(state, mb, crm, policy, SyncSettings.For(state.EmployeeId, true), now));

    [Fact]
    public void Run_MeetingFirstSeenBeyondTheWindow_IsObservedAsCreatedWhenTheClockCarriesItIn()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        mb.Put(ev with { ChangeKey = "2", Start = ev.Start.AddDays(400), End = ev.End.AddDays(400) });
        var policy = ShareNewInWindow();

        var first = RunAt(Now, MailboxSyncState.Initial("A"), mb, crm, policy);
        var seen = Assert.Single(first.Decisions);
        Assert.Equal((ChangeKind.Created, false), (seen.Facts.Kind, seen.Facts.InSyncWindow));
        Assert.Empty(seen.Effects);
        Assert.True(first.State.Events[ev.EventId].OutOfWindow);
        Assert.Equal(first.State.Events[ev.EventId], SyncStateJson.Deserialize(SyncStateJson.Serialize(first.State)).Events[ev.EventId]);

        Assert.Empty(RunAt(Now, first.State, mb, crm, policy).Decisions); // still beyond: nothing to decide

        // Nothing changed in the mailbox: the clock alone brought the meeting inside the window.
        var later = Now.AddDays(60);
        var entered = RunAt(later, first.State, mb, crm, policy);
        var d = Assert.Single(entered.Decisions);
        Assert.Equal((ChangeKind.Created, true, LinkState.Unlinked), (d.Facts.Kind, d.Facts.InSyncWindow, d.Facts.Link));
        Assert.IsType<CreateCrmRecord>(d.Effects[0]);
        Assert.False(entered.State.Events[ev.EventId].OutOfWindow);
        Assert.Equal("R1", entered.State.Events[ev.EventId].LinkedRecord);
        Assert.Empty(RunAt(later, entered.State, mb, crm, policy).Decisions);
    }

    [Fact]
    public void Run_MeetingDecidedInsideTheWindow_IsAnUpdateWhenItComesBackIntoIt()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        var ignore = new FuncPolicy(_ => (DecisionAction.Ignore, DecisionTarget.Opposite));
        var inside = RunAt(Now, MailboxSyncState.Initial("A"), mb, crm, ignore);
        Assert.False(inside.State.Events[ev.EventId].OutOfWindow);

        mb.Put(ev with { ChangeKey = "2", Start = ev.Start.AddDays(400), End = ev.End.AddDays(400) });
        var beyond = RunAt(Now, inside.State, mb, crm, ignore);
        Assert.Equal((ChangeKind.Updated, false), (beyond.Decisions[0].Facts.Kind, beyond.Decisions[0].Facts.InSyncWindow));
        Assert.False(beyond.State.Events[ev.EventId].OutOfWindow);

        mb.Put(ev with { ChangeKey = "3" });
        var back = RunAt(Now, beyond.State, mb, crm, ShareNewInWindow());
        var d = Assert.Single(back.Decisions);
        Assert.Equal((ChangeKind.Updated, true), (d.Facts.Kind, d.Facts.InSyncWindow));
        Assert.Empty(d.Effects);
    }

    [Fact]
    public void Run_RecordFirstSeenBeyondTheWindow_IsObservedAsCreatedWhenTheClockCarriesItIn()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var seed = crm.Seed("m1", null);
        crm.Put(seed with { ETag = "W/2", Start = seed.Start.AddDays(400), End = seed.End.AddDays(400) });
        var policy = new FuncPolicy(_ => (DecisionAction.Ignore, DecisionTarget.Opposite));

        var first = RunAt(Now, MailboxSyncState.Initial("A"), mb, crm, policy);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Created, false), (first.Decisions[0].Facts.Source, first.Decisions[0].Facts.Kind, first.Decisions[0].Facts.InSyncWindow));
        Assert.True(first.State.Records[seed.ObjectId].OutOfWindow);
        Assert.Empty(RunAt(Now, first.State, mb, crm, policy).Decisions);

        var entered = RunAt(Now.AddDays(60), first.State, mb, crm, policy);
        var d = Assert.Single(entered.Decisions);
        Assert.Equal((ChangeSource.Crm, ChangeKind.Created, true), (d.Facts.Source, d.Facts.Kind, d.Facts.InSyncWindow));
        Assert.False(entered.State.Records[seed.ObjectId].OutOfWindow);
        Assert.Empty(RunAt(Now.AddDays(60), entered.State, mb, crm, policy).Decisions);
    }
}
