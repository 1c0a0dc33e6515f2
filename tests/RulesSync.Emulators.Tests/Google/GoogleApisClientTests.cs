using System.Net;
using Google;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Google;

/// <summary>The product's Calendar v3 client (Google.Apis core, raw requests, no connector retry) talking to the Calendar emulator.</summary>
public sealed class GoogleApisClientTests
{
    private static async Task<(List<CalendarEvent> Items, string SyncToken)> SyncAsync(CalendarV3Service service, string calendar, string? syncToken)
    {
        var items = new List<CalendarEvent>();
        string? pageToken = null;
        while (true)
        {
            var page = await new EventsListRequest(service, calendar) { SyncToken = syncToken, PageToken = pageToken, MaxResults = 2 }.ExecuteAsync();
            items.AddRange(page.Items ?? []);
            pageToken = page.NextPageToken;
            if (pageToken is null)
            {
                return (items, page.NextSyncToken!);
            }
        }
    }

    [Fact]
    public async Task ListInsertDelete_ThroughGoogleApisCore_RoundTrip()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Host.Organization.ScheduleMeeting(Carol, new MeetingDraft($"m{i}", Epoch.AddDays(i + 1), Epoch.AddDays(i + 1).AddHours(1), [Dave]));
        }

        using var service = t.GoogleCalendar();
        var full = await SyncAsync(service, Dave, null);
        var created = await new EventsInsertRequest(service, Carol, new CalendarEvent
        {
            Summary = "typed",
            Start = new EventDateTime { DateTime = "2026-01-09T09:00:00Z" },
            End = new EventDateTime { DateTime = "2026-01-09T10:00:00Z" },
            Attendees = [new EventAttendee { Email = Dave }],
        }) { SendUpdates = "none" }.ExecuteAsync();
        await new EventsDeleteRequest(service, Carol, t.Host.Organization.Find(Carol, full.Items[0].ICalUID!)!.Id) { SendUpdates = "none" }.ExecuteAsync();
        var changes = await SyncAsync(service, Dave, full.SyncToken);

        Assert.Equal(3, full.Items.Count);
        Assert.Equal("typed", created.Summary);
        Assert.Equal(2, changes.Items.Count);
        Assert.Contains(changes.Items, e => e is { Status: "cancelled", Id: var id } && id == full.Items[0].Id);
        Assert.Contains(changes.Items, e => e is { Status: "confirmed", Summary: "typed" });
    }

    [Theory]
    [InlineData("not-base32hex", HttpStatusCode.BadRequest, "invalid")]
    [InlineData("0123456789abcdefghijklmnopqrstuv", HttpStatusCode.Conflict, "duplicate")]
    public async Task InsertWithClientId_InvalidOrRepeated_SurfacesAsGoogleApiExceptionWithReason(string id, HttpStatusCode status, string reason)
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        CalendarEvent Body() => new()
        {
            Id = id,
            Summary = "typed",
            Start = new EventDateTime { DateTime = "2026-01-09T09:00:00Z" },
            End = new EventDateTime { DateTime = "2026-01-09T10:00:00Z" },
        };
        if (status == HttpStatusCode.Conflict)
        {
            await new EventsInsertRequest(service, Carol, Body()).ExecuteAsync();
        }

        var error = await Assert.ThrowsAsync<GoogleApiException>(() => new EventsInsertRequest(service, Carol, Body()).ExecuteAsync());

        Assert.Equal(status, error.HttpStatusCode);
        Assert.Equal(reason, error.Error.Errors.Single().Reason);
        Assert.Equal("global", error.Error.Errors.Single().Domain);
    }

    [Fact]
    public async Task ExpiredSyncToken_SurfacesAsGoogleApiException410FullSyncRequired()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        var full = await SyncAsync(service, Carol, null);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "google.events.list", Mailbox = Carol });

        var error = await Assert.ThrowsAsync<GoogleApiException>(() => new EventsListRequest(service, Carol) { SyncToken = full.SyncToken }.ExecuteAsync());

        Assert.Equal(HttpStatusCode.Gone, error.HttpStatusCode);
        Assert.Equal("fullSyncRequired", error.Error.Errors.Single().Reason);
    }

    [Fact]
    public async Task IncrementalWithTimeMin_SurfacesAs400()
    {
        await using var t = await StartAsync();
        using var service = t.GoogleCalendar();
        var full = await SyncAsync(service, Carol, null);

        var error = await Assert.ThrowsAsync<GoogleApiException>(() =>
            new EventsListRequest(service, Carol) { SyncToken = full.SyncToken, TimeMin = "2026-01-01T00:00:00Z" }.ExecuteAsync());

        Assert.Equal(HttpStatusCode.BadRequest, error.HttpStatusCode);
    }

    [Fact]
    public async Task RateLimit429_IsNotRetriedByTheLibraryDefaultBackoff()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "google.events.list" });
        using var service = t.GoogleCalendar();

        var error = await Assert.ThrowsAsync<GoogleApiException>(() => new EventsListRequest(service, Carol).ExecuteAsync());

        Assert.Equal((HttpStatusCode)429, error.HttpStatusCode);
        Assert.Equal("rateLimitExceeded", error.Error.Errors.Single().Reason);
        Assert.Equal(1, t.Host.Counters.For("google.events.list", Carol));
    }
}
