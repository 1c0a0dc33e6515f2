using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;
using EngineResponse = RulesSync.Engine.Sync.AttendeeResponse;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>The Graph connector through the real Microsoft.Graph SDK against the Graph emulator.</summary>
public sealed partial class GraphMailboxConnectorTests
{
    private static MeetingContent Content(string subject, int day, string organizer, params string[] attendees) =>
        new(new MeetingUid("ignored-on-create"), subject, Epoch.AddDays(day).AddHours(9), Epoch.AddDays(day).AddHours(10), organizer,
            [.. attendees.Order(StringComparer.Ordinal)], false, MeetingType.Appointment);

    [Fact]
    public async Task ReadChanges_FullRoundInSmallPages_FollowsNextLinksAndMapsEvents()
    {
        await using var t = await StartAsync();
        var meetings = Enumerable.Range(0, 5).Select(i => t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob, External))).ToList();
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { PageSize = 2 });
        var alice = graph.ForMailbox(Alice);

        var page = await alice.ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal(3, t.Host.Counters.For("graph.calendarView.delta", Alice));
        Assert.Equal(5, page.Items.Length);
        Assert.False(page.Next.IsStart);
        var m0 = Assert.Single(page.Items, i => i.Subject == "m0");
        Assert.Equal(meetings[0].Id, m0.EventId);
        Assert.Equal(meetings[0].ICalUid, m0.Uid.Value);
        Assert.True(m0.IsOrganizer);
        Assert.Equal(Alice, m0.Organizer);
        Assert.False(m0.Cancelled);
        Assert.False(m0.Removed);
        Assert.NotEmpty(m0.ChangeKey);
        Assert.Equal(Epoch.AddHours(1), m0.Start);
        Assert.Equal(Epoch.AddHours(2), m0.End);
        Assert.Equal(MeetingType.Appointment, m0.Type);
        Assert.Equal(
            [new MeetingAttendee(Bob, true, EngineResponse.None), new MeetingAttendee(External, false, EngineResponse.None)],
            m0.Attendees.ToArray());
        Assert.Equal(5, alice.Delivered.KnownEventIds.Count);
    }

    [Fact]
    public async Task ReadChanges_FromDeltaCursor_ReturnsChangesCancelledCopiesAndRemovals()
    {
        await using var t = await StartAsync();
        var kept = t.Organization.ScheduleMeeting(Alice, Draft("kept", 1, Bob));
        var moved = t.Organization.ScheduleMeeting(Alice, Draft("moved", 2, Bob));
        var cancelled = t.Organization.ScheduleMeeting(Alice, Draft("cancelled", 3, Bob));
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);
        var bob = graph.ForMailbox(Bob);
        var aliceFirst = await alice.ReadChangesAsync(MailboxCursor.Start);
        var bobFirst = await bob.ReadChangesAsync(MailboxCursor.Start);
        Assert.All(bobFirst.Items, i => Assert.False(i.IsOrganizer));
        Assert.Equal(3, bobFirst.Items.Length);

        t.Organization.Reschedule(Alice, moved.ICalUid, Epoch.AddDays(4), Epoch.AddDays(4).AddHours(1));
        t.Organization.CancelMeeting(Alice, cancelled.ICalUid, "no longer needed");
        t.Organization.Respond(Bob, kept.ICalUid, Emulators.Organization.AttendeeResponse.Accepted);
        var aliceNext = await alice.ReadChangesAsync(aliceFirst.Next);
        var bobNext = await bob.ReadChangesAsync(bobFirst.Next);

        Assert.Equal(Epoch.AddDays(4), Assert.Single(aliceNext.Items, i => i.EventId == moved.Id).Start);
        Assert.True(Assert.Single(aliceNext.Items, i => i.EventId == cancelled.Id).Removed);
        Assert.Equal(EngineResponse.Accepted, Assert.Single(aliceNext.Items, i => i.EventId == kept.Id).Attendees.Single().Response);
        var bobCancelled = Assert.Single(bobNext.Items, i => i.Uid.Value == cancelled.ICalUid);
        Assert.True(bobCancelled.Cancelled);
        Assert.False(bobCancelled.Removed);
        Assert.Equal(EngineResponse.Accepted, Assert.Single(bobNext.Items, i => i.Uid.Value == kept.ICalUid).OwnResponse);
        Assert.DoesNotContain(cancelled.Id, alice.Delivered.KnownEventIds);
    }

    [Fact]
    public async Task ReadChanges_DeltaTokenExpired_ResyncsLosingNothingAndInventingNoDeletions()
    {
        await using var t = await StartAsync();
        var stays = t.Organization.ScheduleMeeting(Alice, Draft("stays", 1, Bob));
        var changes = t.Organization.ScheduleMeeting(Alice, Draft("changes", 2, Bob));
        var leavesWindow = t.Organization.ScheduleMeeting(Alice, Draft("leaves window", 3, Bob));
        var goes = t.Organization.ScheduleMeeting(Alice, Draft("goes", 4, Bob));
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);
        var first = await alice.ReadChangesAsync(MailboxCursor.Start);
        t.Organization.Reschedule(Alice, changes.ICalUid, Epoch.AddDays(5), Epoch.AddDays(5).AddHours(1));
        t.Organization.Reschedule(Alice, leavesWindow.ICalUid, Epoch.AddDays(900), Epoch.AddDays(900).AddHours(1));
        t.Organization.CancelMeeting(Alice, goes.ICalUid);
        t.Host.Faults.Add(new() { Kind = Emulators.Faults.FaultKind.ExpiredToken, Route = "graph.calendarView.delta" });

        var page = await alice.ReadChangesAsync(first.Next);

        var removal = Assert.Single(page.Items, i => i.Removed);
        Assert.Equal(goes.Id, removal.EventId);
        Assert.False(Assert.Single(page.Items, i => i.EventId == stays.Id).Removed);
        Assert.Equal(Epoch.AddDays(5), Assert.Single(page.Items, i => i.EventId == changes.Id).Start);
        var outside = Assert.Single(page.Items, i => i.EventId == leavesWindow.Id);
        Assert.False(outside.Removed);
        Assert.Equal(Epoch.AddDays(900), outside.Start);
        Assert.Equal(1, t.Host.Counters.ForRoute("graph.batch"));
        var resync = Assert.Single(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.FullResync);
        Assert.Equal(1, resync.Values["Removed"]);

        // The new cursor works: nothing changed since.
        var after = await alice.ReadChangesAsync(page.Next);
        Assert.Empty(after.Items);
    }

    [Fact]
    public async Task CreateEvent_WithEmployeeAndExternal_InvitesBothAndReturnsTheEvent()
    {
        await using var t = await StartAsync();
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);

        var write = await alice.CreateEventAsync(Content("Kick-off", 1, Alice, Bob, External), "create-" + Guid.NewGuid().ToString("N"));

        var item = Assert.IsType<MailboxItem>(write.Item);
        Assert.Equal(write.EventId, item.EventId);
        Assert.Equal(write.ChangeKey, item.ChangeKey);
        Assert.True(item.IsOrganizer);
        Assert.Equal("Kick-off", item.Subject);
        Assert.Equal(Epoch.AddDays(1).AddHours(9), item.Start);
        Assert.Equal([Bob, External], item.Attendees.Select(a => a.Address));
        var bobCopy = t.Organization.Find(Bob, item.Uid.Value);
        Assert.NotNull(bobCopy);
        Assert.Equal(
            [Bob, External],
            t.Organization.Messages.Where(m => m.Kind == MessageKind.Invitation).Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.Contains(write.EventId, alice.Delivered.KnownEventIds);
    }

    [Fact]
    public async Task UpdateEvent_ByOrganizer_ChangesTheMeetingForAttendees()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        using var graph = GraphTestSetup.Connect(t);

        var write = await graph.ForMailbox(Alice).UpdateEventAsync(meeting.Id, Content("Review (moved)", 6, Alice, Bob, Dave));

        Assert.Equal("Review (moved)", write.Item!.Subject);
        Assert.NotEqual(meeting.Id, write.ChangeKey);
        Assert.Equal(Epoch.AddDays(6).AddHours(9), t.Organization.Find(Bob, meeting.ICalUid)!.Start);
        Assert.NotNull(t.Organization.Find(Dave, meeting.ICalUid));
        Assert.Equal([Bob, Dave], write.Item.Attendees.Select(a => a.Address));
    }

    [Fact]
    public async Task CancelEvent_ByOrganizer_SendsCancellationsWithTheComment()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob, External));
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { CancellationComment = "Cancelled in the CRM" });

        var write = await graph.ForMailbox(Alice).CancelEventAsync(meeting.Id);

        Assert.True(write.Item!.Cancelled);
        Assert.True(write.Item.Removed);
        Assert.Equal(meeting.ICalUid, write.Item.Uid.Value);
        var cancellations = t.Organization.Messages.Where(m => m.Kind == MessageKind.Cancellation).ToList();
        Assert.Equal([Bob, External], cancellations.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.All(cancellations, m => Assert.Equal("Cancelled in the CRM", m.Detail));
        Assert.True(t.Organization.Find(Bob, meeting.ICalUid)!.IsCancelled);
    }

    [Fact]
    public async Task CancelEvent_AttendeeCopy_IsRefusedBeforeAnyCancelIsSent()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        var bobCopy = t.Organization.Find(Bob, meeting.ICalUid)!;
        using var graph = GraphTestSetup.Connect(t);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => graph.ForMailbox(Bob).CancelEventAsync(bobCopy.Id).AsTask());

        Assert.Contains("attendee", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, t.Host.Counters.ForRoute("graph.events.cancel"));
        Assert.DoesNotContain(t.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Fact]
    public async Task DeleteEvent_AttendeeCopy_RemovesOnlyThatCopyAndNotifiesNobody()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        var bobCopy = t.Organization.Find(Bob, meeting.ICalUid)!;
        using var graph = GraphTestSetup.Connect(t);
        var sentBefore = t.Organization.Messages.Count;

        await graph.ForMailbox(Bob).DeleteEventAsync(bobCopy.Id);

        Assert.Null(t.Organization.Find(Bob, meeting.ICalUid));
        Assert.NotNull(t.Organization.Find(Alice, meeting.ICalUid));
        Assert.Equal(sentBefore, t.Organization.Messages.Count);
    }

    [Fact]
    public async Task DeleteEvent_OrganizerEventWithAttendees_IsRefusedAndNothingIsSent()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob, External));
        using var graph = GraphTestSetup.Connect(t);

        var error = await Assert.ThrowsAsync<OrganizerDeleteRefusedException>(() => graph.ForMailbox(Alice).DeleteEventAsync(meeting.Id).AsTask());

        Assert.Equal(meeting.Id, error.EventId);
        Assert.Contains("cancellation", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, t.Host.Counters.ForRoute("graph.events.delete"));
        Assert.DoesNotContain(t.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
        Assert.NotNull(t.Organization.Find(Alice, meeting.ICalUid));
        Assert.False(t.Organization.Find(Bob, meeting.ICalUid)!.IsCancelled);
    }

    [Fact]
    public async Task DeleteEvent_OrganizerEventWithoutAttendees_DeletesIt()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Focus time", 1));
        using var graph = GraphTestSetup.Connect(t);

        await graph.ForMailbox(Alice).DeleteEventAsync(meeting.Id);
        await graph.ForMailbox(Alice).DeleteEventAsync(meeting.Id);

        Assert.Null(t.Organization.Find(Alice, meeting.ICalUid));
        Assert.Equal(1, t.Host.Counters.ForRoute("graph.events.delete"));
    }

    [Fact]
    public async Task GetEvents_TwentyFiveIds_UsesBatchesNoLargerThanTheConcurrencyLimitAndReportsMissingAsNull()
    {
        await using var t = await StartAsync(new Emulators.Hosting.EmulatorOptions { GraphConcurrentRequestsPerMailbox = 4 });
        var ids = Enumerable.Range(0, 24).Select(i => t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i % 20, Bob)).Id).ToList();
        ids.Add("AAMkAGI2-no-such-event");
        using var graph = GraphTestSetup.Connect(t);

        var found = await graph.ForMailbox(Alice).GetEventsAsync(ids);

        // Graph runs a batch's sub-requests in parallel: batches of 4 (the mailbox's limit), so none is throttled.
        Assert.Equal(7, t.Host.Counters.ForRoute("graph.batch"));
        Assert.Equal(25, t.Host.Counters.ForRoute("graph.events.get"));
        Assert.Equal(0, t.Host.Counters.Throttled);
        Assert.Equal(4, t.Host.Counters.PeakConcurrency(Alice));
        Assert.Equal(25, found.Count);
        Assert.Null(found["AAMkAGI2-no-such-event"]);
        Assert.Equal("m3", found[ids[3]]!.Subject);
    }

    [Fact]
    public async Task Requests_CarryImmutableIdsUtcPageSizeAndTheBearer_OnEveryCall()
    {
        await using var t = await StartAsync();
        var meeting = t.Organization.ScheduleMeeting(Alice, Draft("Review", 1, Bob));
        using var transport = new RecordingTransport();
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { PageSize = 7 }, transport);
        var alice = graph.ForMailbox(Alice);

        var page = await alice.ReadChangesAsync(MailboxCursor.Start);
        await alice.UpdateEventAsync(meeting.Id, Content("Review", 2, Alice, Bob));
        await alice.ReadChangesAsync(page.Next);

        Assert.Equal(3, transport.Requests.Count);
        Assert.All(transport.Requests, r =>
        {
            Assert.Contains("IdType=\"ImmutableId\"", r.Prefer, StringComparison.Ordinal);
            Assert.Contains("outlook.timezone=\"UTC\"", r.Prefer, StringComparison.Ordinal);
            Assert.Contains("odata.maxpagesize=7", r.Prefer, StringComparison.Ordinal);
            Assert.StartsWith("Bearer eyJ", r.Authorization, StringComparison.Ordinal);
        });
        var first = transport.Requests.First();
        Assert.Contains("/users/alice@contoso.example/calendarView/delta()?", Uri.UnescapeDataString(first.Url), StringComparison.Ordinal);
        Assert.Contains("startDateTime=2025-12-06T08:00:00Z", Uri.UnescapeDataString(first.Url), StringComparison.Ordinal);
        Assert.Contains("endDateTime=2027-01-05T08:00:00Z", Uri.UnescapeDataString(first.Url), StringComparison.Ordinal);
        Assert.Contains("$deltatoken=", transport.Requests.Last().Url, StringComparison.Ordinal);
    }
}
