using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;
using Orleans.TestingHost;
using RulesSync.Runner.Cluster;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// A 3-silo cluster whose silos reach each other, their clients and PostgreSQL only through <see cref="LoopbackProxy"/>s
/// (<see cref="SiloNetwork"/>), so a test can cut one silo off the network — its sockets, not its membership — and
/// heal it. Each silo listens on the port TestingHost gave it and advertises its proxy's (Orleans'
/// <see cref="EndpointOptions"/>: <c>SiloListeningEndpoint</c> apart from <c>SiloPort</c>, the same for the gateway),
/// and opens its membership, reminders, tenant state and meeting leases through a database proxy of its own. Death
/// takes two votes here (the shared fixture's one would let a cut-off silo that still reaches the database vote its
/// peers dead as fast as they vote it: with two, the two connected silos decide, the cut-off one cannot), and the grain
/// directory gives a dead silo's grains no grace period (<see cref="GrainDirectoryOptions.RangeLeaseDuration"/> zero).
/// </summary>
public sealed class PartitionClusterFixture : ClusterFixture
{
    private const string NetworkKey = "RulesSync:TestNetwork";
    private static readonly ConcurrentDictionary<string, SiloNetwork> Networks = new(StringComparer.Ordinal);
    private readonly string id = Guid.NewGuid().ToString("N");

    internal SiloNetwork Network { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Networks.TryRemove(id, out _);
        Network.Dispose();
    }

    protected override void ConfigureCluster(TestClusterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Networks[id] = Network;
        // Real sockets (TestingHost's default transport is in memory, where there is nothing to cut).
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties[NetworkKey] = id;
        builder.AddSiloBuilderConfigurator<ProxiedSilo>();
    }

    /// <summary>Whether the cluster's membership table has <paramref name="silo"/> dead (what the other silos declared).</summary>
    internal async Task<bool> DeclaredDeadAsync(SiloAddress silo)
    {
        await using var command = TestConnections.CreateCommand("SELECT status FROM orleansmembershiptable WHERE port = @p AND generation = @g");
        command.Parameters.AddWithValue("p", silo.Endpoint.Port);
        command.Parameters.AddWithValue("g", silo.Generation);
        return await command.ExecuteScalarAsync() is int status && status == (int)SiloStatus.Dead;
    }

    /// <summary>Runs after <see cref="ClusterFixture"/>'s own configurator, so what it sets here wins.</summary>
    private sealed class ProxiedSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var config = siloBuilder.Configuration;
            var network = Networks[config[NetworkKey]!];
            var siloPort = int.Parse(config["Orleans:Endpoints:SiloPort"]!, CultureInfo.InvariantCulture);
            var gatewayPort = int.Parse(config["Orleans:Endpoints:GatewayPort"] ?? "0", CultureInfo.InvariantCulture);
            var database = new NpgsqlConnectionStringBuilder(config["RulesSync:ConnectionString"]);
            var silo = network.Add(config["Orleans:Name"]!, siloPort, gatewayPort, new IPEndPoint(IPAddress.Parse(database.Host!), database.Port));
            var proxied = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = silo.Database.Port }.ConnectionString;

            siloBuilder.Services.PostConfigure<EndpointOptions>(o =>
            {
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Loopback, siloPort);
                o.SiloPort = silo.Silo.Port;
                if (silo.Gateway is { } gateway)
                {
                    o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Loopback, gatewayPort);
                    o.GatewayPort = gateway.Port;
                }
            });

            // Every connection this silo opens to another is known by its endpoints, so the other's proxy can cut it.
            siloBuilder.Configure<SiloConnectionOptions>(o => o.ConfigureSiloOutboundConnection(b => b.Use(next => context =>
            {
                silo.Opened(context);
                return next(context);
            })));

            siloBuilder.Configure<ClusterMembershipOptions>(o => o.NumVotesForDeathDeclaration = 2);
            // No grace for a silo declared dead: Orleans would keep its grains unregistered for a range lease (about 20 s
            // here) so that a cut-off silo can learn it is dead and stop first; without it the successor activation runs
            // while the cut-off one still does, and the fence alone must stop the latter. (It also keeps the test short.)
            siloBuilder.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = TimeSpan.Zero);
            // A silo that reads it was declared dead stops itself (a process fails fast; TestingHost stops its host, which
            // cancels its tenant cycles): here it runs on, recording that it was told — the worst case, a silo that
            // keeps running after losing its membership, whose writes the fence alone must refuse.
            siloBuilder.Services.Replace(ServiceDescriptor.Singleton<IFatalErrorHandler>(new RunsOn(silo)));
            siloBuilder.Configure<AdoNetClusteringSiloOptions>(o => o.ConnectionString = proxied);
            siloBuilder.Configure<AdoNetReminderTableOptions>(o => o.ConnectionString = proxied);

            // The tenants' state and meeting leases on this silo: through its database proxy too.
            var tenants = siloBuilder.Services.Last(d => d.ServiceType == typeof(ITenantRuntimes)).ImplementationInstance as ITenantRuntimes
                ?? throw new InvalidOperationException("ClusterFixture registers its tenants before this configurator runs");
            siloBuilder.Services.AddSingleton<ITenantRuntimes>(new ThroughProxy(tenants, proxied));
        }
    }

    /// <summary>A fatal-error handler that records the error and lets the silo run on.</summary>
    private sealed class RunsOn(SiloNetwork.SiloLinks silo) : IFatalErrorHandler
    {
        public bool IsUnexpected(Exception exception) => true;

        public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null) =>
            silo.Fatal.TrySetResult(context ?? exception?.Message ?? "a fatal error");
    }

    private sealed class ThroughProxy(ITenantRuntimes tenants, string connectionString) : ITenantRuntimes
    {
        public TenantRuntime For(string tenant) => tenants.For(tenant) with { ConnectionString = connectionString };
    }
}

