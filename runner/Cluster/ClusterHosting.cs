using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Placement;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A silo and a client of the RulesSync cluster: membership and reminders in PostgreSQL through Orleans' ADO.NET
/// providers (tables from <see cref="ClusterDatabase"/>), and the tenants the silo can host.
/// </summary>
internal static class ClusterHosting
{
    /// <summary>Membership, reminders and the tenants, for a silo.</summary>
    public static ISiloBuilder UseRulesSyncCluster(this ISiloBuilder silo, string connectionString, ITenantRuntimes tenants)
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
        silo.Services.AddSingleton(tenants);
        silo.Services.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        return silo;
    }

    /// <summary>Membership (to find the gateways), for a client.</summary>
    public static IClientBuilder UseRulesSyncCluster(this IClientBuilder client, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
    }
}
