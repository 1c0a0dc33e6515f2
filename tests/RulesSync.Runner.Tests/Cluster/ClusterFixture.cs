using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Three in-process silos and a client (Orleans TestingHost) over a database of the run's PostgreSQL: membership and
/// reminders through Orleans' ADO.NET providers, the tables from the shipped scripts. One cluster per test class; each
/// test hosts its own tenant (its own emulators, connections and fake clock) under a tenant key of its own.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private const string RegistryKey = "RulesSync:TestRegistry";
    private const string ResponseTimeoutKey = "RulesSync:SiloResponseTimeout";
    private static readonly ConcurrentDictionary<string, Tenants> Registries = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, ConcurrentBag<ClusterConnections>> Pools = new(StringComparer.Ordinal);
    private static int tenantCount;

    private readonly string registry = Guid.NewGuid().ToString("N");
    private readonly Tenants tenants = new();

    public TestCluster Cluster { get; private set; } = null!;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The tests' own connections to the cluster database (operators' reads and writes): one small pool for all the class's tenants.</summary>
    internal Npgsql.NpgsqlDataSource TestConnections { get; private set; } = null!;

    /// <summary>Each silo's <c>cluster.maxConnections</c>.</summary>
    protected virtual int SiloMaxConnections => ClusterConnections.DefaultMaxConnections;

    /// <summary>Each silo's response timeout for calls between grains (Orleans' <c>SiloMessagingOptions.ResponseTimeout</c>); null: Orleans' default (30 s).</summary>
    protected virtual TimeSpan? SiloResponseTimeout => null;

    public async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        await ClusterDatabase.PrepareAsync(ConnectionString, CancellationToken.None);
        TestConnections = Npgsql.NpgsqlDataSource.Create(new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 8, ApplicationName = "rulesync tests" });
        Registries[registry] = tenants;
        Pools[registry] = [];
        var builder = new TestClusterBuilder(3);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Properties[RegistryKey] = registry;
        builder.Properties["RulesSync:ConnectionString"] = ConnectionString;
        builder.Properties["RulesSync:MaxConnections"] = SiloMaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (SiloResponseTimeout is { } timeout)
        {
            builder.Properties[ResponseTimeoutKey] = timeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        ConfigureCluster(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Registries.TryRemove(registry, out _);
        if (Pools.TryRemove(registry, out var pools))
        {
            foreach (var p in pools)
            {
                p.Dispose();
            }
        }
        await TestConnections.DisposeAsync();
    }

    /// <summary>More configuration of a fixture of its own (its configurators run after this fixture's).</summary>
    protected virtual void ConfigureCluster(TestClusterBuilder builder)
    {
    }

    /// <summary>The cluster's database: a fresh one on the run's shared server.</summary>
    protected virtual Task<string> CreateDatabaseAsync() => PostgresDatabase.FreshAsync("cluster");

    /// <summary>
    /// Puts a test's runner host (emulators, options, connections, clock) in the cluster under a new tenant key; its
    /// state in the cluster database through <paramref name="connectionString"/> (default: the fixture's).
    /// </summary>
    internal string Host(RunnerTestHost host, TimeSpan? meetingLease = null, bool mailboxGrains = true, string? connectionString = null, TimeSpan? mailboxSyncLimit = null)
    {
        var key = $"{host.Options.Tenant}-{Interlocked.Increment(ref tenantCount)}";
        tenants.Add(key, new TenantRuntime(host.Options, host.Connections, new CollectingNotifier(host.Notices), host.T.Time, connectionString ?? ConnectionString, CycleEvery: null, meetingLease, mailboxGrains, mailboxSyncLimit));
        return key;
    }

    /// <summary>The tenant's grain, reached through the cluster's client.</summary>
    internal ITenantGrain Tenant(string key) => Cluster.Client.GetGrain<ITenantGrain>(key);

    private sealed class Tenants : ITenantRuntimes
    {
        private readonly ConcurrentDictionary<string, TenantRuntime> byKey = new(StringComparer.Ordinal);

        public void Add(string key, TenantRuntime runtime) => byKey[key] = runtime;

        public TenantRuntime For(string tenant) =>
            byKey.TryGetValue(tenant, out var r) ? r : throw new InvalidOperationException($"no tenant '{tenant}' in this cluster");
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var config = siloBuilder.Configuration;
            // Each silo's pools outlive its kill (the fixture closes them): a silo "killed" in process keeps its
            // activations running, as a cut-off process keeps its pool, and what stops their writes must be the fence.
            var pools = new ClusterConnections(int.Parse(config["RulesSync:MaxConnections"]!, System.Globalization.CultureInfo.InvariantCulture));
            Pools[config[RegistryKey]!].Add(pools);
            siloBuilder.UseRulesSyncCluster(config["RulesSync:ConnectionString"]!, Registries[config[RegistryKey]!], pools);
            if (config[ResponseTimeoutKey] is { } timeout)
            {
                siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture));
            }

            // A killed silo is declared dead in seconds, not the production default's minute.
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseRulesSyncCluster(configuration["RulesSync:ConnectionString"]!);
    }
}

/// <summary>
/// A 3-silo cluster over a PostgreSQL server of its own, which a test may stop and restart by its PID (the database
/// restarted mid-cycle) without disturbing the classes that share the run's server.
/// </summary>
public class PrivateServerClusterFixture : ClusterFixture
{
    internal PostgresServer Server { get; private set; } = null!;

    /// <summary>The private server's <c>max_connections</c>.</summary>
    protected virtual int ServerMaxConnections => PostgresServer.DefaultMaxConnections;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Server.Stop();
    }

    protected override async Task<string> CreateDatabaseAsync()
    {
        Server = await PostgresServer.StartPrivateAsync(ServerMaxConnections);
        return await Server.CreateDatabaseAsync("cluster");
    }
}

/// <summary>
/// A 3-silo cluster over a private PostgreSQL server that allows few connections (<see cref="ServerConnections"/>),
/// each silo capped at <see cref="PerSilo"/> (<c>cluster.maxConnections</c>): many tenants must share each silo's pool.
/// </summary>
public sealed class FewConnectionsClusterFixture : PrivateServerClusterFixture
{
    /// <summary>The server's <c>max_connections</c>: fewer than the tenants of the test.</summary>
    public const int ServerConnections = 40;

    /// <summary>Each silo's <c>cluster.maxConnections</c>.</summary>
    public const int PerSilo = 6;

    protected override int ServerMaxConnections => ServerConnections;

    protected override int SiloMaxConnections => PerSilo;
}
