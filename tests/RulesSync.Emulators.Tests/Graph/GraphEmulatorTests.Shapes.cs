using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Graph;

/// <summary>Raw HTTP shape checks against Microsoft's published examples (event resource, delta, batching).</summary>
public sealed partial class GraphEmulatorTests
{
    [Theory]
    [InlineData("calendarView/delta()")]
    [InlineData("calendarView/delta")]
    public async Task DeltaPath_WithOrWithoutParentheses_IsServed(string function)
    {
        await using var t = await StartAsync();

        using var response = await t.Http.GetAsync($"v1.0/users/{Uri.EscapeDataString(Alice)}/{function}?startDateTime={WindowStart}&endDateTime={WindowEnd}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Delta_WithoutWindow_Answers400()
    {
        await using var t = await StartAsync();

        using var response = await t.Http.GetAsync($"v1.0/users/{Alice}/calendarView/delta()");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Delta_TwoPreferValuesInOneHeader_BothApplied()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Host.Organization.ScheduleMeeting(Alice, Draft($"m{i}", 1));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1.0/users/{Alice}/calendarView/delta()?startDateTime={WindowStart}&endDateTime={WindowEnd}");
        request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=2, IdType=\"ImmutableId\"");
        using var response = await t.Http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(2, body["value"]!.AsArray().Count);
        Assert.NotNull(body["@odata.nextLink"]);
        Assert.Null(body["@odata.deltaLink"]);
        var applied = string.Join(",", response.Headers.GetValues("Preference-Applied"));
        Assert.Contains("odata.maxpagesize=2", applied, StringComparison.Ordinal);
        Assert.Contains("IdType=\"ImmutableId\"", applied, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Event_Json_HasDocumentedFieldsAndTypes()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));

        var e = JsonNode.Parse(await t.Http.GetStringAsync($"v1.0/users/{Bob}/events/{t.Host.Organization.Find(Bob, meeting.ICalUid)!.Id}"))!.AsObject();

        Assert.StartsWith("W/\"", e["@odata.etag"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var name in new[] { "id", "iCalUId", "changeKey", "subject", "type" })
        {
            Assert.Equal(JsonValueKind.String, e[name]!.GetValueKind());
        }

        Assert.Equal(meeting.ICalUid, e["iCalUId"]!.GetValue<string>());
        Assert.False(e["isOrganizer"]!.GetValue<bool>());
        Assert.False(e["isCancelled"]!.GetValue<bool>());
        Assert.True(e.ContainsKey("seriesMasterId"));
        Assert.Equal("singleInstance", e["type"]!.GetValue<string>());
        Assert.Equal("2026-01-06T09:00:00.0000000", e["start"]!["dateTime"]!.GetValue<string>());
        Assert.Equal("UTC", e["start"]!["timeZone"]!.GetValue<string>());
        Assert.Equal(Alice, e["organizer"]!["emailAddress"]!["address"]!.GetValue<string>());
        var attendee = e["attendees"]![0]!;
        Assert.Equal(Bob, attendee["emailAddress"]!["address"]!.GetValue<string>());
        Assert.Equal("required", attendee["type"]!.GetValue<string>());
        Assert.Equal("none", attendee["status"]!["response"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delta_RemovedItem_HasOnlyIdAndRemovedReason()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        var first = JsonNode.Parse(await t.Http.GetStringAsync($"v1.0/users/{Alice}/calendarView/delta()?startDateTime={WindowStart}&endDateTime={WindowEnd}"))!;
        t.Host.Organization.CancelMeeting(Alice, meeting.ICalUid);

        var second = JsonNode.Parse(await t.Http.GetStringAsync(first["@odata.deltaLink"]!.GetValue<string>()))!;

        var removed = second["value"]![0]!.AsObject();
        Assert.Equal(meeting.Id, removed["id"]!.GetValue<string>());
        Assert.Equal("deleted", removed["@removed"]!["reason"]!.GetValue<string>());
        Assert.False(removed.ContainsKey("subject"));
    }

    [Fact]
    public async Task Batch_MoreThanTwentyRequests_Answers400()
    {
        await using var t = await StartAsync();
        var requests = new JsonArray([.. Enumerable.Range(1, 21).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["method"] = "GET",
            ["url"] = $"/users/{Alice}/events",
        })]);

        using var response = await t.Http.PostAsync("v1.0/$batch", new StringContent(new JsonObject { ["requests"] = requests }.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", (await response.Content.ReadFromJsonAsync<JsonNode>())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownUser_Answers404WithGraphErrorEnvelope()
    {
        await using var t = await StartAsync();

        using var response = await t.Http.GetAsync("v1.0/users/nobody@contoso.example/events");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ErrorInvalidUser", error["code"]!.GetValue<string>());
        Assert.NotNull(error["message"]);
    }
}
