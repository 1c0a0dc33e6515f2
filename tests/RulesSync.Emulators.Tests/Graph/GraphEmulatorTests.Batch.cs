using Microsoft.Graph;
using Microsoft.Graph.Models;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Graph;

public sealed partial class GraphEmulatorTests
{
    [Fact]
    public async Task Batch_TwentyGets_AllAnsweredAndCountedOnePerSubRequest()
    {
        await using var t = await StartAsync();
        var ids = Enumerable.Range(0, 20).Select(i => t.Host.Organization.ScheduleMeeting(Alice, Draft($"m{i}", 1))).Select(m => m.Id).ToList();
        var graph = t.Graph();
        var batch = new BatchRequestContentCollection(graph);
        var steps = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            steps[await batch.AddBatchRequestStepAsync(graph.Users[Alice].Events[id].ToGetRequestInformation())] = id;
        }

        var response = await graph.Batch.PostAsync(batch);

        foreach (var (step, id) in steps)
        {
            var e = await response.GetResponseByIdAsync<Event>(step);
            Assert.Equal(id, e.Id);
        }

        Assert.Equal(1, t.Host.Counters.ForRoute("graph.batch"));
        Assert.Equal(20, t.Host.Counters.For("graph.events.get", Alice));
    }

    [Fact]
    public async Task Batch_OneSubRequestThrottled_OnlyThatOneAnswers429()
    {
        await using var t = await StartAsync();
        var ids = Enumerable.Range(0, 3).Select(i => t.Host.Organization.ScheduleMeeting(Alice, Draft($"m{i}", 1))).Select(m => m.Id).ToList();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.events.get", FromNth = 2, RetryAfter = TimeSpan.FromSeconds(7) });
        var graph = t.Graph();
        var batch = new BatchRequestContentCollection(graph);
        var steps = new List<string>();
        foreach (var id in ids)
        {
            steps.Add(await batch.AddBatchRequestStepAsync(graph.Users[Alice].Events[id].ToGetRequestInformation()));
        }

        var response = await graph.Batch.PostAsync(batch);
        var codes = await response.GetResponsesStatusCodesAsync();

        Assert.Equal([200, 429, 200], steps.Select(s => (int)codes[s]));
    }

    [Fact]
    public async Task Batch_MixedCreateAndDelete_AppliesEach()
    {
        await using var t = await StartAsync();
        var doomed = t.Host.Organization.ScheduleMeeting(Alice, Draft("doomed", 1, Bob));
        var graph = t.Graph();
        var batch = new BatchRequestContentCollection(graph);
        var create = await batch.AddBatchRequestStepAsync(graph.Users[Alice].Events.ToPostRequestInformation(new Event
        {
            Subject = "born",
            Start = new DateTimeTimeZone { DateTime = "2026-01-06T09:00:00", TimeZone = "UTC" },
            End = new DateTimeTimeZone { DateTime = "2026-01-06T10:00:00", TimeZone = "UTC" },
        }));
        var delete = await batch.AddBatchRequestStepAsync(graph.Users[Alice].Events[doomed.Id].ToDeleteRequestInformation());

        var response = await graph.Batch.PostAsync(batch);
        var codes = await response.GetResponsesStatusCodesAsync();

        Assert.Equal(201, (int)codes[create]);
        Assert.Equal(204, (int)codes[delete]);
        Assert.Equal("born", Assert.Single(t.Host.Organization.Calendar(Alice)).Subject);
    }
}
