using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;
using EngineResponse = RulesSync.Engine.Sync.AttendeeResponse;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>The Google connector through Google.Apis (own Calendar v3 client) against the Google Calendar emulator.</summary>
public sealed partial class GoogleMailboxConnectorTests
{
    private static MeetingContent Content(string subject, int day, string organizer, params string[] attendees) =>
        new(new MeetingUid("ignored-on-create"), subject, Epoch.AddDays(day).AddHours(9), Epoch.AddDays(day).AddHours(10), organizer,
            [.. attendees.Order(StringComparer.Ordinal)], false, MeetingType.Appointment);

    [Fact]
    public async Task ReadChanges_FullSyncInSmallPages_FollowsPageTokensAndMapsEvents()
    {
        await using var t = await StartAsync();
        var meetings = Enumerable.Range(0, 5).Select(i => t.Organization.ScheduleMeeting(Carol, Draft($"m{i}", i, Dave, External))).ToList();
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { PageSize = 2 });
        var carol = google.ForMailbox(Carol);

        var page = await carol.ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal(3, t.Host.Counters.For("google.events.list", Carol));
        Assert.Equal(5, page.Items.Length);
        var m0 = Assert.Single(page.Items, i => i.Subject == "m0");
        Assert.Equal((meetings[0].Id, meetings[0].ICalUid), (m0.EventId, m0.Uid.Value));
        Assert.True(m0.IsOrganizer);
        Assert.Equal(Carol, m0.Organizer);
        Assert.False(m0.Cancelled || m0.Removed);
        Assert.StartsWith("\"", m0.ChangeKey, StringComparison.Ordinal);
        Assert.Equal((Epoch.AddHours(1), Epoch.AddHours(2)), (m0.Start, m0.End));
        Assert.Equal(
            [new MeetingAttendee(Dave, true, EngineResponse.None), new MeetingAttendee(External, false, EngineResponse.None)],
            m0.Attendees.ToArray());

