using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;
using Microsoft.Graph.Users.Item.Events.Item.Decline;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Graph;

/// <summary>The Graph emulator driven by the real Microsoft.Graph 6.x SDK.</summary>
public sealed partial class GraphEmulatorTests
{
    private const string WindowStart = "2026-01-01T00:00:00Z";
    private const string WindowEnd = "2026-03-01T00:00:00Z";

    private static MeetingDraft Draft(string subject, int day, params string[] attendees) =>
        new(subject, Epoch.AddDays(day).AddHours(1), Epoch.AddDays(day).AddHours(2), attendees);

    private static async Task<(List<Event> Events, string DeltaLink, int Pages, List<string> NextLinks)> FullDeltaAsync(
        GraphServiceClient graph, string user, int pageSize, string? deltaLink = null)
    {
        var events = new List<Event>();
        var nextLinks = new List<string>();
        var pages = 1;
        var page = deltaLink is null
            ? await graph.Users[user].CalendarView.Delta.GetAsDeltaGetResponseAsync(rc =>
            {
                rc.QueryParameters.StartDateTime = WindowStart;
                rc.QueryParameters.EndDateTime = WindowEnd;
                rc.Headers.Add("Prefer", $"odata.maxpagesize={pageSize}");
                rc.Headers.Add("Prefer", "IdType=\"ImmutableId\"");
            })
            : await graph.Users[user].CalendarView.Delta.WithUrl(deltaLink).GetAsDeltaGetResponseAsync(rc =>
                rc.Headers.Add("Prefer", $"odata.maxpagesize={pageSize}"));
        events.AddRange(page!.Value!);
        while (page!.OdataNextLink is { } next)
        {
            nextLinks.Add(next);
            page = await graph.Users[user].CalendarView.Delta.WithUrl(next).GetAsDeltaGetResponseAsync(rc =>
                rc.Headers.Add("Prefer", $"odata.maxpagesize={pageSize}"));
            events.AddRange(page!.Value!);
            pages++;
        }

        return (events, page.OdataDeltaLink!, pages, nextLinks);
    }

    private static bool IsRemoved(Event e) => e.AdditionalData.ContainsKey("@removed");

