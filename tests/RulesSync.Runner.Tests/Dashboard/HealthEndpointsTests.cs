using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.State;
using ConfiguredDashboard = RulesSync.Runner.Configuration.DashboardOptions;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary><c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> on the dashboard's host, as <c>rulesync run</c> serves them over its state file.</summary>
public sealed class HealthEndpointsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Readyz_FlipsWithRulesCyclesAndTheStateFile()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Folder, "state.db");
        using var store = StateStore.Open(path, create: true);
        var time = new FakeTimeProvider(Start);
        var service = new DashboardHostedService(
            new ConfiguredDashboard { Bind = "127.0.0.1:0" }, store, time, NullLoggerFactory.Instance, readyWithin: TimeSpan.FromMinutes(15));
        await service.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = Assert.Single(service.Addresses) };

            // A fresh state: alive, not ready (no rules recorded, no cycle run).
            Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
            var (status, problems) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal(["rules: no rule set loaded yet", "cycles: no cycle has run yet"], problems);

            // Rules loaded and a cycle just run: ready.
            store.UpdateTenant(t =>
            {
                t.RuleSetHash = "abc123";
                t.LastCycleAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            });
            (status, problems) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Empty(problems);

            // No cycle for longer than the patience: unready; a new cycle: ready again.
            time.Advance(TimeSpan.FromMinutes(16));
            (status, problems) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.StartsWith("cycles: the last cycle started 00:16:00 ago", Assert.Single(problems), StringComparison.Ordinal);
            store.UpdateTenant(t => t.LastCycleAt = time.GetUtcNow().ToUnixTimeMilliseconds());
            Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http)).Status);

            // The state file clobbered under the running server: unready, still alive.
            File.WriteAllBytes(path, new byte[16384]);
            (status, problems) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.StartsWith("state file:", Assert.Single(problems), StringComparison.Ordinal);
            Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Metrics_PrometheusOn_ServesTheRunnersGaugesInTextFormat()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        store.UpdateTenant(t => t.Tenant = "contoso");
        store.EnsureMailbox("alice@contoso.example", "exchange");
        store.UpdateMailbox("alice@contoso.example", m => m.Status = MailboxStatus.Suspended);
        using var gauges = StateGauges.Observe(store);
        var service = new DashboardHostedService(
            new ConfiguredDashboard { Bind = "127.0.0.1:0" }, store, TimeProvider.System, NullLoggerFactory.Instance, prometheus: true);
        await service.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = Assert.Single(service.Addresses) };
            using var response = await http.GetAsync("/metrics");
            var text = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("# TYPE rulesync_mailbox_breaker gauge", text, StringComparison.Ordinal);
            Assert.Matches("""rulesync_mailbox_breaker[^\n]*\{[^}]*mailbox="alice@contoso.example"[^}]*\} 2""", text);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Metrics_PrometheusOff_IsNotServed()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        var service = new DashboardHostedService(new ConfiguredDashboard { Bind = "127.0.0.1:0" }, store, TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = Assert.Single(service.Addresses) };
            using var response = await http.GetAsync("/metrics");

            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, string[] Problems)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(response.StatusCode == HttpStatusCode.OK, body.RootElement.GetProperty("ready").GetBoolean());
        return (response.StatusCode, [.. body.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)]);
    }
}
