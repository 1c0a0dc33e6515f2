using System.Diagnostics;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Diagnostics;

/// <summary>
/// What the runner measures and traces on a live run against the emulators (<see cref="TelemetryRun"/>), read
/// through the in-memory exporters and checked against the journal and the emulators' own request counts.
/// </summary>
[Collection(nameof(RunsAlone))]
public sealed class RunnerTelemetryTests
{
    [Fact]
    public async Task Metrics_LiveRun_CountWhatTheJournalAndTheEmulatorsRecorded()
    {
        await using var run = await TelemetryRun.StartAsync();
        await run.ActAsync();
        var metrics = run.Metrics();
        var store = run.H.Store;

        // Decisions by action and rule: one per journaled decision.
        var journal = store.Decisions(0, long.MaxValue);
        Assert.NotEmpty(journal);
        var journaled = new SortedDictionary<string, long>(
            journal.GroupBy(d => $"{d.Action}|{d.Rule}").ToDictionary(g => g.Key, g => (long)g.Count()), StringComparer.Ordinal);
        Assert.Equal(journaled, TelemetryRun.By(metrics, "rulesync.decisions", "action", "rule"));

        // Effects by kind and result: what the journal's effect rows say (nothing was approved or re-run).
        foreach (var status in new[] { EffectStatus.Applied, EffectStatus.Failed, EffectStatus.Held })
        {
            var rows = store.Effects(status);
            var expected = new SortedDictionary<string, long>(
                rows.GroupBy(r => r.Kind).ToDictionary(g => g.Key, g => (long)g.Count()), StringComparer.Ordinal);
            var result = StateStore.ResultName(status);
            var measured = TelemetryRun.By(metrics, "rulesync.effects", "result", "kind")
                .Where(p => p.Key.StartsWith(result + "|", StringComparison.Ordinal))
                .ToDictionary(p => p.Key[(result.Length + 1)..], p => p.Value);
            Assert.Equal(expected, new SortedDictionary<string, long>(measured, StringComparer.Ordinal));
        }

        Assert.NotEmpty(store.Effects(EffectStatus.Applied));
        Assert.NotEmpty(store.Effects(EffectStatus.Held));

        // The gauges read the state: effects awaiting review, each mailbox's breaker closed.
        using (StateGauges.Observe(store))
        {
            var now = run.Metrics();
            Assert.Equal(store.Effects(EffectStatus.Held).Count, TelemetryRun.Gauge(now, "rulesync.effects.awaiting_review"));
            Assert.Equal(3, TelemetryRun.Points(now, "rulesync.mailbox.breaker").Count);
            Assert.All(TelemetryRun.Points(now, "rulesync.mailbox.breaker"), p => Assert.Equal(0, p.Value));
        }

        // Requests by provider: every request the emulators saw (sign-in excluded), each answered.
        var routes = run.H.T.Host.Counters.Routes;
        long Routes(string prefix) => routes.Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(r => r.Value);
        Assert.False(routes.ContainsKey("graph.batch"), "a $batch counts once per sub-request at the emulator: compare differently");
        Assert.Equal(Routes("crm."), TelemetryRun.Sum(metrics, "rulesync.requests", t => (string?)t["provider"] == "crm"));
        Assert.Equal(Routes("graph."), TelemetryRun.Sum(metrics, "rulesync.requests", t => (string?)t["provider"] == "graph"));
        Assert.Equal(Routes("google."), TelemetryRun.Sum(metrics, "rulesync.requests", t => (string?)t["provider"] == "google"));
        Assert.Equal(0, TelemetryRun.Sum(metrics, "rulesync.requests", t => (int)t["status"]! == 0));
        Assert.Equal(0, TelemetryRun.Sum(metrics, "rulesync.requests.throttled"));

        // Three cycles, each syncing every mailbox; one sync duration per mailbox and cycle.
        Assert.Equal(3, TelemetryRun.Sum(metrics, "rulesync.cycles", t => (string?)t["outcome"] == "synced"));
        Assert.Equal(
            ["alice@contoso.example|3", "bob@contoso.example|3", "carol@contoso.example|3"],
            TelemetryRun.Histograms(metrics, "rulesync.mailbox.sync.duration", "mailbox").Select(p => $"{p.Key}|{p.Value}"));
    }

