using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Configuration;
using RulesSync.Bench.Live;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Live;
using RulesSync.Runner.Tests;

namespace RulesSync.Bench.Cluster;

/// <summary>
/// Issue 17 §5, scale: many tenants' mailboxes on an Orleans cluster over PostgreSQL, against the protocol emulators,
/// 1 silo (the baseline) against 3 silos on this machine, in one run. Each tenant has its own domain, its own slice of
/// the mailboxes (half Exchange, half Google), meetings among its own employees, the default rules, 8 mailboxes at
/// once; every silo serves every tenant, Orleans places the tenant grains (and, with <see cref="MailboxGrains"/>, spreads
/// the mailbox grains). One invocation is one cycle of every tenant
/// (all at once) after the world has settled: the no-change cycle that dominates a cluster's steady state.
/// <para>
/// Scale: <c>RULESYNC_BENCH_SCALE=MAILBOXESxTENANTS</c> (default <c>10000x100</c>; <c>quick</c> is <c>400x4</c>).
/// The silos run in this process on loopback ports, the PostgreSQL server is a private one started for the run (as
/// the tests start it), the emulators are in process too. Both cases run in the benchmark's own process
/// (<see cref="InProcessMonitoring"/>: no generated project to build, Orleans' assemblies from the bench's output), so
/// the peak working set printed is the process's over both. At GlobalCleanup it prints (<c>// cluster:</c> lines)
/// provider requests per mailbox per cycle, database rows written and transactions per mailbox per cycle (from
/// PostgreSQL's statistics), the state store's own round trips and transactions per mailbox per cycle with its busiest
/// call sites (<c>rulesync.store.round_trips</c>), managed heap per mailbox (after settling, minus the emulators' and
/// seed's), and where the tenants ran.
/// </para>
/// </summary>
[Config(typeof(InProcessMonitoring))]
public class ClusterScaleBenchmarks : IDisposable
{
    private const int MeetingsPerTenantPerHundred = 50;

    /// <summary>How long the benchmark waits for one tenant's cycle before it calls the run failed.</summary>
    private static readonly TimeSpan CycleDeadline = TimeSpan.FromHours(1);

    private readonly List<double> requestsPerMailbox = [];
    private readonly List<double> rowsPerMailbox = [];
    private readonly List<double> transactionsPerMailbox = [];
    private readonly List<double> storeRoundTripsPerMailbox = [];
    private readonly List<double> storeTransactionsPerMailbox = [];
    private RulesSync.Runner.Tests.Cluster.StoreRoundTripCount? storeRoundTrips;
    private IReadOnlyList<(string Operation, string Statement, long Count)> lastStoreRoundTrips = [];
    private readonly Dictionary<string, int> placements = new(StringComparer.Ordinal);
    private PostgresServer? postgres;
    private string connectionString = string.Empty;
    private EmulatorHost? host;
    private readonly List<Microsoft.Extensions.Hosting.IHost> silos = [];
    private readonly List<TenantRuntime> runtimes = [];
    private (long Rows, long Transactions) before;
    private long heapPerMailbox;
    private int settleCycles;

    /// <summary>How many silos the tenants spread over (1 is the baseline).</summary>
    [Params(1, 3)]
    public int Silos { get; set; }

    /// <summary>
    /// Whether the tenants' mailboxes sync in mailbox grains spread over the silos (<c>cluster.mailboxGrains</c>) or inside
    /// their tenant grains: <c>RULESYNC_BENCH_MAILBOX_GRAINS</c> = <c>off</c> (the default, the mode of the figures in
    /// docs/benchmarks.md), <c>on</c>, or <c>both</c> (each silo count in both modes, in one run).
    /// </summary>
    [ParamsSource(nameof(MailboxGrainModes))]
    public bool MailboxGrains { get; set; }

    /// <summary>The modes <c>RULESYNC_BENCH_MAILBOX_GRAINS</c> asks for.</summary>
    public static IEnumerable<bool> MailboxGrainModes() => Environment.GetEnvironmentVariable("RULESYNC_BENCH_MAILBOX_GRAINS") switch
    {
        "on" => [true],
        "both" => [false, true],
        null or "" or "off" => [false],
        var other => throw new InvalidOperationException($"RULESYNC_BENCH_MAILBOX_GRAINS={other}: expected off, on or both"),
    };

    /// <summary>The case, for the printed lines.</summary>
    private string Case => $"{Silos} silo(s), {(MailboxGrains ? "mailbox grains" : "tenant-local syncs")}";

