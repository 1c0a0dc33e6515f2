using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Google;

/// <summary>Raw Calendar v3 requests checked against the documented Events resource and list semantics.</summary>
public sealed partial class GoogleCalendarEmulatorTests
{
    private static MeetingDraft Draft(string subject, int day, params string[] attendees) =>
        new(subject, Epoch.AddDays(day).AddHours(1), Epoch.AddDays(day).AddHours(2), attendees);

    private static string Events(string calendar, string query = "") =>
        $"calendar/v3/calendars/{Uri.EscapeDataString(calendar)}/events{query}";

    private static async Task<JsonNode> GetAsync(TestHost t, string url)
    {
        using var response = await t.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>Follows pages to the end; returns items, the sync token and how many pages it took.</summary>
    private static async Task<(List<JsonNode> Items, string SyncToken, int Pages)> SyncAsync(TestHost t, string calendar, string query)
    {
        var items = new List<JsonNode>();
        var pages = 0;
        string? pageToken = null;
        while (true)
        {
            var separator = query.Length == 0 ? "?" : "&";
            var page = await GetAsync(t, Events(calendar, query + (pageToken is null ? "" : $"{separator}pageToken={pageToken}")));
            pages++;
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            pageToken = page["nextPageToken"]?.GetValue<string>();
            if (pageToken is null)
            {
                return (items, page["nextSyncToken"]!.GetValue<string>(), pages);
            }

            Assert.Null(page["nextSyncToken"]);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(TestHost t, HttpMethod method, string url, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await t.Http.SendAsync(request);
    }

    private static JsonObject NewEvent(string summary, params string[] attendees) => new()
    {
        ["summary"] = summary,
        ["start"] = new JsonObject { ["dateTime"] = "2026-01-06T09:00:00Z" },
        ["end"] = new JsonObject { ["dateTime"] = "2026-01-06T10:00:00+00:00" },
        ["attendees"] = new JsonArray([.. attendees.Select(a => (JsonNode)new JsonObject { ["email"] = a })]),
    };

    [Fact]
    public async Task List_FullSyncInPages_NextSyncTokenOnlyOnLastPage()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            t.Host.Organization.ScheduleMeeting(Carol, Draft($"m{i}", i, Dave));
        }

        var (items, syncToken, pages) = await SyncAsync(t, Carol, "?maxResults=2");

        Assert.Equal(3, pages);
        Assert.Equal(5, items.Count);
        Assert.NotEmpty(syncToken);
    }

    [Fact]
    public async Task List_Envelope_HasDocumentedFields()
    {
        await using var t = await StartAsync();

        var page = await GetAsync(t, Events(Carol));

        Assert.Equal("calendar#events", page["kind"]!.GetValue<string>());
        Assert.Equal(Carol, page["summary"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.Array, page["items"]!.GetValueKind());
        Assert.NotNull(page["nextSyncToken"]);
        Assert.Null(page["nextPageToken"]);
    }

    [Fact]
    public async Task Event_Json_MatchesEventsResource()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave, Alice));

        var dave = (await GetAsync(t, Events(Dave)))["items"]![0]!.AsObject();
        var carol = (await GetAsync(t, Events(Carol)))["items"]![0]!.AsObject();

