using System.Text.Json.Nodes;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;
using RulesSync.Emulators.Organization;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Organization;

/// <summary>One meeting seen through both protocols: Exchange organizer, Google attendee and back.</summary>
public sealed class CrossProviderTests
{
    [Fact]
    public async Task ExchangeOrganizer_GoogleAttendee_InvitationAndCancellationArriveThroughGoogleSync()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var full = JsonNode.Parse(await t.Http.GetStringAsync($"calendar/v3/calendars/{Carol}/events"))!;

        var created = await graph.Users[Alice].Events.PostAsync(new Event
        {
            Subject = "Cross",
            Start = new DateTimeTimeZone { DateTime = "2026-01-06T09:00:00", TimeZone = "UTC" },
            End = new DateTimeTimeZone { DateTime = "2026-01-06T10:00:00", TimeZone = "UTC" },
            Attendees = [new Attendee { EmailAddress = new EmailAddress { Address = Carol }, Type = AttendeeType.Required }],
        });
        var invited = JsonNode.Parse(await t.Http.GetStringAsync($"calendar/v3/calendars/{Carol}/events?syncToken={full["nextSyncToken"]}"))!;
        await graph.Users[Alice].Events[created!.Id].Cancel.PostAsync(new CancelPostRequestBody { Comment = "off" });
        var cancelled = JsonNode.Parse(await t.Http.GetStringAsync($"calendar/v3/calendars/{Carol}/events?syncToken={invited["nextSyncToken"]}"))!;

        var copy = invited["items"]![0]!;
        Assert.Equal(created.ICalUId, copy["iCalUID"]!.GetValue<string>());
        Assert.Equal(Alice, copy["organizer"]!["email"]!.GetValue<string>());
        Assert.Equal(("cancelled", copy["id"]!.GetValue<string>()), (cancelled["items"]![0]!["status"]!.GetValue<string>(), cancelled["items"]![0]!["id"]!.GetValue<string>()));
        Assert.Equal([MessageKind.Invitation, MessageKind.Cancellation], t.Host.Organization.MessagesTo(Carol).Select(m => m.Kind));
    }

    [Fact]
    public async Task GoogleAttendeeDecline_SentToExchangeOrganizer_VisibleInGraph()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, new MeetingDraft("Cross", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), [Carol]));
        var carolCopy = t.Host.Organization.Find(Carol, meeting.ICalUid)!;

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"calendar/v3/calendars/{Carol}/events/{carolCopy.Id}?sendUpdates=all")
        {
            Content = new StringContent("""{"attendees":[{"email":"carol@contoso.example","responseStatus":"declined"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await t.Http.SendAsync(patch);
        var organizerView = await t.Graph().Users[Alice].Events[meeting.Id].GetAsync();

        Assert.Equal(ResponseType.Declined, Assert.Single(organizerView!.Attendees!).Status!.Response);
    }

    [Fact]
    public async Task GoogleAttendeeDeclineWithoutSending_ExchangeOrganizerDoesNotSeeIt()
    {
        await using var t = await StartAsync();
        var meeting = t.Host.Organization.ScheduleMeeting(Alice, new MeetingDraft("Cross", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), [Carol]));
        var carolCopy = t.Host.Organization.Find(Carol, meeting.ICalUid)!;

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"calendar/v3/calendars/{Carol}/events/{carolCopy.Id}?sendUpdates=none")
        {
            Content = new StringContent("""{"attendees":[{"email":"carol@contoso.example","responseStatus":"declined"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await t.Http.SendAsync(patch);

        Assert.Equal(AttendeeResponse.None, Assert.Single(t.Host.Organization.Find(Alice, meeting.ICalUid)!.Attendees).Response);
        Assert.Equal(AttendeeResponse.Declined, t.Host.Organization.Find(Carol, meeting.ICalUid)!.Response);
    }
}
