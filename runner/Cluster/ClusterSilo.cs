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
/// is made ready (Orleans' scripts, once), the silo joins, and each of its tenants (the config's and those of
/// <c>cluster.tenants</c>, <see cref="ClusterTenants"/>) is served by its tenant grain, which runs wherever Orleans
/// places it, with its own connections; its cycle comes from a reminder every <c>sync.interval</c> (at least a minute,
/// the reminders' floor). With <c>--once</c> the silo runs one cycle of each tenant through its grain and leaves.
/// </summary>
internal static class ClusterSilo
{
    /// <summary>Runs the silo for <paramref name="tenants"/>; returns each tenant's cycle report with <paramref name="once"/>, else an empty list after shutdown.</summary>
    public static async Task<IReadOnlyList<(string Tenant, ClusterCycleReport Report)>> RunAsync(
        RunnerOptions options, IReadOnlyList<RunnerOptions> tenants, bool once, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tenants);
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
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var runtimes = new Dictionary<string, TenantRuntime>(StringComparer.Ordinal);
        foreach (var t in tenants)
        {
            var period = t.Sync.Interval < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : t.Sync.Interval;
            var notifier = new OperatorNotifier(t.Notifications, http, loggers.CreateLogger<OperatorNotifier>());
            runtimes[t.Tenant] = new TenantRuntime(t, new RunnerConnections(t, TimeProvider.System, loggers), notifier, TimeProvider.System, connectionString, once ? null : period);
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ClusterId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            silo.UseRulesSyncCluster(connectionString, new ConfiguredTenants(runtimes), cluster.MaxConnections);
        });

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            if (once)
            {
                // Every tenant's cycle at once, each polled until it ends (no deadline: --once waits for the cycles,
                // Ctrl-C stops waiting); a cycle lost with its silo is started again once, on the new activation.
                var reports = await Task.WhenAll(tenants.Select(async t =>
                {
                    try
                    {
                        return (t.Tenant, await TenantCycles.RunAsync(grains, t.Tenant, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false));
                    }
                    catch (ClusterCycleException e) when (e.State == CycleState.Lost)
                    {
                        return (t.Tenant, await TenantCycles.RunAsync(grains, t.Tenant, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false));
                    }
                })).ConfigureAwait(false);

                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                return reports;
            }

            // Activates each tenant (which registers its reminder); from here on the reminders drive the cycles.
            foreach (var t in tenants)
            {
                _ = await grains.GetGrain<ITenantGrain>(t.Tenant).LeaseTokenAsync().ConfigureAwait(false);
            }

            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }
        finally
        {
            foreach (var r in runtimes.Values)
            {
                r.Connections.Dispose();
            }

            loggers.Dispose();
        }
    }

    /// <summary>A silo serves the tenants of its config (every silo of the cluster is given the same set).</summary>
    private sealed class ConfiguredTenants(Dictionary<string, TenantRuntime> runtimes) : ITenantRuntimes
    {
        public TenantRuntime For(string tenant) =>
            runtimes.TryGetValue(tenant, out var runtime)
                ? runtime
                : throw new InvalidOperationException($"this silo serves tenants {string.Join(", ", runtimes.Keys)}, not '{tenant}': give every silo the same cluster.tenants");
    }
}
