using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Push;

/// <summary>The notification outbox's fault knobs (drop, duplicate, delay) on a real channel's messages.</summary>
public sealed class PushOutboxTests : SinkedEmulators
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var watch = await T.Http.PostAsJsonAsync(new Uri(T.Host.GoogleBaseUri, $"calendar/v3/calendars/{Uri.EscapeDataString(Carol)}/events/watch"), new JsonObject
        {
            ["id"] = "channel-1",
            ["type"] = "web_hook",
            ["address"] = Sink.Url("google").AbsoluteUri,
            ["token"] = "t",
            ["expiration"] = Epoch.AddDays(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        });
        watch.EnsureSuccessStatusCode();
        await T.Host.Push.DeliverDueAsync();
    }

    [Fact]
    public async Task DropNext_OneChange_NeverSentAndCounted()
    {
        T.Host.Push.DropNext = 1;

        T.Host.Organization.ScheduleMeeting(Carol, Draft("Dropped"));
        T.Host.Organization.ScheduleMeeting(Carol, Draft("Sent"));
        await T.Host.Push.DeliverDueAsync();

        Assert.Equal(1, T.Host.Push.Dropped);
        Assert.Equal(["1", "3"], Sink.Notifications.Select(n => n.Headers["X-Goog-Message-Number"]));
    }

    [Fact]
    public async Task DuplicateNext_OneChange_SentTwiceWithTheSameMessageNumber()
    {
        T.Host.Push.DuplicateNext = 1;

        T.Host.Organization.ScheduleMeeting(Carol, Draft("Twice"));
        var sent = await T.Host.Push.DeliverDueAsync();

        Assert.Equal(2, sent);
        Assert.Equal(1, T.Host.Push.Duplicated);
        Assert.Equal(["1", "2", "2"], Sink.Notifications.Select(n => n.Headers["X-Goog-Message-Number"]));
    }

    [Fact]
    public async Task Delay_TwoMinutes_DueOnlyOnceTheEmulatorsClockPassedIt()
    {
        T.Host.Push.Delay = TimeSpan.FromMinutes(2);

        T.Host.Organization.ScheduleMeeting(Carol, Draft("Late"));
        var early = await T.Host.Push.DeliverDueAsync();
        T.Time.Advance(TimeSpan.FromMinutes(1));
        var stillEarly = await T.Host.Push.DeliverDueAsync();
        T.Time.Advance(TimeSpan.FromMinutes(1));
        var due = await T.Host.Push.DeliverDueAsync();

        Assert.Equal((0, 0, 1), (early, stillEarly, due));
        Assert.Equal(0, T.Host.Push.Pending);
        Assert.Equal(202, T.Host.Push.Deliveries[^1].Status);
    }

    [Fact]
    public async Task Deliver_ReceiverGone_StatusZeroAndNotRetried()
    {
        await Sink.DisposeAsync();

        T.Host.Organization.ScheduleMeeting(Carol, Draft("Nobody home"));
        var sent = await T.Host.Push.DeliverDueAsync();
        var again = await T.Host.Push.DeliverDueAsync();

        Assert.Equal((1, 0), (sent, again));
        Assert.Equal(0, T.Host.Push.Deliveries[^1].Status);
        Sink = await WebhookSink.StartAsync();
    }
}
