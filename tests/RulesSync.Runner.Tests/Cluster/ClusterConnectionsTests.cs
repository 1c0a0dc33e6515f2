using Npgsql;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Tests.Connectors;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// One connection pool per silo (<see cref="ClusterConnections"/>), not one per tenant: many tenants on a 3-silo cluster
/// over a PostgreSQL server with fewer connections than tenants (<see cref="FewConnectionsClusterFixture"/>) all run
/// their cycles at once, and the silos never hold more connections than <c>cluster.maxConnections</c> each.
/// </summary>
public sealed class ClusterConnectionsTests(FewConnectionsClusterFixture cluster, ITestOutputHelper output) : IClassFixture<FewConnectionsClusterFixture>
{
    private const int Tenants = 40;

    [Fact]
    public async Task ManyTenants_ServerWithFewerConnectionsThanTenants_EveryCycleCompletesWithinEachSilosPool()
    {
        var tenants = new List<ClusterRunnerTests.Tenant>();
        try
        {
            for (var i = 0; i < Tenants; i++)
            {
                var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [ConnectorTestHost.Alice, ConnectorTestHost.Bob]);
                t.H.T.Organization.ScheduleMeeting(ConnectorTestHost.Alice, ConnectorTestHost.Draft($"Review {i}", 1, ConnectorTestHost.Bob));
                tenants.Add(t);
            }

            // Every tenant's first cycle at once (a tenant per grain, spread over the three silos).
            var reports = await Task.WhenAll(tenants.Select(t => t.CycleAsync()));
            var silos = await SiloConnectionsAsync();

            output.WriteLine($"{Tenants} tenants over {reports.Select(r => r.Silo).Distinct().Count()} silos, server max_connections {FewConnectionsClusterFixture.ServerConnections}; silos' connections open after the cycles: {silos}");
            Assert.All(reports, r =>
            {
                Assert.Equal(0, r.Failed);
                Assert.Null(r.Error);
                Assert.Equal(2, r.Synced);
            });
            Assert.All(tenants, t => Assert.Single(t.H.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment)));
            // Tenant grains are spread in turn by the placing silo, per grain type (SpreadPlacement): whichever gateway
            // each call reached, every silo ran about a third of the tenants (Orleans' default put most on one).
            var perSilo = reports.GroupBy(r => r.Silo).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(perSilo.Count == 3 && perSilo.Values.All(n => n >= (Tenants / 3) - 3), $"tenants per silo: {string.Join(", ", perSilo.Select(p => $"{p.Key}={p.Value}"))}");
            Assert.InRange(silos, 1, 3 * FewConnectionsClusterFixture.PerSilo);
        }
        finally
        {
            foreach (var t in tenants)
            {
                await t.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Pools_SameDatabase_OnePairSizedByMaxConnections()
    {
        using var pools = new ClusterConnections(20);

        var state = pools.State(cluster.ConnectionString);
        var leases = pools.Leases(cluster.ConnectionString);

        Assert.Same(state, pools.State(cluster.ConnectionString));
        Assert.Same(leases, pools.Leases(cluster.ConnectionString));
        Assert.NotSame(state, leases);
        Assert.Equal(4, pools.LeaseConnections);
        Assert.Equal(16, new NpgsqlConnectionStringBuilder(state.ConnectionString).MaxPoolSize);
        Assert.Equal(4, new NpgsqlConnectionStringBuilder(leases.ConnectionString).MaxPoolSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterConnections(ClusterConnections.FewestConnections - 1));
    }

    /// <summary>Connections the silos' pools hold open now (their application name says so; idle ones stay pooled for minutes).</summary>
    private async Task<long> SiloConnectionsAsync()
    {
        await using var c = new NpgsqlConnection(cluster.ConnectionString);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'rulesync silo%'", c);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
