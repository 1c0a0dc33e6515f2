using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>Throttling, concurrency and injected faults: each gives the documented behaviour and loses nothing.</summary>
public sealed partial class GraphMailboxConnectorTests
{
    [Fact]
    public async Task ReadChanges_Throttled429_WaitsExactlyRetryAfterOnTheClockThenLosesNothing()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.calendarView.delta", RetryAfter = TimeSpan.FromSeconds(7) });
        using var graph = GraphTestSetup.Connect(t);
        var started = t.Time.GetUtcNow();

        var read = graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask();
        var delay = await t.AdvanceThroughRetryAsync(read);
        var page = await read;

        Assert.Equal(TimeSpan.FromSeconds(7), delay);
        Assert.Equal(started.AddSeconds(7), t.Time.GetUtcNow());
        Assert.Equal(3, page.Items.Length);
        Assert.Equal(2, t.Host.Counters.For("graph.calendarView.delta", Alice));
    }

    [Theory]
    [InlineData(FaultKind.Unavailable)]
    [InlineData(FaultKind.MalformedJson)]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.ShortPage)]
    public async Task ReadChanges_FaultOnSecondPage_RetriesOrFollowsAndLosesNothing(FaultKind kind)
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 7; i++)
        {
            t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob));
        }

        t.Host.Faults.Add(new FaultRule { Kind = kind, Route = "graph.calendarView.delta", FromNth = 2, PageSize = 0 });
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { PageSize = 3 });
        var delays = new List<TimeSpan>();

        var page = await t.CompleteWithRetriesAsync(graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask(), delays);

        Assert.Equal(7, page.Items.Select(i => i.EventId).Distinct().Count());
        Assert.Equal(kind == FaultKind.ShortPage ? [] : [TimeSpan.FromSeconds(1)], delays);
    }

    [Fact]
    public async Task ReadChanges_ServerHoldsTheRequest_AttemptTimesOutOnTheClockAndIsRetried()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Alice, Draft("m", 1, Bob));
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Timeout, Route = "graph.calendarView.delta", Delay = TimeSpan.FromSeconds(100) });
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { Retry = new() { AttemptTimeout = TimeSpan.FromSeconds(20) } });

        var read = graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask();
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromSeconds(20));
        var page = await t.CompleteWithRetriesAsync(read);

        Assert.Single(page.Items);
        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled && e.Message.Contains("no answer within", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateEvent_Throttled_RetriedAfterRetryAfterAndCreatedExactlyOnce()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.events.create", RetryAfter = TimeSpan.FromSeconds(3) });
        using var graph = GraphTestSetup.Connect(t);

        var create = graph.ForMailbox(Alice).CreateEventAsync(Content("Kick-off", 1, Alice, Bob), "create-" + Guid.NewGuid().ToString("N")).AsTask();
        Assert.Equal(TimeSpan.FromSeconds(3), await t.AdvanceThroughRetryAsync(create));
        var write = await create;

        Assert.Single(t.Organization.Calendar(Alice));
        Assert.Equal(write.EventId, t.Organization.Calendar(Alice)[0].Id);
        Assert.Single(t.Organization.Messages, m => m.Kind == MessageKind.Invitation);
    }

    [Fact]
    public async Task Writes_TenConcurrentOnOneMailbox_AtMostFourInFlightAndNoneThrottled()
    {
        await using var t = await StartAsync(new EmulatorOptions { GraphConcurrentRequestsPerMailbox = 4 });
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Route = "graph.events.create", Times = null, Delay = TimeSpan.FromSeconds(1) });
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);

        var creates = Enumerable.Range(0, 10).Select(i => alice.CreateEventAsync(Content($"m{i}", i, Alice, Bob), "create-" + Guid.NewGuid().ToString("N")).AsTask()).ToList();
        for (var remaining = 10; remaining > 0; remaining -= 4)
        {
            for (var held = 0; held < Math.Min(4, remaining); held++)
            {
                await t.Host.Faults.NextDelayedRequestAsync();
            }

            Assert.Equal(4, t.Host.Counters.PeakConcurrency(Alice));
            t.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var writes = await Task.WhenAll(creates);

        Assert.Equal(10, writes.Select(w => w.EventId).Distinct().Count());
        Assert.Equal(4, t.Host.Counters.PeakConcurrency(Alice));
        Assert.Equal(10, t.Host.Counters.ForRoute("graph.events.create"));
        Assert.DoesNotContain(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
    }

    [Fact]
    public async Task GetEvents_OneSubRequestThrottledInsideTheBatch_IsFetchedAgainAfterItsRetryAfter()
    {
        await using var t = await StartAsync();
        var ids = Enumerable.Range(0, 5).Select(i => t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob)).Id).ToList();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.events.get", FromNth = 3, RetryAfter = TimeSpan.FromSeconds(2) });
        using var graph = GraphTestSetup.Connect(t);

        var found = await graph.ForMailbox(Alice).GetEventsAsync(ids);

        Assert.Equal(5, found.Values.Count(v => v is not null));
        Assert.Equal(2, t.Host.Counters.ForRoute("graph.batch"));
        Assert.Equal(6, t.Host.Counters.ForRoute("graph.events.get"));
    }

    [Fact]
    public async Task ReadChanges_NextLinkExpiresMidFullRound_RestartsTheRoundAndLosesNothing()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob));
        }

        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "graph.calendarView.delta", FromNth = 2 });
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { PageSize = 2 });
        var alice = graph.ForMailbox(Alice);

        var page = await alice.ReadChangesAsync(MailboxCursor.Start);

        Assert.Equal(5, page.Items.Select(i => i.EventId).Distinct().Count());
        Assert.DoesNotContain(page.Items, i => i.Removed);
        Assert.Empty((await alice.ReadChangesAsync(page.Next)).Items);
    }
}
