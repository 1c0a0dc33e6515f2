using System.Text.Json.Nodes;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Hosting;

public sealed partial class RequestPipelineTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task ShortPage_GraphSdkFollowingNextLinks_StillGetsEveryEvent(int pageSize)
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 4; i++)
        {
            t.Host.Organization.ScheduleMeeting(Alice, new MeetingDraft($"m{i}", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), []));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ShortPage, Route = "graph.calendarView.delta", PageSize = pageSize, Times = 2 });
        var graph = t.Graph();
        var page = await graph.Users[Alice].CalendarView.Delta.GetAsDeltaGetResponseAsync(rc =>
        {
            rc.QueryParameters.StartDateTime = "2026-01-01T00:00:00Z";
            rc.QueryParameters.EndDateTime = "2026-03-01T00:00:00Z";
        });
        var sizes = new List<int> { page!.Value!.Count };
        var subjects = page.Value.Select(e => e.Subject).ToList();
        while (page!.OdataNextLink is { } next)
        {
            page = await graph.Users[Alice].CalendarView.Delta.WithUrl(next).GetAsDeltaGetResponseAsync();
            sizes.Add(page!.Value!.Count);
            subjects.AddRange(page.Value.Select(e => e.Subject));
        }

        Assert.Equal([pageSize, pageSize, 4 - (2 * pageSize)], sizes);
        Assert.Equal(["m0", "m1", "m2", "m3"], subjects.Order(StringComparer.Ordinal));
        Assert.NotNull(page.OdataDeltaLink);
    }

    [Fact]
    public async Task ShortPage_GoogleList_ShortPagesKeepPageTokenAndSyncTokenOnlyAtEnd()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Host.Organization.ScheduleMeeting(Carol, new MeetingDraft($"m{i}", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), []));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ShortPage, Route = "google.events.list", PageSize = 1, Times = null });
        var pages = new List<JsonNode>();
        string? token = null;
        do
        {
            var page = JsonNode.Parse(await t.Http.GetStringAsync($"calendar/v3/calendars/{Carol}/events?maxResults=100{(token is null ? "" : "&pageToken=" + token)}"))!;
            pages.Add(page);
            token = page["nextPageToken"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal([1, 1, 1], pages.Select(p => p["items"]!.AsArray().Count));
        Assert.Equal([false, false, true], pages.Select(p => p["nextSyncToken"] is not null));
    }

    [Fact]
    public async Task ShortPage_CrmQuery_AnswersFewerRowsWithNext()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Host.Crm.Add(new CrmActivityDraft(CrmActivityKind.Appointment, $"a{i}", Epoch, Epoch.AddHours(1), "P1", Alice, "P1", []));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ShortPage, Route = "crm.v1.AppointmentCollection.query", PageSize = 1 });

        var first = JsonNode.Parse(await t.Http.GetStringAsync(t.Host.CrmServiceRoot(CrmDialect.V1) + "AppointmentCollection"))!["d"]!;
        var rest = JsonNode.Parse(await t.Http.GetStringAsync(first["__next"]!.GetValue<string>()))!["d"]!;

        Assert.Single(first["results"]!.AsArray());
        Assert.Equal(2, rest["results"]!.AsArray().Count);
        Assert.Null(rest["__next"]);
    }
}