    private static (int Mailboxes, int Tenants) Scale()
    {
        var raw = Environment.GetEnvironmentVariable("RULESYNC_BENCH_SCALE") ?? "10000x100";
        if (raw == "quick")
        {
            raw = "400x4";
        }

        var parts = raw.Split('x');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    [GlobalSetup]
    public void Setup()
    {
        var (mailboxes, tenants) = Scale();
        var perTenant = mailboxes / tenants;
        postgres = PostgresServer.SharedAsync().GetAwaiter().GetResult();
        connectionString = postgres.CreateDatabaseAsync("scale").GetAwaiter().GetResult();
        ClusterDatabase.PrepareAsync(connectionString, CancellationToken.None).GetAwaiter().GetResult();

        var domains = Enumerable.Range(0, tenants).Select(t => $"t{t:D3}.example").ToArray();
        var seed = new OrganizationSeed([.. domains.SelectMany(d => OrganizationSeed.Generate(perTenant / 2, perTenant - (perTenant / 2), d).Employees)]);
        host = EmulatorHost.StartAsync(new EmulatorOptions { Organization = seed, Port = 0 }).GetAwaiter().GetResult();
        var day = new DateTimeOffset(DateTimeOffset.UtcNow.Date, TimeSpan.Zero);
        foreach (var domain in domains)
        {
            var ids = seed.Employees.Where(e => e.Email.EndsWith("@" + domain, StringComparison.Ordinal)).Select(e => e.Email).ToArray();
            for (var i = 0; i < perTenant * MeetingsPerTenantPerHundred / 100; i++)
            {
                var start = day.AddDays(1 + (i % 90)).AddHours(8 + (i % 8));
                host.Organization.ScheduleMeeting(ids[(i * 7) % ids.Length], new MeetingDraft(
                    $"Meeting {i}", start, start.AddHours(1), [ids[((i * 7) + 1) % ids.Length], ids[((i * 7) + (ids.Length / 2)) % ids.Length]]));
            }
        }

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var retry = new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8) };
        var folder = Directory.CreateTempSubdirectory("rulesync-bench-cluster-").FullName;
        foreach (var domain in domains)
        {
            var tenantSeed = new OrganizationSeed([.. seed.Employees.Where(e => e.Email.EndsWith("@" + domain, StringComparison.Ordinal))]);
            var options = BenchRunner.Options(tenantSeed, host, folder, domain, retry);
            options.Tenant = domain;
            runtimes.Add(new TenantRuntime(options, new RunnerConnections(options, TimeProvider.System, NullLoggerFactory.Instance), new NoNotifier(), TimeProvider.System, connectionString, CycleEvery: null, MailboxGrains: MailboxGrains));
        }

