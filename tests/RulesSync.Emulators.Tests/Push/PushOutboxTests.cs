using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Push;

/// <summary>The notification outbox's fault knobs (drop, duplicate, delay) on a real channel's messages.</summary>
public sealed class PushOutboxTests : IAsyncLifetime
{
    private TestHost t = null!;
    private WebhookSink sink = null!;

    public async Task InitializeAsync()
    {
        t = await StartAsync();
        sink = await WebhookSink.StartAsync();
        using var watch = await t.Http.PostAsJsonAsync(new Uri(t.Host.GoogleBaseUri, $"calendar/v3/calendars/{Uri.EscapeDataString(Carol)}/events/watch"), new JsonObject
        {
            ["id"] = "channel-1",
            ["type"] = "web_hook",
            ["address"] = sink.Url("google").AbsoluteUri,
            ["token"] = "t",
            ["expiration"] = Epoch.AddDays(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        });
        watch.EnsureSuccessStatusCode();
        await t.Host.Push.DeliverDueAsync();
    }

    public async Task DisposeAsync()
    {
        await sink.DisposeAsync();
        await t.DisposeAsync();
    }

    [Fact]
    public async Task DropNext_OneChange_NeverSentAndCounted()
    {
        t.Host.Push.DropNext = 1;

        t.Host.Organization.ScheduleMeeting(Carol, Draft("Dropped"));
        t.Host.Organization.ScheduleMeeting(Carol, Draft("Sent"));
        await t.Host.Push.DeliverDueAsync();

        Assert.Equal(1, t.Host.Push.Dropped);
        Assert.Equal(["1", "3"], sink.Notifications.Select(n => n.Headers["X-Goog-Message-Number"]));
    }

    [Fact]
    public async Task DuplicateNext_OneChange_SentTwiceWithTheSameMessageNumber()
    {
        t.Host.Push.DuplicateNext = 1;

        t.Host.Organization.ScheduleMeeting(Carol, Draft("Twice"));
        var sent = await t.Host.Push.DeliverDueAsync();

        Assert.Equal(2, sent);
        Assert.Equal(1, t.Host.Push.Duplicated);
        Assert.Equal(["1", "2", "2"], sink.Notifications.Select(n => n.Headers["X-Goog-Message-Number"]));
    }

    [Fact]
    public async Task Delay_TwoMinutes_DueOnlyOnceTheEmulatorsClockPassedIt()
    {
        t.Host.Push.Delay = TimeSpan.FromMinutes(2);

        t.Host.Organization.ScheduleMeeting(Carol, Draft("Late"));
        var early = await t.Host.Push.DeliverDueAsync();
        t.Time.Advance(TimeSpan.FromMinutes(1));
        var stillEarly = await t.Host.Push.DeliverDueAsync();
        t.Time.Advance(TimeSpan.FromMinutes(1));
        var due = await t.Host.Push.DeliverDueAsync();

        Assert.Equal((0, 0, 1), (early, stillEarly, due));
        Assert.Equal(0, t.Host.Push.Pending);
        Assert.Equal(202, t.Host.Push.Deliveries[^1].Status);
    }

    [Fact]
    public async Task Deliver_ReceiverGone_StatusZeroAndNotRetried()
    {
        await sink.DisposeAsync();

        t.Host.Organization.ScheduleMeeting(Carol, Draft("Nobody home"));
        var sent = await t.Host.Push.DeliverDueAsync();
        var again = await t.Host.Push.DeliverDueAsync();

        Assert.Equal((1, 0), (sent, again));
        Assert.Equal(0, t.Host.Push.Deliveries[^1].Status);
        sink = await WebhookSink.StartAsync();
    }

    private static MeetingDraft Draft(string subject) =>
        new(subject, Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), [External]);
}
