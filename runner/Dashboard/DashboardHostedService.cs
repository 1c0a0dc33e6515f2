using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;
using ConfiguredDashboard = RulesSync.Runner.Configuration.DashboardOptions;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Serves the operator dashboard beside the sync loop of <c>rulesync run</c> (not with <c>--once</c>), over the
/// runner's own state file, at the configured address (loopback unless configured otherwise) with the configured
/// operator token (without one the dashboard is read-only).
/// </summary>
internal sealed class DashboardHostedService(ConfiguredDashboard options, StateStore store, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
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
