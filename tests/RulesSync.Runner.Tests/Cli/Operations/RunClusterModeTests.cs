using System.Net;
using System.Net.Sockets;
using Npgsql;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Cli.Operations;

/// <summary>
/// <c>rulesync run --config ... --once</c> with a <c>cluster:</c> section, as a real process: a silo over the test run's
/// PostgreSQL runs the tenant's cycle in its grain; the state is in the database (no LiteDB file), each run takes the
/// lease anew, and the connection string's password appears nowhere in the output.
/// </summary>
public sealed class RunClusterModeTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task RunOnce_ClusterSection_TheSiloSyncsTheTenantIntoPostgresTwiceWithoutDuplicates()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", Config(host, ports: (FreePort(), FreePort()), maxConnections: ClusterConnectionsFewest));
        var now = TimeProvider.System.GetUtcNow();
        var meeting = host.Organization.ScheduleMeeting(ConnectorTestHost.Alice, new MeetingDraft("Cluster review", now.AddDays(1), now.AddDays(1).AddHours(1), [ConnectorTestHost.Bob]));
        var password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!;

        var first = await RunAsync(config, database.ConnectionString);
        var second = await RunAsync(config, database.ConnectionString);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("(lease 1)", first.Output, StringComparison.Ordinal);
        Assert.Contains("(lease 2)", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, first.Output + second.Output, StringComparison.Ordinal);
        Assert.Single(host.Crm.All(CrmActivityKind.Appointment), a => a.ICalUid == meeting.ICalUid);
        Assert.Equal(1, host.Organization.Calendar(ConnectorTestHost.Bob).Count(c => c.ICalUid == meeting.ICalUid));
        Assert.False(File.Exists(Path.Combine(files.Folder, "state.db")));
        using var store = PostgresStateStore.Open(database.ConnectionString, "contoso");
        var decisions = store.DecisionsOfMeeting(meeting.ICalUid);
        Assert.NotEmpty(decisions);
        // Fencing in the journal: the first run decided under lease 1, the second (deciding again what changed since) under 2.
        Assert.Equal(1, decisions[0].Fence);
        Assert.All(decisions, d => Assert.Contains(d.Fence, new long?[] { 1, 2 }));
        Assert.Empty(store.Effects(EffectStatus.Planned));
        Assert.Equal(2, store.Lease()!.Value.Token);
    }

    [Fact]
    public async Task Run_ClusterSectionWithoutConnectionString_ExitsTwoNamingTheVariable()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", Config(host, ports: (FreePort(), FreePort())));

        var run = await RunAsync(config, connectionString: null);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cluster:connectionString", run.Output, StringComparison.Ordinal);
        Assert.Contains("RULESYNC_CLUSTER_CONNECTION_STRING", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MaxConnectionsBelowFour_ExitsTwoNamingTheSetting()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", Config(host, ports: (FreePort(), FreePort()), maxConnections: ClusterConnectionsFewest - 1));

        var run = await RunAsync(config, database.ConnectionString);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cluster:maxConnections", run.Output, StringComparison.Ordinal);
    }

    private const int ClusterConnectionsFewest = RulesSync.Runner.Cluster.ClusterConnections.FewestConnections;

    private static string Config(EmulatorHost host, (int Silo, int Gateway) ports, int maxConnections = RulesSync.Runner.Cluster.ClusterConnections.DefaultMaxConnections) => RunOnceProcess.Config(host, extra: $"""
        cluster:
          clusterId: cli-{Guid.NewGuid():N}
          advertisedAddress: 127.0.0.1
          siloPort: {ports.Silo}
          gatewayPort: {ports.Gateway}
          maxConnections: {maxConnections}
        """);

    private static Task<(int ExitCode, string Output)> RunAsync(string config, string? connectionString) =>
        RunOnceProcess.RunAsync(config, new Dictionary<string, string?> { ["RULESYNC_CLUSTER_CONNECTION_STRING"] = connectionString });

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
