using RulesSync.Engine.Changes;
using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Tests.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>Series through the Google connector (singleEvents=true): instances keyed by series UID + original start.</summary>
public sealed partial class GoogleMailboxConnectorTests
{
    [Fact]
    public async Task ReadChanges_Series_InstancesKeyedLikeTheExchangeAttendeesOccurrences()
    {
        await using var t = await StartAsync();
        var series = t.Organization.ScheduleSeries(Carol, Draft("Weekly", 2, Dave, Alice), "FREQ=WEEKLY;COUNT=3", "Europe/Berlin");
        using var google = GoogleTestSetup.Connect(t);
        using var graph = GraphTestSetup.Connect(t);

        var carol = await google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start);
        var dave = await google.ForMailbox(Dave).ReadChangesAsync(MailboxCursor.Start);
        var alice = await graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal(3, carol.Items.Length);
        Assert.All(carol.Items, i => Assert.Equal((series.ICalUid, i.Occurrence!.Value.ToString()), (i.Occurrence.Value.SeriesUid.Value, i.Uid.Value)));
        Assert.Equal([Epoch.AddDays(2).AddHours(1), Epoch.AddDays(9).AddHours(1), Epoch.AddDays(16).AddHours(1)], carol.Items.Select(i => i.Occurrence!.Value.OriginalStart));
        Assert.Equal(carol.Items.Select(i => i.Uid), dave.Items.Select(i => i.Uid));
        Assert.Equal(carol.Items.Select(i => i.Uid), alice.Items.Select(i => i.Uid));
    }

    [Fact]
    public async Task ReadChanges_InstanceCancelledThenSeriesEnded_ArriveAsRemovalsOfThoseInstancesOnly()
    {
        await using var t = await StartAsync();
        var series = t.Organization.ScheduleSeries(Carol, Draft("Weekly", 2, Dave), "FREQ=WEEKLY;COUNT=4");
        using var google = GoogleTestSetup.Connect(t);
        var dave = google.ForMailbox(Dave);
        var first = await dave.ReadChangesAsync(MailboxCursor.Start);

        t.Organization.CancelOccurrence(Carol, series.ICalUid, first.Items[1].Occurrence!.Value.OriginalStart);
        var cancelled = await dave.ReadChangesAsync(first.Next);
        t.Organization.EndSeries(Carol, series.ICalUid, first.Items[3].Occurrence!.Value.OriginalStart);
        var ended = await dave.ReadChangesAsync(cancelled.Next);

        Assert.Equal((first.Items[1].EventId, true), (Assert.Single(cancelled.Items).EventId, cancelled.Items[0].Removed));
        Assert.Equal((first.Items[3].EventId, true), (Assert.Single(ended.Items).EventId, ended.Items[0].Removed));
    }

    [Fact]
    public async Task ReadChanges_AllDaySeries_DatesKeyedAsDays()
    {
        await using var t = await StartAsync();
        var day = new DateTimeOffset(Epoch.UtcDateTime.Date, TimeSpan.Zero).AddDays(3);
        var series = t.Organization.ScheduleSeries(Carol, new("Offsite", day, day.AddDays(1), [Dave]), "FREQ=DAILY;COUNT=2", allDay: true);
        using var google = GoogleTestSetup.Connect(t);

        var dave = await google.ForMailbox(Dave).ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal([new OccurrenceId(new(series.ICalUid), day, true), new OccurrenceId(new(series.ICalUid), day.AddDays(1), true)], dave.Items.Select(i => i.Occurrence!.Value));
        Assert.Equal((day, day.AddDays(1)), (dave.Items[0].Start, dave.Items[0].End));
        Assert.EndsWith("#" + day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), dave.Items[0].Uid.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadChanges_InstanceCancelledSeriesEndedSeriesCancelled_EachRemovalCarriesItsScope()
    {
        await using var t = await StartAsync();
        var series = t.Organization.ScheduleSeries(Carol, Draft("Weekly", 2, Dave), "FREQ=WEEKLY;COUNT=4");
        using var google = GoogleTestSetup.Connect(t);
        var carol = google.ForMailbox(Carol);
        var dave = google.ForMailbox(Dave);
        var first = await carol.ReadChangesAsync(MailboxCursor.Start);
        var daveFirst = await dave.ReadChangesAsync(MailboxCursor.Start);
        var originals = first.Items.Select(i => i.Occurrence!.Value.OriginalStart).ToArray();

        t.Organization.CancelOccurrence(Carol, series.ICalUid, originals[0]);
        var one = await dave.ReadChangesAsync(daveFirst.Next);
        t.Organization.EndSeries(Carol, series.ICalUid, originals[3]);
        var following = await dave.ReadChangesAsync(one.Next);
        t.Organization.CancelMeeting(Carol, series.ICalUid);
        var whole = await dave.ReadChangesAsync(following.Next);

        Assert.Equal((daveFirst.Items[0].EventId, ChangeScope.One), (Assert.Single(one.Items).EventId, one.Items[0].Scope));
        Assert.Equal((daveFirst.Items[3].EventId, ChangeScope.Following), (Assert.Single(following.Items).EventId, following.Items[0].Scope));
        Assert.Equal(daveFirst.Items.Skip(1).Take(2).Select(i => i.EventId).Order(StringComparer.Ordinal), whole.Items.Select(i => i.EventId).Order(StringComparer.Ordinal));
        Assert.All(whole.Items, i => Assert.Equal((true, ChangeScope.Series), (i.Removed || i.Cancelled, i.Scope)));
    }

    [Theory]
    [InlineData(null, null, "Series")]
    [InlineData("cancelled", null, "Series")]
    [InlineData("confirmed", "RRULE:FREQ=WEEKLY;UNTIL=20260309T085959Z", "Following")]
    [InlineData("confirmed", "RRULE:FREQ=WEEKLY;UNTIL=20260309T090000Z", "One")]
    [InlineData("confirmed", "RRULE:FREQ=WEEKLY;COUNT=3", "One")]
    public void ScopeOf_RecurringEvent_SeriesFollowingOrOne(string? status, string? rule, string expected)
    {
        var master = status is null ? null : new CalendarEvent { Status = status, Recurrence = rule is null ? null : [rule] };
        Assert.Equal(Enum.Parse<ChangeScope>(expected), GoogleMailboxConnector.ScopeOf(master, new DateTimeOffset(2026, 3, 9, 9, 0, 0, TimeSpan.Zero)));
    }
}
