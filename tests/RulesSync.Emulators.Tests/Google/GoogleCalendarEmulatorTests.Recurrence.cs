using System.Net;
using Google;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Google;

/// <summary>
/// Recurring events through Google.Apis core (the product's Calendar v3 requests): recurrence lines, recurringEventId,
/// originalStartTime, singleEvents, events.instances, cancelled instances in incremental sync.
/// </summary>
public sealed partial class GoogleCalendarEmulatorTests
{
    /// <summary>Weekly, Mondays 09:00–10:00 Berlin time from 23 March 2026 (across DST), four times, the third skipped by EXDATE.</summary>
    private static CalendarEvent RecurringEvent(params string[] attendees) => new()
    {
        Summary = "Weekly review",
        Start = new EventDateTime { DateTime = "2026-03-23T09:00:00", TimeZone = "Europe/Berlin" },
        End = new EventDateTime { DateTime = "2026-03-23T10:00:00", TimeZone = "Europe/Berlin" },
        Recurrence = ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4", "EXDATE;TZID=Europe/Berlin:20260406T090000"],
        Attendees = [.. attendees.Select(a => new EventAttendee { Email = a })],
    };

    private static async Task<(List<CalendarEvent> Items, string SyncToken)> SyncAsync(CalendarV3Service service, string calendar, bool singleEvents, string? syncToken = null)
    {
        var items = new List<CalendarEvent>();
        string? pageToken = null;
        while (true)
        {
            var page = await new EventsListRequest(service, calendar) { SyncToken = syncToken, PageToken = pageToken, MaxResults = 3, SingleEvents = singleEvents }.ExecuteAsync();
            items.AddRange(page.Items ?? []);
            pageToken = page.NextPageToken;
            if (pageToken is null)
            {
                return (items, page.NextSyncToken!);
            }
        }
    }

    /// <summary>Carol creates <see cref="RecurringEvent"/> with Dave; Carol's full sync without singleEvents, Dave's with.</summary>
    private static async Task<(CalendarEvent Master, (List<CalendarEvent> Items, string SyncToken) Carol, (List<CalendarEvent> Items, string SyncToken) Dave)> RecurringAndSyncsAsync(CalendarV3Service service)
    {
        var master = await new EventsInsertRequest(service, Carol, RecurringEvent(Dave)) { SendUpdates = "all" }.ExecuteAsync();
        return (master, await SyncAsync(service, Carol, singleEvents: false), await SyncAsync(service, Dave, singleEvents: true));
    }

    [Fact]
    public async Task InsertRecurring_ListsMasterOrInstances_AsSingleEventsAsks()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();

        var master = await new EventsInsertRequest(service, Carol, RecurringEvent(Dave)) { SendUpdates = "all" }.ExecuteAsync();
        var series = await SyncAsync(service, Carol, singleEvents: false);
        var instances = await SyncAsync(service, Carol, singleEvents: true);
        var listed = await new EventsInstancesRequest(service, Carol, master.Id!).ExecuteAsync();
        var daves = await SyncAsync(service, Dave, singleEvents: true);

