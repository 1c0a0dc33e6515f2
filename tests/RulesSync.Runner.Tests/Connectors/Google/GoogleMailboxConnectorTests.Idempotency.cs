using System.Text.RegularExpressions;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>
/// Creates ask for an event id derived from the effect's idempotency key: Google refuses a repeat with 409
/// "duplicate", and the connector returns the event already there.
/// </summary>
public sealed partial class GoogleMailboxConnectorTests
{
    private const string Key = "effect-1#0:create-event";

    [Fact]
    public void EventIdFor_IsBase32HexOfTheKeysSha256_StableAndDistinct()
    {
        var id = GoogleMailboxConnector.EventIdFor(Key);

        Assert.Matches(new Regex("^[a-v0-9]{52}$"), id);
        Assert.Equal(id, GoogleMailboxConnector.EventIdFor(Key));
        Assert.NotEqual(id, GoogleMailboxConnector.EventIdFor("effect-2#0:create-event"));

        // RFC 4648 base32hex of SHA-256("") (e3b0c442...), lower case, without padding.
        Assert.Equal("seoc8gkovge196nruj49irtp4gjqsgf4cidp6j54imchmu2in1ag", GoogleMailboxConnector.EventIdFor(string.Empty));
    }

    [Fact]
    public async Task CreateEvent_SameKeyTwiceAcrossARestart_409ThenTheSameEventAttendeesInvitedOnce()
    {
        await using var t = await StartAsync();
        var options = new GoogleConnectorOptions { SendUpdates = "all" };
        var content = Content("Kick-off", 1, Carol, Alice, Dave, External);

        string first, again;
        using (var before = GoogleTestSetup.Connect(t, options))
        {
            first = (await before.ForMailbox(Carol).CreateEventAsync(content, Key)).EventId;
        }

        using (var after = GoogleTestSetup.Connect(t, options))
        {
            var write = await after.ForMailbox(Carol).CreateEventAsync(content, Key);
            again = write.EventId;
            Assert.False(write.Item!.Removed);
            Assert.Equal([Alice, Dave, External], write.Item.Attendees.Select(a => a.Address));
        }

        Assert.Equal(GoogleMailboxConnector.EventIdFor(Key), first);
        Assert.Equal(first, again);
        Assert.Equal(first, Assert.Single(t.Organization.Calendar(Carol)).Id);
        Assert.Equal((2, 1), (t.Host.Counters.ForRoute("google.events.insert"), t.Host.Counters.ForRoute("google.events.get")));
        Assert.Equal([Alice, Dave, External], t.Organization.Messages.Where(m => m.Kind == MessageKind.Invitation).Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.AlreadyCreated);
        Assert.DoesNotContain(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.GaveUp);
    }

    [Fact]
    public async Task CreateEvent_DifferentKeys_TwoEvents()
    {
        await using var t = await StartAsync();
        using var google = GoogleTestSetup.Connect(t);
        var carol = google.ForMailbox(Carol);

        var first = await carol.CreateEventAsync(Content("Kick-off", 1, Carol, Dave), Key);
        var second = await carol.CreateEventAsync(Content("Kick-off", 1, Carol, Dave), "effect-2#0:create-event");

        Assert.NotEqual(first.EventId, second.EventId);
        Assert.Equal(2, t.Organization.Calendar(Carol).Count);
    }

    [Fact]
    public async Task CreateEvent_AnswerCutOffAfterTheWrite_RetriedAnd409ReturnsTheOneEvent()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.TruncatedBody, Route = "google.events.insert" });
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { SendUpdates = "all" });

        var write = await t.CompleteWithRetriesAsync(google.ForMailbox(Carol).CreateEventAsync(Content("Kick-off", 1, Carol, Dave), Key).AsTask());

        Assert.Equal(2, t.Host.Counters.ForRoute("google.events.insert"));
        Assert.Equal(write.EventId, Assert.Single(t.Organization.Calendar(Carol)).Id);
        Assert.Equal("Kick-off", write.Item!.Subject);
        Assert.Single(t.Organization.MessagesTo(Dave), m => m.Kind == MessageKind.Invitation);
    }

    [Fact]
    public async Task CreateEvent_AnswerLostAndAttemptTimesOut_RetriedAndExactlyOneEvent()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.LostAnswer, Route = "google.events.insert", Delay = TimeSpan.FromSeconds(100) });
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { Retry = new() { AttemptTimeout = TimeSpan.FromSeconds(15) } });

        var create = google.ForMailbox(Carol).CreateEventAsync(Content("Kick-off", 1, Carol, Dave), Key).AsTask();
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromSeconds(15));
        var write = await t.CompleteWithRetriesAsync(create);

        Assert.Equal(write.EventId, Assert.Single(t.Organization.Calendar(Carol)).Id);
        Assert.Equal(GoogleMailboxConnector.EventIdFor(Key), write.EventId);
    }

    [Fact]
    public async Task CreateEvent_AgainAfterTheEventWasDeleted_CreatesNothingAndReportsItRemoved()
    {
        await using var t = await StartAsync();
        using var google = GoogleTestSetup.Connect(t);
        var carol = google.ForMailbox(Carol);
        var first = await carol.CreateEventAsync(Content("Kick-off", 1, Carol), Key);
        await carol.DeleteEventAsync(first.EventId);

        var again = await carol.CreateEventAsync(Content("Kick-off", 1, Carol), Key);

        Assert.Equal(first.EventId, again.EventId);
        Assert.True(again.Item!.Removed);
        Assert.Empty(t.Organization.Calendar(Carol));
        Assert.DoesNotContain(first.EventId, carol.Delivered.KnownEventIds);
    }
}