    [Fact]
    public async Task Traces_LiveRun_NestRequestUnderEffectUnderDecisionUnderMailboxSyncUnderCycle()
    {
        await using var run = await TelemetryRun.StartAsync();
        await run.ActAsync();
        var spans = run.Spans;
        var byId = spans.ToDictionary(s => s.SpanId);
        Activity? Parent(Activity a) => byId.GetValueOrDefault(a.ParentSpanId);

        var cycles = spans.Where(s => s.OperationName == "rulesync.cycle").ToList();
        Assert.Equal(3, cycles.Count);
        Assert.All(cycles, c => Assert.Equal(default, c.ParentSpanId));
        Assert.Equal([1L, 2L, 3L], cycles.Select(c => (long)c.GetTagItem("rulesync.cycle")!));

        var syncs = spans.Where(s => s.OperationName == "rulesync.mailbox.sync").ToList();
        Assert.Equal(9, syncs.Count);
        Assert.All(syncs, s => Assert.Equal("rulesync.cycle", Parent(s)?.OperationName));

        var decisions = spans.Where(s => s.OperationName == "rulesync.decision").ToList();
        Assert.Equal(run.H.Store.DecisionCount(), decisions.Count);
        Assert.All(decisions, d =>
        {
            Assert.Equal("rulesync.mailbox.sync", Parent(d)?.OperationName);
            Assert.Equal(d.GetTagItem("rulesync.mailbox"), Parent(d)!.GetTagItem("rulesync.mailbox"));
            Assert.NotNull(d.GetTagItem("rulesync.meeting"));
            Assert.Contains((string?)d.GetTagItem("rulesync.outcome"), new[] { "completed", "superseded" });
        });

        // Every effect runs under its decision, and every write request under its effect.
        var effects = spans.Where(s => s.OperationName == "rulesync.effect").ToList();
        Assert.NotEmpty(effects);
        Assert.All(effects, e => Assert.Equal("rulesync.decision", Parent(e)?.OperationName));
        var requests = spans.Where(s => s.Kind == ActivityKind.Client).ToList();
        Assert.All(
            requests.Where(r => (string?)r.GetTagItem("http.request.method") is "POST" or "PATCH" or "DELETE" or "MERGE"),
            r => Assert.Equal("rulesync.effect", Parent(r)?.OperationName));
        var chain = requests
            .Select(r => new[] { r, Parent(r), Parent(r) is { } e ? Parent(e) : null })
            .First(c => c[1]?.OperationName == "rulesync.effect");
        Assert.Equal("rulesync.mailbox.sync", Parent(chain[2]!)?.OperationName);
        Assert.Equal("rulesync.cycle", Parent(Parent(chain[2]!)!)?.OperationName);

        // Reads (the delta, the CRM poll) run under the mailbox sync or the cycle, never outside a trace.
        Assert.All(requests, r => Assert.NotNull(Parent(r)));
        Assert.All(requests, r => Assert.Equal(cycles.Single(c => c.TraceId == r.TraceId).TraceId, r.TraceId));
    }

    [Fact]
    public async Task Telemetry_LiveRun_CarriesNoSecret()
    {
        await using var run = await TelemetryRun.StartAsync();
        await run.ActAsync();
        var metrics = run.Metrics();
        var secrets = new[]
        {
            TelemetryRun.CrmPassword,
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("sync-user:" + TelemetryRun.CrmPassword)),
            run.H.Options.Graph.ClientSecret!,
            System.Text.Json.JsonDocument.Parse(run.H.Options.Google.ServiceAccountKeyJson!).RootElement.GetProperty("private_key").GetString()!.Split('\n')[1],
        };

        var exported = new List<string>();
        foreach (var span in run.Spans)
        {
            exported.Add(span.DisplayName);
            exported.Add(span.StatusDescription ?? string.Empty);
            exported.AddRange(span.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            exported.AddRange(span.Events.Select(e => e.Name));
        }

        foreach (var metric in metrics)
        {
            foreach (var point in metric.MetricPoints)
            {
                exported.AddRange(TelemetryRun.Tags(point).Select(t => $"{t.Key}={t.Value}"));
            }
        }

        exported.Add(run.H.T.Logs.AllText);
        Assert.NotEmpty(run.Spans);
        Assert.Contains(exported, e => e.Contains("url.path=", StringComparison.Ordinal));
        Assert.All(secrets, s => Assert.True(s.Length >= 8, "the secret to look for is too short to mean anything"));
        Assert.All(secrets, s => Assert.DoesNotContain(exported, e => e.Contains(s, StringComparison.Ordinal)));
        Assert.DoesNotContain(exported, e => e.Contains('?', StringComparison.Ordinal) && e.StartsWith("url.", StringComparison.Ordinal));
    }
}