        Assert.Equal(["RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO", "EXDATE:20260406T070000Z"], master.Recurrence);
        Assert.Equal("Europe/Berlin", master.Start!.TimeZone);
        Assert.Equal([master.Id], series.Items.Select(e => e.Id));
        Assert.Equal(["2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-13T07:00:00Z"], instances.Items.Select(e => e.OriginalStartTime!.DateTime));
        Assert.Equal([$"{master.Id}_20260323T080000Z", $"{master.Id}_20260330T070000Z", $"{master.Id}_20260413T070000Z"], instances.Items.Select(e => e.Id));
        Assert.All(instances.Items, e => Assert.Equal((master.Id, master.ICalUID, (IList<string>?)null), (e.RecurringEventId, e.ICalUID, e.Recurrence)));
        Assert.Equal(instances.Items.Select(e => e.Id), listed.Items!.Select(e => e.Id));
        Assert.Equal(instances.Items.Select(e => e.OriginalStartTime!.DateTime), daves.Items.Select(e => e.OriginalStartTime!.DateTime));
        Assert.All(daves.Items, e => Assert.Equal(t.Host.Organization.Find(Dave, master.ICalUID!)!.Id, e.RecurringEventId));
    }

    [Fact]
    public async Task DeleteInstance_IncrementalSyncReturnsOneCancelledException_SeriesAndOtherInstancesStay()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        var (master, carolSeries, daveInstances) = await RecurringAndSyncsAsync(service);
        var second = $"{master.Id}_20260330T070000Z";

        await new EventsDeleteRequest(service, Carol, second) { SendUpdates = "all" }.ExecuteAsync();
        var carolChanges = await SyncAsync(service, Carol, singleEvents: false, carolSeries.SyncToken);
        var daveChanges = await SyncAsync(service, Dave, singleEvents: true, daveInstances.SyncToken);
        var remaining = await new EventsInstancesRequest(service, Carol, master.Id!).ExecuteAsync();
        var withDeleted = await new EventsInstancesRequest(service, Carol, master.Id!) { ShowDeleted = true }.ExecuteAsync();

        var cancelled = Assert.Single(carolChanges.Items);
        Assert.Equal((second, "cancelled", master.Id, "2026-03-30T07:00:00Z"), (cancelled.Id, cancelled.Status, cancelled.RecurringEventId, cancelled.OriginalStartTime!.DateTime));
        var daves = Assert.Single(daveChanges.Items);
        Assert.Equal(("cancelled", "2026-03-30T07:00:00Z"), (daves.Status, daves.OriginalStartTime!.DateTime));
        Assert.Equal(2, remaining.Items!.Count);
        Assert.Equal(3, withDeleted.Items!.Count);
        Assert.Equal((Dave, MessageKind.Cancellation), Assert.Single(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation) is var m ? (m.To, m.Kind) : default);
    }

    [Fact]
    public async Task PatchInstance_IncrementalSyncReturnsTheExceptionNotTheMaster()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        var (master, carolSeries, daveInstances) = await RecurringAndSyncsAsync(service);

        await new EventsPatchRequest(service, Carol, $"{master.Id}_20260413T070000Z", new CalendarEvent
        {
            Start = new EventDateTime { DateTime = "2026-04-14T07:00:00Z" },
            End = new EventDateTime { DateTime = "2026-04-14T08:00:00Z" },
        }) { SendUpdates = "all" }.ExecuteAsync();
        var carolChanges = await SyncAsync(service, Carol, singleEvents: false, carolSeries.SyncToken);
        var daveChanges = await SyncAsync(service, Dave, singleEvents: true, daveInstances.SyncToken);

        var exception = Assert.Single(carolChanges.Items);
        Assert.Equal(("confirmed", master.Id, "2026-04-13T07:00:00Z", "2026-04-14T07:00:00Z"), (exception.Status, exception.RecurringEventId, exception.OriginalStartTime!.DateTime, exception.Start!.DateTime));
        Assert.Equal("2026-04-14T07:00:00Z", Assert.Single(daveChanges.Items).Start!.DateTime);
    }

    [Fact]
    public async Task PatchMasterUntil_EndsSeries_DroppedInstancesComeBackCancelled()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        var master = await new EventsInsertRequest(service, Carol, RecurringEvent(Dave)) { SendUpdates = "all" }.ExecuteAsync();
        var instances = await SyncAsync(service, Carol, singleEvents: true);

        var ended = await new EventsPatchRequest(service, Carol, master.Id!, new CalendarEvent { Recurrence = ["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260329T235959Z"] }) { SendUpdates = "all" }.ExecuteAsync();
        var changes = await SyncAsync(service, Carol, singleEvents: true, instances.SyncToken);

        Assert.Equal(["RRULE:FREQ=WEEKLY;UNTIL=20260329T235959Z;BYDAY=MO"], ended.Recurrence);
        Assert.Equal([$"{master.Id}_20260330T070000Z", $"{master.Id}_20260413T070000Z"], changes.Items.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.All(changes.Items, e => Assert.Equal("cancelled", e.Status));
    }

    [Fact]
    public async Task InsertAllDaySeries_InstancesCarryDatesAndDayIds()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();

        var master = await new EventsInsertRequest(service, Carol, new CalendarEvent
        {
            Summary = "Offsite",
            Start = new EventDateTime { Date = "2026-05-04" },
            End = new EventDateTime { Date = "2026-05-05" },
            Recurrence = ["RRULE:FREQ=DAILY;COUNT=2"],
        }).ExecuteAsync();
        var instances = await SyncAsync(service, Carol, singleEvents: true);

        Assert.Equal("2026-05-04", master.Start!.Date);
        Assert.Equal([$"{master.Id}_20260504", $"{master.Id}_20260505"], instances.Items.Select(e => e.Id));
        Assert.Equal(["2026-05-04", "2026-05-05"], instances.Items.Select(e => e.OriginalStartTime!.Date));
        Assert.All(instances.Items, e => Assert.Null(e.Start!.DateTime));
    }

    [Theory]
    [InlineData("RRULE:FREQ=SOMETIMES")]
    [InlineData("EXDATE:yesterday")]
    [InlineData("RDATE:20260401T090000Z")]
    public async Task InsertRecurring_BadLine_Answers400AndCreatesNothing(string line)
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        var body = RecurringEvent(Dave);
        body.Recurrence = ["RRULE:FREQ=DAILY;COUNT=2", line];
        if (line.StartsWith("RRULE", StringComparison.Ordinal))
        {
            body.Recurrence = [line];
        }

        var error = await Assert.ThrowsAsync<GoogleApiException>(() => new EventsInsertRequest(service, Carol, body).ExecuteAsync());

        Assert.Equal(HttpStatusCode.BadRequest, error.HttpStatusCode);
        Assert.Empty(t.Host.Organization.Calendar(Carol));
    }
}
