using System.Net;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Hosting;

public sealed partial class RequestPipelineTests
{
    [Fact]
    public async Task Concurrency_FifthGraphRequestForOneMailbox_Answers429WhenLimitIsFour()
    {
        await using var t = await StartAsync(new EmulatorOptions { GraphConcurrentRequestsPerMailbox = 4 });
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Route = "graph.events.list", Times = 4, Delay = TimeSpan.FromSeconds(10) });
        var held = Enumerable.Range(0, 4).Select(_ => t.Http.GetAsync($"v1.0/users/{Alice}/events")).ToList();
        for (var i = 0; i < 4; i++)
        {
            await t.Host.Faults.NextDelayedRequestAsync();
        }

        using var fifth = await t.Http.GetAsync($"v1.0/users/{Alice}/events");
        using var otherMailbox = await t.Http.GetAsync($"v1.0/users/{Bob}/events");
        t.Time.Advance(TimeSpan.FromSeconds(10));
        var released = await Task.WhenAll(held);

        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.NotNull(fifth.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, otherMailbox.StatusCode);
        Assert.All(released, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(5, t.Host.Counters.PeakConcurrency(Alice));
        Assert.Equal(1, t.Host.Counters.PeakConcurrency(Bob));
        foreach (var response in released)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Concurrency_NoLimitConfigured_AdmitsAllAndStillCountsPeak()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Route = "graph.events.list", Times = 6, Delay = TimeSpan.FromSeconds(1) });
        var held = Enumerable.Range(0, 6).Select(_ => t.Http.GetAsync($"v1.0/users/{Alice}/events")).ToList();
        for (var i = 0; i < 6; i++)
        {
            await t.Host.Faults.NextDelayedRequestAsync();
        }

        t.Time.Advance(TimeSpan.FromSeconds(1));
        var released = await Task.WhenAll(held);

        Assert.All(released, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(6, t.Host.Counters.PeakConcurrency(Alice));
        foreach (var response in released)
        {
            response.Dispose();
        }
    }
}
