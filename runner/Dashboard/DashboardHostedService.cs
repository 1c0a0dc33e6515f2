using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;
using ConfiguredDashboard = RulesSync.Runner.Configuration.DashboardOptions;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Serves the operator dashboard beside the sync loop of <c>rulesync run</c> (not with <c>--once</c>), over the
/// runner's own state file, at the configured address (loopback unless configured otherwise) with the configured
/// operator token (without one the dashboard is read-only), with <c>/healthz</c>, <c>/readyz</c> over the same state
/// file and, when configured, the Prometheus scrape endpoint <c>/metrics</c>.
/// </summary>
internal sealed class DashboardHostedService(
    ConfiguredDashboard options, StateStore store, TimeProvider time, ILoggerFactory loggers, TimeSpan? readyWithin = null, bool prometheus = false) : IHostedService, IAsyncDisposable
{
    /// <summary>The readiness probe's patience when none is given: three default sync intervals.</summary>
    public static readonly TimeSpan DefaultReadyWithin = TimeSpan.FromMinutes(15);

    private DashboardServer? server;

    /// <summary>Where the dashboard listens, once started.</summary>
    public IReadOnlyList<Uri> Addresses => server?.Addresses ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        server = await DashboardServer.StartAsync(
            new StoreOperatorConsole(store, time),
            options,
            time,
            loggers,
            new HealthEndpoints(new ReadinessProbe(store, time, readyWithin ?? DefaultReadyWithin).Check, prometheus),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (server is not null)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