    [Fact]
    public async Task Delta_FullRoundInSmallPages_FollowsAbsoluteNextLinksToDeltaLink()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            t.Host.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob));
        }

        var (events, deltaLink, pages, nextLinks) = await FullDeltaAsync(t.Graph(), Alice, pageSize: 2);

        Assert.Equal(5, events.Count);
        Assert.Equal(3, pages);
        Assert.All(nextLinks, l => Assert.StartsWith(t.Host.GraphBaseUrl + "/users/", l, StringComparison.Ordinal));
        Assert.StartsWith(t.Host.GraphBaseUrl + "/users/", deltaLink, StringComparison.Ordinal);
        Assert.Contains("$deltatoken=", deltaLink, StringComparison.Ordinal);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], events.Select(e => e.Subject).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.True(e.IsOrganizer));
    }

    [Fact]
    public async Task Delta_NoChanges_ReturnsEmptyPageAndNewDeltaLink()
    {
        await using var t = await StartAsync();
        t.Host.Organization.ScheduleMeeting(Alice, Draft("m", 1, Bob));
        var graph = t.Graph();
        var first = await FullDeltaAsync(graph, Alice, 10);

        var second = await FullDeltaAsync(graph, Alice, 10, first.DeltaLink);

        Assert.Empty(second.Events);
        Assert.NotNull(second.DeltaLink);
    }

    [Fact]
    public async Task Delta_OutsideWindow_IsNotListed()
    {
        await using var t = await StartAsync();
        t.Host.Organization.ScheduleMeeting(Alice, Draft("inside", 1, Bob));
        t.Host.Organization.ScheduleMeeting(Alice, Draft("outside", 120, Bob));

        var (events, _, _, _) = await FullDeltaAsync(t.Graph(), Alice, 10);

        Assert.Equal("inside", Assert.Single(events).Subject);
    }

    [Fact]
    public async Task Cancel_ByOrganizer_AttendeeSeesCancelledCopyAndOrganizerSeesRemoved()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        var graph = t.Graph();
        var alice = await FullDeltaAsync(graph, Alice, 10);
        var bob = await FullDeltaAsync(graph, Bob, 10);
        var bobCopy = Assert.Single(bob.Events);
        Assert.Equal(meeting.ICalUid, bobCopy.ICalUId);
        Assert.NotEqual(meeting.Id, bobCopy.Id);
        Assert.False(bobCopy.IsOrganizer);

        await graph.Users[Alice].Events[meeting.Id].Cancel.PostAsync(new CancelPostRequestBody { Comment = "Not needed" });

        var aliceChanges = await FullDeltaAsync(graph, Alice, 10, alice.DeltaLink);
        var removed = Assert.Single(aliceChanges.Events);
        Assert.True(IsRemoved(removed));
        Assert.Equal(meeting.Id, removed.Id);
        var bobChanges = await FullDeltaAsync(graph, Bob, 10, bob.DeltaLink);
        var cancelled = Assert.Single(bobChanges.Events);
        Assert.True(cancelled.IsCancelled);
        Assert.Equal(bobCopy.Id, cancelled.Id);
        var message = Assert.Single(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
        Assert.Equal((Alice, Bob, "Not needed"), (message.From, message.To, message.Detail));
    }

    [Fact]
    public async Task Cancel_ByAttendee_Answers400AndSendsNothing()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        var bobCopy = t.Host.Organization.Find(Bob, meeting.ICalUid)!;

        var error = await Assert.ThrowsAsync<ODataError>(() =>
            t.Graph().Users[Bob].Events[bobCopy.Id].Cancel.PostAsync(new CancelPostRequestBody { Comment = "x" }));

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Equal("ErrorAccessDenied", error.Error!.Code);
        Assert.DoesNotContain(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Fact]
    public async Task Create_WithAttendeesOnBothProviders_CopiesShareUidWithOwnIds()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();

        var created = await graph.Users[Alice].Events.PostAsync(new Event
        {
            Subject = "Kick-off",
            Start = new DateTimeTimeZone { DateTime = "2026-01-06T09:00:00", TimeZone = "UTC" },
            End = new DateTimeTimeZone { DateTime = "2026-01-06T10:00:00", TimeZone = "UTC" },
            Attendees =
            [
                new Attendee { EmailAddress = new EmailAddress { Address = Bob }, Type = AttendeeType.Required },
                new Attendee { EmailAddress = new EmailAddress { Address = Carol }, Type = AttendeeType.Optional },
                new Attendee { EmailAddress = new EmailAddress { Address = External }, Type = AttendeeType.Required },
            ],
        });

        Assert.NotNull(created?.Id);
        Assert.True(created.IsOrganizer);
        Assert.Equal(Alice, created.Organizer!.EmailAddress!.Address);
        Assert.Equal(new DateTimeOffset(2026, 1, 6, 9, 0, 0, TimeSpan.Zero), created.Start!.ToDateTimeOffset());
        var bob = t.Host.Organization.Find(Bob, created.ICalUId!);
        var carol = t.Host.Organization.Find(Carol, created.ICalUId!);
        Assert.NotNull(bob);
        Assert.NotNull(carol);
        Assert.Equal(3, new[] { created.Id, bob.Id, carol.Id }.Distinct().Count());
        Assert.Equal(
            [Bob, Carol, External],
            t.Host.Organization.Messages.Where(m => m.Kind == MessageKind.Invitation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Update_ByOrganizer_RefreshesAttendeeCopiesAndSendsUpdates()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob, Dave));
        var graph = t.Graph();

        var updated = await graph.Users[Alice].Events[meeting.Id].PatchAsync(new Event
        {
            Subject = "Review (moved)",
            Start = new DateTimeTimeZone { DateTime = "2026-01-07T09:00:00", TimeZone = "UTC" },
            End = new DateTimeTimeZone { DateTime = "2026-01-07T10:00:00", TimeZone = "UTC" },
        });

        Assert.Equal("Review (moved)", updated!.Subject);
        Assert.NotEqual(meeting.Id, t.Host.Organization.Find(Bob, meeting.ICalUid)!.Id);
        Assert.Equal("Review (moved)", t.Host.Organization.Find(Bob, meeting.ICalUid)!.Subject);
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), t.Host.Organization.Find(Dave, meeting.ICalUid)!.Start);
        Assert.Equal(2, t.Host.Organization.Messages.Count(m => m.Kind == MessageKind.Update));
    }

    [Fact]
    public async Task Delete_OrganizerEvent_CancelsAndNotifiesAttendees()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob, Carol));

        await t.Graph().Users[Alice].Events[meeting.Id].DeleteAsync();

        Assert.Empty(t.Host.Organization.Calendar(Alice));
        Assert.True(t.Host.Organization.Find(Bob, meeting.ICalUid)!.IsCancelled);
        Assert.Null(t.Host.Organization.Find(Carol, meeting.ICalUid));
        Assert.Equal([Bob, Carol], t.Host.Organization.Messages.Where(m => m.Kind == MessageKind.Cancellation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delete_AttendeeCopy_RemovesOnlyThatCopyAndSendsNothing()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob, Carol));
        var before = t.Host.Organization.Messages.Count;
        var bobCopy = t.Host.Organization.Find(Bob, meeting.ICalUid)!;

        await t.Graph().Users[Bob].Events[bobCopy.Id].DeleteAsync();

        Assert.Null(t.Host.Organization.Find(Bob, meeting.ICalUid));
        Assert.NotNull(t.Host.Organization.Find(Alice, meeting.ICalUid));
        Assert.NotNull(t.Host.Organization.Find(Carol, meeting.ICalUid));
        Assert.Equal(before, t.Host.Organization.Messages.Count);
    }

    [Fact]
    public async Task Decline_ByAttendee_OrganizerSeesDeclineInDelta()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        var graph = t.Graph();
        var alice = await FullDeltaAsync(graph, Alice, 10);
        var bobCopy = t.Host.Organization.Find(Bob, meeting.ICalUid)!;

        await graph.Users[Bob].Events[bobCopy.Id].Decline.PostAsync(new DeclinePostRequestBody { Comment = "Away", SendResponse = true });

        var changed = Assert.Single((await FullDeltaAsync(graph, Alice, 10, alice.DeltaLink)).Events);
        var line = Assert.Single(changed.Attendees!);
        Assert.Equal(ResponseType.Declined, line.Status!.Response);
        Assert.Contains(t.Host.Organization.Messages, m => m is { Kind: MessageKind.Response, From: Bob, To: Alice });
        Assert.Null(t.Host.Organization.Find(Bob, meeting.ICalUid));
    }

    [Fact]
    public async Task Get_UnknownEvent_Answers404ErrorItemNotFound()
    {
        await using var t = await StartAsync();

        var error = await Assert.ThrowsAsync<ODataError>(() => t.Graph().Users[Alice].Events["AAMkAnope="].GetAsync());

        Assert.Equal(404, error.ResponseStatusCode);
        Assert.Equal("ErrorItemNotFound", error.Error!.Code);
    }

    [Fact]
    public async Task Ids_SameSeedSameMoves_AreIdentical()
    {
        async Task<string[]> RunAsync()
        {
            await using var t = await StartAsync();
            var m = t.Host.Organization.ScheduleMeeting(Alice, Draft("x", 1, Bob, Carol));
            return [m.Id, m.ICalUid, t.Host.Organization.Find(Bob, m.ICalUid)!.Id, t.Host.Organization.Find(Carol, m.ICalUid)!.Id];
        }

        Assert.Equal(await RunAsync(), await RunAsync());
    }
}