        Assert.Equal("calendar#event", dave["kind"]!.GetValue<string>());
        Assert.Equal("confirmed", dave["status"]!.GetValue<string>());
        Assert.Equal(meeting.ICalUid, dave["iCalUID"]!.GetValue<string>());
        Assert.EndsWith("@google.com", meeting.ICalUid, StringComparison.Ordinal);
        Assert.NotEqual(carol["id"]!.GetValue<string>(), dave["id"]!.GetValue<string>());
        Assert.Matches("^\"\\d+\"$", dave["etag"]!.GetValue<string>());
        Assert.Equal("2026-01-05T08:00:00.000Z", dave["updated"]!.GetValue<string>());
        Assert.Equal("2026-01-06T09:00:00Z", dave["start"]!["dateTime"]!.GetValue<string>());
        Assert.Equal(Carol, dave["organizer"]!["email"]!.GetValue<string>());
        Assert.False(dave["organizer"]!.AsObject().ContainsKey("self"));
        Assert.True(carol["organizer"]!["self"]!.GetValue<bool>());
        var daveLine = dave["attendees"]!.AsArray().Single(a => a!["email"]!.GetValue<string>() == Dave)!;
        Assert.True(daveLine["self"]!.GetValue<bool>());
        Assert.Equal("needsAction", daveLine["responseStatus"]!.GetValue<string>());
        Assert.Matches("^[0-9a-v]+$", dave["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("timeMin=2026-01-01T00:00:00Z")]
    [InlineData("timeMax=2026-01-01T00:00:00Z")]
    [InlineData("q=x")]
    [InlineData("orderBy=updated")]
    [InlineData("iCalUID=x")]
    [InlineData("showDeleted=false")]
    public async Task List_IncrementalWithRestriction_Answers400(string restriction)
    {
        await using var t = await StartAsync();
        var (_, syncToken, _) = await SyncAsync(t, Carol, "");

        using var response = await t.Http.GetAsync(Events(Carol, $"?syncToken={syncToken}&{restriction}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task List_FullSync_HidesCancelledUnlessShowDeleted()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("gone", 1, Dave));
        t.Host.Organization.ScheduleMeeting(Carol, Draft("kept", 2, Dave));
        t.Host.Organization.CancelMeeting(Carol, meeting.ICalUid);

        var hidden = await SyncAsync(t, Dave, "");
        var shown = await SyncAsync(t, Dave, "?showDeleted=true");

        Assert.Equal(["kept"], hidden.Items.Select(i => i["summary"]!.GetValue<string>()));
        Assert.Equal(["cancelled", "confirmed"], shown.Items.Select(i => i["status"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_Incremental_ReportsChangesAndDeletionsAsCancelled()
    {
        await using var t = await StartAsync();
        var doomed = t.Host.Organization.ScheduleMeeting(Carol, Draft("doomed", 1, Dave));
        var moved = t.Host.Organization.ScheduleMeeting(Carol, Draft("moved", 2, Dave));
        t.Host.Organization.ScheduleMeeting(Carol, Draft("still", 3, Dave));
        var full = await SyncAsync(t, Dave, "");
        var doomedCopy = t.Host.Organization.Find(Dave, doomed.ICalUid)!;

        using (var delete = await SendAsync(t, HttpMethod.Delete, Events(Carol, $"/{doomed.Id}?sendUpdates=none")))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        t.Host.Organization.Reschedule(Carol, moved.ICalUid, Epoch.AddDays(9), Epoch.AddDays(9).AddHours(1));
        var changes = await SyncAsync(t, Dave, $"?syncToken={full.SyncToken}");

        Assert.Equal(2, changes.Items.Count);
        var cancelled = changes.Items.Single(i => i["status"]!.GetValue<string>() == "cancelled").AsObject();
        Assert.Equal(doomedCopy.Id, cancelled["id"]!.GetValue<string>());
        Assert.Equal("2026-01-14T08:00:00Z", changes.Items.Single(i => i["status"]!.GetValue<string>() == "confirmed")["start"]!["dateTime"]!.GetValue<string>());
        Assert.DoesNotContain(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Fact]
    public async Task Insert_SendUpdatesNone_OnlyGoogleAttendeesGetCopiesAndNobodyIsMailed()
    {
        await using var t = await StartAsync();

        using var response = await SendAsync(t, HttpMethod.Post, Events(Carol, "?sendUpdates=none"), NewEvent("Quiet", Dave, Alice));
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var uid = created["iCalUID"]!.GetValue<string>();
        Assert.NotNull(t.Host.Organization.Find(Dave, uid));
        Assert.Null(t.Host.Organization.Find(Alice, uid));
        Assert.Empty(t.Host.Organization.Messages);
    }

    [Fact]
    public async Task Insert_DefaultSendUpdates_IsNone()
    {
        await using var t = await StartAsync();

        using var response = await SendAsync(t, HttpMethod.Post, Events(Carol), NewEvent("Quiet", Alice));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(t.Host.Organization.Messages);
    }

    [Fact]
    public async Task Insert_SendUpdatesAll_ExchangeAttendeeGetsCopyWithSameUid()
    {
        await using var t = await StartAsync();

        using var response = await SendAsync(t, HttpMethod.Post, Events(Carol, "?sendUpdates=all"), NewEvent("Loud", Dave, Alice, External));
        var uid = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["iCalUID"]!.GetValue<string>();

        var alice = t.Host.Organization.Find(Alice, uid);
        Assert.NotNull(alice);
        Assert.False(alice.IsOrganizer);
        Assert.Equal([Alice, Dave, External], t.Host.Organization.Messages.Where(m => m.Kind == MessageKind.Invitation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Insert_SendUpdatesExternalOnly_MailsOnlyNonGoogleGuests()
    {
        await using var t = await StartAsync();

        using var response = await SendAsync(t, HttpMethod.Post, Events(Carol, "?sendUpdates=externalOnly"), NewEvent("Mixed", Dave, Alice, External));
        var uid = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["iCalUID"]!.GetValue<string>();

        Assert.Equal([Alice, External], t.Host.Organization.Messages.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.NotNull(t.Host.Organization.Find(Dave, uid));
        Assert.NotNull(t.Host.Organization.Find(Alice, uid));
    }

    [Fact]
    public async Task Delete_OrganizerWithSendUpdatesAll_CancelsExchangeCopyAndMails()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Alice, Dave));

        using var response = await SendAsync(t, HttpMethod.Delete, Events(Carol, $"/{meeting.Id}?sendUpdates=all"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(t.Host.Organization.Find(Alice, meeting.ICalUid)!.IsCancelled);
        Assert.Null(t.Host.Organization.Find(Dave, meeting.ICalUid));
        Assert.Equal([Alice, Dave], t.Host.Organization.Messages.Where(m => m.Kind == MessageKind.Cancellation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delete_OrganizerWithSendUpdatesNone_ExchangeCopyStaysAndNobodyIsMailed()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Alice, Dave));

        using var response = await SendAsync(t, HttpMethod.Delete, Events(Carol, $"/{meeting.Id}?sendUpdates=none"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(t.Host.Organization.Find(Alice, meeting.ICalUid)!.IsCancelled);
        Assert.Null(t.Host.Organization.Find(Dave, meeting.ICalUid));
        Assert.DoesNotContain(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Fact]
    public async Task Delete_AttendeeCopy_RemovesOnlyThatCopy()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave, Alice));
        var daveCopy = t.Host.Organization.Find(Dave, meeting.ICalUid)!;
        var before = t.Host.Organization.Messages.Count;

        using var response = await SendAsync(t, HttpMethod.Delete, Events(Dave, $"/{daveCopy.Id}?sendUpdates=all"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(t.Host.Organization.Find(Dave, meeting.ICalUid));
        Assert.NotNull(t.Host.Organization.Find(Carol, meeting.ICalUid));
        Assert.NotNull(t.Host.Organization.Find(Alice, meeting.ICalUid));
        Assert.Equal(before, t.Host.Organization.Messages.Count);
    }

    [Fact]
    public async Task Delete_Twice_Answers410Deleted()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1));
        using var first = await SendAsync(t, HttpMethod.Delete, Events(Carol, $"/{meeting.Id}"));

        using var second = await SendAsync(t, HttpMethod.Delete, Events(Carol, $"/{meeting.Id}"));

        Assert.Equal(HttpStatusCode.Gone, second.StatusCode);
        Assert.Equal("deleted", JsonNode.Parse(await second.Content.ReadAsStringAsync())!["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_AttendeeDeclines_OrganizerSeesDeclined()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave));
        var daveCopy = t.Host.Organization.Find(Dave, meeting.ICalUid)!;

        using var response = await SendAsync(t, HttpMethod.Patch, Events(Dave, $"/{daveCopy.Id}?sendUpdates=none"), new JsonObject
        {
            ["attendees"] = new JsonArray(new JsonObject { ["email"] = Dave, ["responseStatus"] = "declined" }),
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var organizerView = t.Host.Organization.Find(Carol, meeting.ICalUid)!;
        Assert.Equal(AttendeeResponse.Declined, Assert.Single(organizerView.Attendees).Response);
        Assert.NotNull(t.Host.Organization.Find(Dave, meeting.ICalUid));
    }

    [Fact]
    public async Task Patch_OrganizerChangesSummary_SendUpdatesAllMailsUpdate()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave, Alice));

        using var response = await SendAsync(t, HttpMethod.Patch, Events(Carol, $"/{meeting.Id}?sendUpdates=all"), new JsonObject { ["summary"] = "Review v2" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Review v2", t.Host.Organization.Find(Alice, meeting.ICalUid)!.Subject);
        Assert.Equal("Review v2", t.Host.Organization.Find(Dave, meeting.ICalUid)!.Subject);
        Assert.Equal(2, t.Host.Organization.Messages.Count(m => m.Kind == MessageKind.Update));
    }

    [Fact]
    public async Task Get_CancelledEvent_ReturnsStatusCancelled()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave));
        var daveCopy = t.Host.Organization.Find(Dave, meeting.ICalUid)!;
        t.Host.Organization.CancelMeeting(Carol, meeting.ICalUid);

        var e = await GetAsync(t, Events(Dave, $"/{daveCopy.Id}"));

        Assert.Equal("cancelled", e["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Calendar_OfExchangeUser_Answers404NotFound()
    {
        await using var t = await StartAsync();

        using var response = await t.Http.GetAsync(Events(Alice));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("notFound", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Primary_ResolvesToBearerUser()
    {
        await using var t = await StartAsync();
        t.Host.Organization.ScheduleMeeting(Carol, Draft("Mine", 1));
        using var request = new HttpRequestMessage(HttpMethod.Get, "calendar/v3/calendars/primary/events");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Carol);

        using var response = await t.Http.SendAsync(request);

        Assert.Equal("Mine", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]![0]!["summary"]!.GetValue<string>());
    }
}