        var daveCopy = Assert.Single((await google.ForMailbox(Dave).ReadChangesAsync(MailboxCursor.Start)).Items, i => i.Uid.Value == meetings[0].ICalUid);
        Assert.False(daveCopy.IsOrganizer);
        Assert.Equal(Carol, daveCopy.Organizer);
    }

    [Fact]
    public async Task ReadChanges_FromSyncToken_ReturnsChangesResponsesAndDeletions()
    {
        await using var t = await StartAsync();
        var kept = t.Organization.ScheduleMeeting(Carol, Draft("kept", 1, Dave));
        var moved = t.Organization.ScheduleMeeting(Carol, Draft("moved", 2, Dave));
        var cancelled = t.Organization.ScheduleMeeting(Carol, Draft("cancelled", 3, Dave));
        using var google = GoogleTestSetup.Connect(t);
        var carol = google.ForMailbox(Carol);
        var dave = google.ForMailbox(Dave);
        var carolFirst = await carol.ReadChangesAsync(MailboxCursor.Start);
        var daveFirst = await dave.ReadChangesAsync(MailboxCursor.Start);

        t.Organization.Reschedule(Carol, moved.ICalUid, Epoch.AddDays(4), Epoch.AddDays(4).AddHours(1));
        t.Organization.CancelMeeting(Carol, cancelled.ICalUid);
        t.Organization.Respond(Dave, kept.ICalUid, Emulators.Organization.AttendeeResponse.Declined);
        var carolNext = await carol.ReadChangesAsync(carolFirst.Next);
        var daveNext = await dave.ReadChangesAsync(daveFirst.Next);

        Assert.Equal(Epoch.AddDays(4), Assert.Single(carolNext.Items, i => i.EventId == moved.Id).Start);
        Assert.True(Assert.Single(carolNext.Items, i => i.EventId == cancelled.Id).Removed);
        Assert.Equal(EngineResponse.Declined, Assert.Single(carolNext.Items, i => i.EventId == kept.Id).Attendees.Single().Response);
        var daveCancelledId = daveFirst.Items.Single(i => i.Uid.Value == cancelled.ICalUid).EventId;
        Assert.True(Assert.Single(daveNext.Items, i => i.EventId == daveCancelledId).Removed);
        Assert.Equal(EngineResponse.Declined, Assert.Single(daveNext.Items, i => i.Uid.Value == kept.ICalUid).OwnResponse);
        Assert.DoesNotContain(cancelled.Id, carol.Delivered.KnownEventIds);
    }

    [Fact]
    public async Task ReadChanges_SyncTokenExpired_FullResyncLosesNothingAndInventsNoDeletions()
    {
        await using var t = await StartAsync();
        var stays = t.Organization.ScheduleMeeting(Carol, Draft("stays", 1, Dave));
        var changes = t.Organization.ScheduleMeeting(Carol, Draft("changes", 2, Dave));
        var leavesWindow = t.Organization.ScheduleMeeting(Carol, Draft("leaves window", 3, Dave));
        var goes = t.Organization.ScheduleMeeting(Carol, Draft("goes", 4, Dave));
        using var google = GoogleTestSetup.Connect(t);
        var carol = google.ForMailbox(Carol);
        var first = await carol.ReadChangesAsync(MailboxCursor.Start);
        t.Organization.Reschedule(Carol, changes.ICalUid, Epoch.AddDays(5), Epoch.AddDays(5).AddHours(1));
        t.Organization.Reschedule(Carol, leavesWindow.ICalUid, Epoch.AddDays(900), Epoch.AddDays(900).AddHours(1));
        t.Organization.CancelMeeting(Carol, goes.ICalUid);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "google.events.list" });

        var page = await carol.ReadChangesAsync(first.Next);

        Assert.Equal(goes.Id, Assert.Single(page.Items, i => i.Removed).EventId);
        Assert.False(Assert.Single(page.Items, i => i.EventId == stays.Id).Removed);
        Assert.Equal(Epoch.AddDays(5), Assert.Single(page.Items, i => i.EventId == changes.Id).Start);
        var outside = Assert.Single(page.Items, i => i.EventId == leavesWindow.Id);
        Assert.Equal((false, Epoch.AddDays(900)), (outside.Removed, outside.Start));
        Assert.Equal(2, t.Host.Counters.ForRoute("google.events.get"));
        Assert.Equal(1, Assert.Single(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.FullResync).Values["Removed"]);
        Assert.Empty((await carol.ReadChangesAsync(page.Next)).Items);
    }

    [Fact]
    public async Task CreateEvent_SendUpdatesNone_MailsNobodyAndReachesOnlyGoogleCopies()
    {
        await using var t = await StartAsync();
        using var google = GoogleTestSetup.Connect(t);

        var write = await google.ForMailbox(Carol).CreateEventAsync(Content("Kick-off", 1, Carol, Alice, Dave, External), "create-" + Guid.NewGuid().ToString("N"));

        var item = Assert.IsType<MailboxItem>(write.Item);
        Assert.True(item.IsOrganizer);
        Assert.Equal((write.EventId, write.ChangeKey), (item.EventId, item.ChangeKey));
        Assert.Equal([Alice, Dave, External], item.Attendees.Select(a => a.Address));
        Assert.Empty(t.Organization.Messages);
        Assert.NotNull(t.Organization.Find(Dave, item.Uid.Value));
        Assert.Null(t.Organization.Find(Alice, item.Uid.Value));
    }

    [Fact]
    public async Task UpdateEvent_ByOrganizer_ChangesGoogleCopiesAndMailsNobody()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave));
        using var google = GoogleTestSetup.Connect(t);
        var sent = t.Organization.Messages.Count;

        var write = await google.ForMailbox(Carol).UpdateEventAsync(meeting.Id, Content("Review (moved)", 6, Carol, Dave));

        Assert.Equal("Review (moved)", write.Item!.Subject);
        Assert.Equal(Epoch.AddDays(6).AddHours(9), t.Organization.Find(Dave, meeting.ICalUid)!.Start);
        Assert.Equal(sent, t.Organization.Messages.Count);
    }

    [Fact]
    public async Task CancelEvent_ByOrganizer_SendsUpdatesAllSoEveryAttendeeIsTold()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave, Alice, External));
        using var google = GoogleTestSetup.Connect(t);

        var write = await google.ForMailbox(Carol).CancelEventAsync(meeting.Id);

        Assert.True(write.Item!.Cancelled && write.Item.Removed);
        Assert.Equal(meeting.ICalUid, write.Item.Uid.Value);
        Assert.Equal(
            [Alice, Dave, External],
            t.Organization.Messages.Where(m => m.Kind == MessageKind.Cancellation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CancelEvent_AttendeeCopy_IsRefusedBeforeAnyDeleteIsSent()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave));
        var daveCopy = t.Organization.Find(Dave, meeting.ICalUid)!;
        using var google = GoogleTestSetup.Connect(t);

        await Assert.ThrowsAsync<InvalidOperationException>(() => google.ForMailbox(Dave).CancelEventAsync(daveCopy.Id).AsTask());

        Assert.Equal(0, t.Host.Counters.ForRoute("google.events.delete"));
        Assert.NotNull(t.Organization.Find(Dave, meeting.ICalUid));
    }

    [Fact]
    public async Task DeleteEvent_AttendeeCopy_RemovesOnlyThatCopySilentlyAndTwiceIsHarmless()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Dave, Alice));
        var daveCopy = t.Organization.Find(Dave, meeting.ICalUid)!;
        using var google = GoogleTestSetup.Connect(t);
        var sent = t.Organization.Messages.Count;

        await google.ForMailbox(Dave).DeleteEventAsync(daveCopy.Id);
        await google.ForMailbox(Dave).DeleteEventAsync(daveCopy.Id);

        Assert.Null(t.Organization.Find(Dave, meeting.ICalUid));
        Assert.NotNull(t.Organization.Find(Carol, meeting.ICalUid));
        Assert.Equal(sent, t.Organization.Messages.Count);
    }

    [Fact]
    public async Task DeleteEvent_OrganizerEvent_UsesSendUpdatesNoneSoNoExchangeOrExternalAttendeeIsMailed()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Carol, Draft("Review", 1, Alice, External));
        using var google = GoogleTestSetup.Connect(t);

        await google.ForMailbox(Carol).DeleteEventAsync(meeting.Id);

        Assert.DoesNotContain(t.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
        Assert.False(t.Organization.Find(Alice, meeting.ICalUid)!.IsCancelled);
    }
}
