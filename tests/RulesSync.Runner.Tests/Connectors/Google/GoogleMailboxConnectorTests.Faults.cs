using RulesSync.Emulators.Faults;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>Rate limits (403/429), 5xx and damaged answers: retried with backoff on the clock, nothing lost.</summary>
public sealed partial class GoogleMailboxConnectorTests
{
    [Theory]
    [InlineData(FaultKind.Throttle)]
    [InlineData(FaultKind.RateLimitForbidden)]
    [InlineData(FaultKind.Unavailable)]
    [InlineData(FaultKind.MalformedJson)]
    [InlineData(FaultKind.TruncatedBody)]
    public async Task ReadChanges_FaultOnSecondPage_RetriedOnceWithBackoffAndLosesNothing(FaultKind kind)
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            t.Organization.ScheduleMeeting(Carol, Draft($"m{i}", i, Dave));
        }

        t.Host.Faults.Add(new FaultRule { Kind = kind, Route = "google.events.list", FromNth = 2 });
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { PageSize = 2 });
        var delays = new List<TimeSpan>();

        var page = await t.CompleteWithRetriesAsync(google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start).AsTask(), delays);

        Assert.Equal(5, page.Items.Select(i => i.EventId).Distinct().Count());
        Assert.Equal([TimeSpan.FromSeconds(1)], delays);
        Assert.Equal(4, t.Host.Counters.For("google.events.list", Carol));
    }

    [Fact]
    public async Task ReadChanges_RateLimitedRepeatedly_BacksOffExponentially()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Carol, Draft("m", 1, Dave));
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "google.events.list", Times = 3 });
        using var google = GoogleTestSetup.Connect(t);
        var delays = new List<TimeSpan>();
        var started = t.Time.GetUtcNow();

        var page = await t.CompleteWithRetriesAsync(google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start).AsTask(), delays);

        Assert.Single(page.Items);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], delays);
        Assert.Equal(started.AddSeconds(7), t.Time.GetUtcNow());
    }

    [Fact]
    public async Task ReadChanges_ShortPages_FollowedUntilTheSyncToken()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Organization.ScheduleMeeting(Carol, Draft($"m{i}", i, Dave));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ShortPage, Route = "google.events.list", PageSize = 0, Times = 2 });
        using var google = GoogleTestSetup.Connect(t);
        var carol = google.ForMailbox(Carol);

        var page = await carol.ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal(3, page.Items.Length);
        Assert.Empty((await carol.ReadChangesAsync(page.Next)).Items);
    }

    [Fact]
    public async Task CreateEvent_RateLimited_RetriedAndCreatedOnce()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.RateLimitForbidden, Route = "google.events.insert" });
        using var google = GoogleTestSetup.Connect(t);

        var write = await t.CompleteWithRetriesAsync(google.ForMailbox(Carol).CreateEventAsync(Content("Kick-off", 1, Carol, Dave), "create-" + Guid.NewGuid().ToString("N")).AsTask());

        Assert.Equal(write.EventId, Assert.Single(t.Organization.Calendar(Carol)).Id);
        Assert.Equal(2, t.Host.Counters.ForRoute("google.events.insert"));
    }

    [Fact]
    public async Task ReadChanges_ServerHoldsTheRequest_AttemptTimesOutOnTheClockAndIsRetried()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Carol, Draft("m", 1, Dave));
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Timeout, Route = "google.events.list", Delay = TimeSpan.FromSeconds(100) });
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { Retry = new() { AttemptTimeout = TimeSpan.FromSeconds(15) } });

        var read = google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start).AsTask();
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromSeconds(15));

        Assert.Single((await t.CompleteWithRetriesAsync(read)).Items);
    }

    [Fact]
    public async Task ReadChanges_PageTokenRefusedMidFullSync_RestartsTheSyncAndLosesNothing()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            t.Organization.ScheduleMeeting(Carol, Draft($"m{i}", i, Dave));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "google.events.list", FromNth = 2 });
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { PageSize = 2 });
        var carol = google.ForMailbox(Carol);

        var page = await carol.ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal(5, page.Items.Select(i => i.EventId).Distinct().Count());
        Assert.DoesNotContain(page.Items, i => i.Removed);
        Assert.Empty((await carol.ReadChangesAsync(page.Next)).Items);
    }
}
