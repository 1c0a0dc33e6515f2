using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>Series through the Graph connector: every occurrence is an item keyed by series UID + original start.</summary>
public sealed partial class GraphMailboxConnectorTests
{
    [Fact]
    public async Task ReadChanges_Series_EachOccurrenceKeyedBySeriesUidAndOriginalStart_InEveryMailbox()
    {
        await using var t = await StartAsync();
        var series = t.Organization.ScheduleSeries(Alice, Draft("Weekly", 2, Bob), "FREQ=WEEKLY;COUNT=3", "Europe/Berlin");
        using var graph = GraphTestSetup.Connect(t);

        var alice = await graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start);
        var bob = await graph.ForMailbox(Bob).ReadChangesAsync(MailboxCursor.Start);

        var originals = new[] { Epoch.AddDays(2).AddHours(1), Epoch.AddDays(9).AddHours(1), Epoch.AddDays(16).AddHours(1) };
        Assert.Equal(originals.Select(o => new OccurrenceId(new(series.ICalUid), o, false)), alice.Items.Select(i => i.Occurrence!.Value));
        Assert.All(alice.Items, i => Assert.Equal((i.Occurrence!.Value.ToString(), false, true), (i.Uid.Value, i.IsException, i.IsOrganizer)));
        Assert.Equal(alice.Items.Select(i => i.Uid), bob.Items.Select(i => i.Uid));
        Assert.All(bob.Items, i => Assert.False(i.IsOrganizer));
        Assert.Equal(1, t.Host.Counters.For("graph.events.get", Alice));
    }

    [Fact]
    public async Task ReadChanges_OneOccurrenceMovedThenCancelled_OnlyThatOccurrenceChanges()
    {
        await using var t = await StartAsync();
        var series = t.Organization.ScheduleSeries(Alice, Draft("Weekly", 2, Bob), "FREQ=WEEKLY;COUNT=3");
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);
        var bob = graph.ForMailbox(Bob);
        var aliceFirst = await alice.ReadChangesAsync(MailboxCursor.Start);
        var bobFirst = await bob.ReadChangesAsync(MailboxCursor.Start);
        var second = aliceFirst.Items[1];

        t.Organization.MoveOccurrence(Alice, series.ICalUid, second.Occurrence!.Value.OriginalStart, Epoch.AddDays(10).AddHours(3), Epoch.AddDays(10).AddHours(4));
        var aliceMoved = await alice.ReadChangesAsync(aliceFirst.Next);
        var moved = Assert.Single(aliceMoved.Items);
        var bobMoved = await bob.ReadChangesAsync(bobFirst.Next);
        t.Organization.CancelOccurrence(Alice, series.ICalUid, second.Occurrence.Value.OriginalStart);
        var aliceCancelled = await alice.ReadChangesAsync(aliceMoved.Next);
        var bobCancelled = Assert.Single((await bob.ReadChangesAsync(bobMoved.Next)).Items);

        Assert.Equal((second.Uid, true, Epoch.AddDays(10).AddHours(3)), (moved.Uid, moved.IsException, moved.Start));
        Assert.Equal((second.Uid, true), (Assert.Single(bobMoved.Items).Uid, bobMoved.Items[0].IsException));
        Assert.Equal((second.EventId, true), (Assert.Single(aliceCancelled.Items).EventId, aliceCancelled.Items[0].Removed));
        Assert.Equal((second.Uid, true, false), (bobCancelled.Uid, bobCancelled.Cancelled, bobCancelled.Removed));
    }
}
