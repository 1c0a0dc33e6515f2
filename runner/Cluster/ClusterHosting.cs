using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime.Placement;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A silo and a client of the RulesSync cluster: membership and reminders in PostgreSQL through Orleans' ADO.NET
/// providers (tables from <see cref="ClusterDatabase"/>), and the tenants the silo can host.
/// </summary>
internal static class ClusterHosting
{
    /// <summary>How long a grain's activation may take, its wait for an admission slot included (Orleans' default: 30 s).</summary>
    public static readonly TimeSpan ActivationTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Membership, reminders and the tenants, for a silo, and the silo's pools of connections to the cluster database
    /// (<see cref="ClusterConnections"/>: at most <paramref name="maxConnections"/> for all its tenants, closed with the silo).
    /// </summary>
    public static ISiloBuilder UseRulesSyncCluster(this ISiloBuilder silo, string connectionString, ITenantRuntimes tenants, int maxConnections = ClusterConnections.DefaultMaxConnections) =>
        UseRulesSyncCluster(silo, connectionString, tenants, pools: null, maxConnections);

    /// <summary>
    /// As above, over pools the caller owns (<paramref name="pools"/>: the silo does not close them when it stops). The
    /// in-process test cluster's partition tests need them: a silo "killed" in process still has activations running,
    /// as a cut-off process would, and those must meet the fence, not a closed pool.
    /// </summary>
    internal static ISiloBuilder UseRulesSyncCluster(this ISiloBuilder silo, string connectionString, ITenantRuntimes tenants, ClusterConnections? pools, int maxConnections = ClusterConnections.DefaultMaxConnections)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
        // A tenant's activation waits for a slot of the silo's admission (SiloAdmission) before its store work: 100
        // tenants activating at once on a starting silo queue longer than Orleans' default 30 s, which cancelled the
        // waiting activations. Their callers' calls still time out after 30 s and ask again (TenantCycles).
        silo.Configure<GrainCollectionOptions>(o => o.ActivationTimeout = ActivationTimeout);
        silo.Services.AddSingleton(tenants);
        SerializeOwnExceptions(silo.Services);
        silo.Services.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        // A singleton the silo's service provider creates and disposes: one pool per database for every tenant.
        if (pools is null)
        {
            silo.Services.AddSingleton(_ => new ClusterConnections(maxConnections));
        }
        else
        {
            silo.Services.AddSingleton(pools);
        }

        return silo;
    }

    /// <summary>Membership (to find the gateways), for a client.</summary>
    public static IClientBuilder UseRulesSyncCluster(this IClientBuilder client, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(client);
        SerializeOwnExceptions(client.Services);
        return client.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
    }

    /// <summary>
    /// A grain call that fails with the database's or the runner's own exception reaches its caller as that exception,
    /// type and message kept: Orleans serializes exceptions of the Microsoft, System and Azure namespaces only, and
    /// any other (an <c>NpgsqlException</c> of a restarted database, a <c>StateFileException</c>) reached the
    /// caller as "Could not find a codec", its message lost. Both ends need the same prefixes.
    /// </summary>
    internal static void SerializeOwnExceptions(IServiceCollection services) =>
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o =>
        {
            o.SupportedNamespacePrefixes.Add("Npgsql");
            o.SupportedNamespacePrefixes.Add("RulesSync");
        });
}
