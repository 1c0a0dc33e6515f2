using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// <c>rulesync run</c> in cluster mode: this process is one silo of the cluster named in <c>cluster:</c>. The database
/// is made ready (Orleans' scripts, once), the silo joins, and the config's tenant is served by its tenant grain, which
/// runs wherever Orleans places it; its cycle comes from a reminder every <c>sync.interval</c> (at least a minute, the
/// reminders' floor). With <c>--once</c> the silo runs one cycle of the tenant through the grain and leaves.
/// </summary>
internal static class ClusterSilo
{
    /// <summary>Runs the silo; returns the last cycle's report with <paramref name="once"/>, else null after shutdown.</summary>
    public static async Task<ClusterCycleReport?> RunAsync(RunnerOptions options, bool once, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = options.Cluster ?? throw new InvalidOperationException("no cluster section");
        var connectionString = cluster.ConnectionString!;
        await ClusterDatabase.PrepareAsync(connectionString, cancellationToken).ConfigureAwait(false);

        var builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddFilter("System.Net.Http", LogLevel.Warning));
        var connections = new RunnerConnections(options, TimeProvider.System, loggers);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var notifier = new OperatorNotifier(options.Notifications, http, loggers.CreateLogger<OperatorNotifier>());
        var period = options.Sync.Interval < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : options.Sync.Interval;
        var runtime = new TenantRuntime(options, connections, notifier, TimeProvider.System, connectionString, once ? null : period);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ClusterId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            silo.UseRulesSyncCluster(connectionString, new OneTenant(options.Tenant, runtime));
        });

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var tenant = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(options.Tenant);
            if (once)
            {
                var report = await tenant.RunCycleAsync().ConfigureAwait(false);
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                return report;
            }

            // Activates the tenant (which registers its reminder); from here on the reminder drives the cycles.
            _ = await tenant.LeaseTokenAsync().ConfigureAwait(false);
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        finally
        {
            connections.Dispose();
            loggers.Dispose();
        }
    }

    /// <summary>A silo started from one config serves that config's tenant.</summary>
    private sealed class OneTenant(string name, TenantRuntime runtime) : ITenantRuntimes
    {
        public TenantRuntime For(string tenant) =>
            tenant == name ? runtime : throw new InvalidOperationException($"this silo serves tenant '{name}', not '{tenant}'");
    }
}