        var registry = new Registry(runtimes.ToDictionary(r => r.Options.Tenant, StringComparer.Ordinal));
        var clusterId = "bench-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < Silos; i++)
        {
            var builder = Host.CreateApplicationBuilder([]);
            builder.Logging.ClearProviders();
            builder.UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = clusterId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort(), listenOnAnyHostAddress: false);
                silo.UseRulesSyncCluster(connectionString, registry);
            });
            var silo = builder.Build();
            silo.StartAsync().GetAwaiter().GetResult();
            silos.Add(silo);
        }

        // Catch up: the initial sync, then the echoes of its own writes, until a cycle decides nothing.
        int decisions;
        var settling = Stopwatch.StartNew();
        do
        {
            decisions = CycleAsync().GetAwaiter().GetResult();
            settleCycles++;
            // Progress, for a run stopped before it settles (how far the full scale got on a loaded machine).
            Console.WriteLine($"// cluster: {Case}: settling cycle {settleCycles} done after {settling.Elapsed.TotalSeconds:0} s ({decisions} decisions)");
        }
        while (decisions > 0 && settleCycles < 6);
        heapPerMailbox = (GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / mailboxes;
        Console.WriteLine($"// cluster: {Case}, {mailboxes} mailboxes over {tenants} tenants, settled after {settleCycles} cycles (last: {decisions} decisions)");
    }

    [IterationSetup]
    public void Snapshot()
    {
        host!.Counters.Reset();
        placements.Clear();
        before = DatabaseWrites();
        storeRoundTrips?.Dispose();
        storeRoundTrips = new RulesSync.Runner.Tests.Cluster.StoreRoundTripCount(tenant: null);
    }

    [IterationCleanup]
    public void Count()
    {
        var (mailboxes, _) = Scale();
        var after = DatabaseWrites();
        requestsPerMailbox.Add((double)host!.Counters.Routes.Values.Sum() / mailboxes);
        rowsPerMailbox.Add((double)(after.Rows - before.Rows) / mailboxes);
        transactionsPerMailbox.Add((double)(after.Transactions - before.Transactions) / mailboxes);
        storeRoundTripsPerMailbox.Add((double)storeRoundTrips!.RoundTrips / mailboxes);
        storeTransactionsPerMailbox.Add((double)storeRoundTrips.Transactions / mailboxes);
        lastStoreRoundTrips = storeRoundTrips.Entries();
        storeRoundTrips.Dispose();
        storeRoundTrips = null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        static string F(IEnumerable<double> xs) => string.Join(" / ", xs.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));
        Console.WriteLine($"// cluster: {Case}: provider requests per mailbox per cycle {F(requestsPerMailbox)}");
        Console.WriteLine($"// cluster: {Case}: database rows written per mailbox per cycle {F(rowsPerMailbox)}; transactions per mailbox per cycle {F(transactionsPerMailbox)}");
        Console.WriteLine($"// cluster: {Case}: state store round trips per mailbox per cycle {F(storeRoundTripsPerMailbox)}; its transactions per mailbox per cycle {F(storeTransactionsPerMailbox)}");
        var (mailboxCount, _) = Scale();
        foreach (var (operation, statement, count) in lastStoreRoundTrips.Take(12))
        {
            Console.WriteLine($"// cluster: {Case}:   {(double)count / mailboxCount:0.00} per mailbox (last cycle)  {operation}: {(statement.Length > 110 ? statement[..110] + "..." : statement)}");
        }

        Console.WriteLine($"// cluster: {Case}: managed heap per mailbox after settling {heapPerMailbox / 1024.0:0.0} KiB (runner state and connections, emulators and seed excluded); peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB (everything in one process)");
        Console.WriteLine($"// cluster: {Case}: tenants per silo in the last cycle: {string.Join(", ", placements.Select(p => $"{p.Key}={p.Value}"))}");
        if (MailboxGrains)
        {
            var grains = silos[0].Services.GetRequiredService<IGrainFactory>();
            var where = Task.WhenAll(runtimes.SelectMany(r => r.Options.Mailboxes.Select(m => grains.GetGrain<IMailboxGrain>(MailboxGrainKey.Of(r.Options.Tenant, m.Id)).SiloAsync()))).GetAwaiter().GetResult();
            Console.WriteLine($"// cluster: {Case}: mailbox grains per silo: {string.Join(", ", where.GroupBy(s => s, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"))}");
        }

        var admission = silos[0].Services.GetRequiredService<ClusterConnections>().Admission;
        Console.WriteLine($"// cluster: {Case}: admission per silo {admission.Activations} activation(s), {admission.Cycles} cycle(s), {admission.Mailboxes} mailbox sync(s) at once; connection waits past the pool's Timeout, retried, in this process so far: {RulesSync.Runner.State.PostgresStateStore.PoolWaitsRetried}");
        foreach (var silo in silos)
        {
            silo.StopAsync().GetAwaiter().GetResult();
            silo.Dispose();
        }

        runtimes.ForEach(r => r.Connections.Dispose());
        host?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        // The PostgreSQL server is the process's (stopped at exit): with --inProcess the next case uses it too.
    }

    /// <summary>Stops counting the store's round trips (an iteration's count, if one was left running).</summary>
    public void Dispose()
    {
        storeRoundTrips?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>One cycle of every tenant, all at once, wherever Orleans placed them.</summary>
    [Benchmark]
    public Task<int> Cycle() => CycleAsync();

    private async Task<int> CycleAsync()
    {
        var grains = silos[0].Services.GetRequiredService<IGrainFactory>();
        // Each tenant's cycle started at once and polled (a first cycle of 100 mailboxes runs for minutes on a loaded machine).
        var reports = await Task.WhenAll(runtimes.Select(r => TenantCycles.RunAsync(grains, r.Options.Tenant, CycleDeadline))).ConfigureAwait(false);
        var incomplete = reports.FirstOrDefault(r => r.Failed > 0 || r.Error is not null);
        if (incomplete is not null)
        {
            throw new InvalidOperationException($"cycle incomplete: {incomplete}");
        }

        placements.Clear();
        foreach (var r in reports)
        {
            placements[r.Silo] = placements.GetValueOrDefault(r.Silo) + 1;
        }

        return reports.Sum(r => r.Decisions);
    }

    /// <summary>Rows inserted, updated and deleted, and transactions committed, in the run's database so far.</summary>
    private (long Rows, long Transactions) DatabaseWrites()
    {
        // PostgreSQL counts a backend's statistics when it flushes them; closing the pooled connections ends the
        // backends, which flushes them, and a fresh connection then reads the totals.
        NpgsqlConnection.ClearAllPools();
        foreach (var silo in silos)
        {
            silo.Services.GetRequiredService<ClusterConnections>().Clear();
        }

        (long, long) last = (-1, -1);
        for (var i = 0; i < 20; i++)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT tup_inserted + tup_updated + tup_deleted, xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
            using var reader = command.ExecuteReader();
            reader.Read();
            var now = (reader.GetInt64(0), reader.GetInt64(1));
            if (now.Item1 == last.Item1)
            {
                return now;
            }

            last = now;
            Thread.Sleep(250);
        }

        return last;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>One warm-up and three measured cycles, in this process (whose default limit of 5 minutes a case, setup included, a loaded machine's 1,000 mailboxes outlasted).</summary>
    private sealed class InProcessMonitoring : ManualConfig
    {
        public InProcessMonitoring() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithToolchain(new BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true)));
    }

    private sealed class Registry(Dictionary<string, TenantRuntime> byName) : ITenantRuntimes
    {
        public TenantRuntime For(string tenant) => byName[tenant];
    }
}
