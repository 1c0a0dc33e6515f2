using RulesSync.Engine.Changes;
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

    [Fact]
    public async Task ReadChanges_OccurrenceCancelledSeriesEndedSeriesCancelled_EachRemovalCarriesItsScope()
    {
        await using var t = await StartAsync();
        var series = t.Organization.ScheduleSeries(Alice, Draft("Weekly", 2, Bob), "FREQ=WEEKLY;COUNT=4");
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);
        var bob = graph.ForMailbox(Bob);
        var first = await alice.ReadChangesAsync(MailboxCursor.Start);
        var bobFirst = await bob.ReadChangesAsync(MailboxCursor.Start);
        var originals = first.Items.Select(i => i.Occurrence!.Value.OriginalStart).ToArray();

        t.Organization.CancelOccurrence(Alice, series.ICalUid, originals[0]);
        var one = await alice.ReadChangesAsync(first.Next);
        var bobOne = await bob.ReadChangesAsync(bobFirst.Next);
        t.Organization.EndSeries(Alice, series.ICalUid, originals[3]);
        var following = await alice.ReadChangesAsync(one.Next);
        t.Organization.CancelMeeting(Alice, series.ICalUid);
        var whole = await alice.ReadChangesAsync(following.Next);
        var bobWhole = await bob.ReadChangesAsync(bobOne.Next);

        Assert.Equal((first.Items[0].EventId, true, ChangeScope.One), (Assert.Single(one.Items).EventId, one.Items[0].Removed, one.Items[0].Scope));
        Assert.Equal((true, ChangeScope.One), (Assert.Single(bobOne.Items).Cancelled, bobOne.Items[0].Scope));
        Assert.Equal((first.Items[3].EventId, true, ChangeScope.Following), (Assert.Single(following.Items).EventId, following.Items[0].Removed, following.Items[0].Scope));
        Assert.Equal(first.Items.Skip(1).Take(2).Select(i => i.EventId).Order(StringComparer.Ordinal), whole.Items.Select(i => i.EventId).Order(StringComparer.Ordinal));
        Assert.All(whole.Items, i => Assert.Equal((true, ChangeScope.Series), (i.Removed, i.Scope)));

        // Bob reads once after both: by then the whole series is gone, so every copy that went reads series-scoped (the
        // scope is what the master shows when the sync reads, never a guess).
        var bobIds = bobFirst.Items.Skip(1).Select(i => i.EventId).Order(StringComparer.Ordinal);
        Assert.Equal(bobIds, bobWhole.Items.Select(i => i.EventId).Order(StringComparer.Ordinal));
        Assert.All(bobWhole.Items, i => Assert.Equal((true, ChangeScope.Series), (i.Cancelled || i.Removed, i.Scope)));
    }

    [Theory]
    [InlineData(null, false, "2026-03-09", "Series")]
    [InlineData(true, false, "2026-03-09", "Series")]
    [InlineData(false, true, "2026-03-09", "Following")]
    [InlineData(false, true, "2026-03-08", "Following")]
    [InlineData(false, true, "2026-03-10", "One")]
    [InlineData(false, false, "2026-03-10", "One")]
    public void ScopeOf_Master_SeriesFollowingOrOne(bool? masterCancelled, bool endDate, string end, string expected)
    {
        var master = masterCancelled is null ? null : new Microsoft.Graph.Models.Event
        {
            IsCancelled = masterCancelled,
            Recurrence = new Microsoft.Graph.Models.PatternedRecurrence
            {
                Range = new Microsoft.Graph.Models.RecurrenceRange
                {
                    Type = endDate ? Microsoft.Graph.Models.RecurrenceRangeType.EndDate : Microsoft.Graph.Models.RecurrenceRangeType.NoEnd,
                    EndDate = new Microsoft.Kiota.Abstractions.Date(DateTime.Parse(end, System.Globalization.CultureInfo.InvariantCulture)),
                },
            },
        };

        Assert.Equal(Enum.Parse<ChangeScope>(expected), GraphMailboxConnector.ScopeOf(master, new DateTimeOffset(2026, 3, 9, 9, 0, 0, TimeSpan.Zero)));
    }
}