/// <summary>
/// The loopback network of a <see cref="PartitionClusterFixture"/>: per silo a proxy for its silo endpoint, one for its
/// gateway and one for its database, and the connections it opened to the others (known by both endpoints, which a
/// live TCP connection's are alone in having). A partition cuts a silo's proxies and, in the others' silo proxies, the
/// connections it opened; healing lets them through again.
/// </summary>
internal sealed class SiloNetwork : IDisposable
{
    private readonly ConcurrentDictionary<int, SiloLinks> byAdvertisedPort = new();

    /// <summary>The silo whose advertised (proxied) silo port <paramref name="address"/> names.</summary>
    public SiloLinks Of(SiloAddress address) =>
        byAdvertisedPort.TryGetValue(address.Endpoint.Port, out var silo) ? silo : throw new InvalidOperationException($"no proxied silo advertises {address}");

    /// <summary>Bytes the cuts dropped, every proxy's together.</summary>
    public long DroppedBytes => Proxies.Sum(p => p.DroppedBytes);

    /// <summary>Connections the cuts reset, every proxy's together.</summary>
    public int Refused => Proxies.Sum(p => p.Refused);

    private IEnumerable<LoopbackProxy> Proxies =>
        byAdvertisedPort.Values.SelectMany(s => new[] { s.Silo, s.Gateway, s.Database }).OfType<LoopbackProxy>();

    public SiloLinks Add(string name, int siloPort, int gatewayPort, IPEndPoint database)
    {
        var silo = new SiloLinks(
            name,
            new LoopbackProxy(new IPEndPoint(IPAddress.Loopback, siloPort)),
            gatewayPort == 0 ? null : new LoopbackProxy(new IPEndPoint(IPAddress.Loopback, gatewayPort)),
            new LoopbackProxy(database));
        byAdvertisedPort[silo.Silo.Port] = silo;
        return silo;
    }

    /// <summary>
    /// Cuts <paramref name="silo"/> off the other silos both ways (<paramref name="mode"/>), and off PostgreSQL the same
    /// way when <paramref name="database"/>. Its gateway refuses its clients: they are outside the partition with the
    /// majority, and a refused gateway sends them to the others at once (a silent one would hold each call sent to it
    /// for Orleans' 30-second response timeout).
    /// </summary>
    public void Partition(SiloLinks silo, bool database, CutMode mode)
    {
        silo.Silo.Cut(mode);
        silo.Gateway?.Cut(CutMode.Refuse);
        foreach (var other in byAdvertisedPort.Values.Where(o => o != silo))
        {
            other.Silo.Cut(mode, from: client => silo.OpenedTo(client, other.Silo.Port));
        }

        if (database)
        {
            silo.Database.Cut(mode);
        }
    }

    /// <summary>
    /// Cuts the links between <paramref name="silo"/> and the other silos one way only, silently: what it sends them is
    /// dropped while what they send still reaches it (<paramref name="itsOutbound"/>), or the reverse — on the
    /// connections the others opened to it (its proxy) and on those it opened to them (theirs) alike, since Orleans
    /// sends both ways on each. Its gateway refuses its clients (see <see cref="Partition"/>); its database link is left
    /// alone.
    /// </summary>
    public void PartitionOneWay(SiloLinks silo, bool itsOutbound)
    {
        silo.Silo.Cut(itsOutbound ? CutMode.DropToClient : CutMode.DropToTarget);
        silo.Gateway?.Cut(CutMode.Refuse);
        foreach (var other in byAdvertisedPort.Values.Where(o => o != silo))
        {
            other.Silo.Cut(itsOutbound ? CutMode.DropToTarget : CutMode.DropToClient, from: client => silo.OpenedTo(client, other.Silo.Port));
        }
    }

    /// <summary>Bytes the one-way cuts still let through, every proxy's together (the way that was not cut).</summary>
    public long PassedOneWay => Proxies.Sum(p => p.PassedOneWay);

    /// <summary>Ends every cut: the silo's links and the database's are open again.</summary>
    public void Heal()
    {
        foreach (var p in Proxies)
        {
            p.Heal();
        }
    }

    public void Dispose()
    {
        foreach (var p in Proxies)
        {
            p.Dispose();
        }
    }

    /// <summary>One silo's proxies, and the connections it opened to other silos' proxies.</summary>
    internal sealed class SiloLinks(string name, LoopbackProxy silo, LoopbackProxy? gateway, LoopbackProxy database)
    {
        private readonly ConcurrentDictionary<(int Local, int Remote), byte> opened = new();

        public string Name { get; } = name;

        public LoopbackProxy Silo { get; } = silo;

        public LoopbackProxy? Gateway { get; } = gateway;

        public LoopbackProxy Database { get; } = database;

        /// <summary>The first fatal error Orleans reported on this silo (being told it was declared dead, in these tests).</summary>
        public TaskCompletionSource<string> Fatal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Records a connection this silo opened (before its first byte is sent), until it closes.</summary>
        public void Opened(ConnectionContext context)
        {
            if (context.LocalEndPoint is IPEndPoint local && context.RemoteEndPoint is IPEndPoint remote)
            {
                var key = (local.Port, remote.Port);
                opened[key] = 0;
                context.ConnectionClosed.Register(() => opened.TryRemove(key, out _));
            }
        }

        /// <summary>Whether <paramref name="client"/> is a connection this silo opened to the proxy on <paramref name="proxyPort"/>.</summary>
        public bool OpenedTo(IPEndPoint client, int proxyPort) => opened.ContainsKey((client.Port, proxyPort));

        public override string ToString() => Name;
    }
}
