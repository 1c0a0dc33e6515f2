using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Bench.Live;

/// <summary>
/// The live runner against the protocol emulators (issue 5 §7), in one process: 1,000 mailboxes (500 on Exchange,
/// 500 on Google) with <see cref="Meetings"/> meetings of three employees each, <c>rules/default.yaml</c>, 8
/// mailboxes at once. One invocation is one whole cycle.
/// <list type="bullet">
/// <item><see cref="RawRequests"/> (baseline): the emulator's raw request rate: 1,000 plain HttpClient GETs (a Graph
/// calendarView delta or a Google events list per mailbox, 8 at once), no SDK, no runner.</item>
/// <item><see cref="InitialSync"/>: the first cycle over every mailbox, from an empty state file and a fresh
/// emulated organisation each iteration (built in IterationSetup, not measured).</item>
/// <item><see cref="NoChangeCycle"/>: a cycle after everything has caught up and nothing changed.</item>
/// </list>
/// Requests per cycle come from the emulator's counters and are printed at GlobalCleanup (lines starting
/// <c>// live:</c>), with events/s inputs and the process's peak working set (runner and emulators together).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class LiveCycleBenchmarks
{
    public const int OnExchange = 500;
    public const int OnGoogle = 500;
    public const int Meetings = 500;
    public const int Parallel = 8;

    private readonly List<long> requestsPerCycle = [];
    private readonly List<long> crmRequestsPerCycle = [];
    private readonly List<int> decisionsPerCycle = [];
    private LiveWorld? world;

    [GlobalSetup(Targets = [nameof(RawRequests), nameof(NoChangeCycle), nameof(Soak100Cycles)])]
    public void SetupSettledWorld()
    {
        world = LiveWorld.StartAsync().GetAwaiter().GetResult();

        // Catch up: the initial sync, then the echoes of its own writes, until a cycle decides nothing.
        var cycles = 0;
        CycleReport report;
        do
        {
            report = world.Runner.RunCycleAsync(CancellationToken.None).GetAwaiter().GetResult();
            cycles++;
        }
        while (report.Decisions > 0 && cycles < 6);
        Console.WriteLine($"// live: settled after {cycles} cycles (last: {report.Decisions} decisions, {report.Failed} failed); {world.Events} events in {world.Mailboxes.Count} mailboxes");
    }

    [IterationSetup(Targets = [nameof(RawRequests), nameof(NoChangeCycle), nameof(Soak100Cycles)])]
    public void ResetCounters() => world!.Host.Counters.Reset();

    [IterationCleanup(Targets = [nameof(RawRequests), nameof(NoChangeCycle), nameof(Soak100Cycles)])]
    public void CountRequests() => Record(world!);

    [IterationSetup(Target = nameof(InitialSync))]
    public void FreshWorld()
    {
        world = LiveWorld.StartAsync().GetAwaiter().GetResult();
        world.Host.Counters.Reset();
    }

    [IterationCleanup(Target = nameof(InitialSync))]
    public void CountAndDispose()
    {
        Record(world!);
        world!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        world = null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (requestsPerCycle.Count > 0)
        {
            Console.WriteLine($"// live: requests per invocation {string.Join(" / ", requestsPerCycle)} (of which CRM {string.Join(" / ", crmRequestsPerCycle)}); decisions {string.Join(" / ", decisionsPerCycle)}");
        }

        if (world is not null)
        {
            Console.WriteLine($"// live: routes of the last invocation: {string.Join(", ", world.LastRoutes)}");
            world.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine($"// live: peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB (runner and emulators in one process); events per initial sync {LiveWorld.ExpectedEvents}");
    }

    /// <summary>1,000 plain GETs, one per mailbox, 8 at once: what the emulator serves with no client on top.</summary>
    [Benchmark(Baseline = true)]
    public async Task<long> RawRequests()
    {
        var bytes = await world!.RawRequestsAsync(Parallel).ConfigureAwait(false);
        world!.LastDecisions = 0;
        return bytes;
    }

    /// <summary>The first cycle over all 1,000 mailboxes, from an empty state file.</summary>
    [Benchmark]
    public Task<int> InitialSync() => CycleAsync();

    /// <summary>A cycle in which nothing changed.</summary>
    [Benchmark]
    public Task<int> NoChangeCycle() => CycleAsync();

    /// <summary>
    /// 100 no-change cycles in a row (one invocation): the working set after a full collection is printed after every
    /// tenth cycle (<c>// soak:</c> lines), so memory that grows with the cycles shows.
    /// </summary>
    [Benchmark(OperationsPerInvoke = SoakCycles)]
    public async Task<int> Soak100Cycles()
    {
        var decisions = 0;
        var sets = new List<string>();
        for (var i = 1; i <= SoakCycles; i++)
        {
            decisions += await CycleAsync().ConfigureAwait(false);
            if (i % 10 == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                using var self = Process.GetCurrentProcess();
                sets.Add($"{i}: {self.WorkingSet64 / (1024 * 1024)} MiB ({GC.GetTotalMemory(false) / (1024 * 1024)} MiB managed)");
            }
        }

        Console.WriteLine($"// soak: working set after cycle {string.Join(", ", sets)}");
        return decisions;
    }

    private const int SoakCycles = 100;

    private async Task<int> CycleAsync()
    {
        var report = await world!.Runner.RunCycleAsync(CancellationToken.None).ConfigureAwait(false);
        if (report.Failed > 0 || report.Error is not null || report.Synced != world.Mailboxes.Count)
        {
            throw new InvalidOperationException($"cycle incomplete: {report}");
        }

        world.LastDecisions = report.Decisions;
        return report.Decisions;
    }

    private void Record(LiveWorld w)
    {
        var routes = w.Host.Counters.Routes;
        requestsPerCycle.Add(routes.Values.Sum());
        crmRequestsPerCycle.Add(routes.Where(r => r.Key.StartsWith("crm.", StringComparison.Ordinal)).Sum(r => r.Value));
        decisionsPerCycle.Add(w.LastDecisions);
        w.LastRoutes = [.. routes.Select(r => $"{r.Key}={r.Value}")];
    }
}

/// <summary>The emulators, an emulated organisation with meetings, and a live runner over all its mailboxes.</summary>
internal sealed class LiveWorld : IAsyncDisposable
{
    private readonly string folder;
    private readonly StateStore store;
    private readonly RunnerConnections connections;

    private LiveWorld(EmulatorHost host, RunnerOptions options, string folder)
    {
        Host = host;
        this.folder = folder;
        store = StateStore.Open(options.StatePath, create: true);
        connections = new RunnerConnections(options, TimeProvider.System, NullLoggerFactory.Instance);
        Runner = new LiveRunner(options, store, connections, LiveRuleSet.Load(options.ResolveRules(options.Rules)), null, new NoNotifier(), TimeProvider.System, NullLogger<LiveRunner>.Instance);
        Runner.Start();
        Mailboxes = options.Mailboxes;
        Events = host.Organization.Employees.Sum(e => host.Organization.Calendar(e.Email).Count);
    }

    /// <summary>Calendar events across all mailboxes before the first sync: each meeting is in three calendars.</summary>
    public static int ExpectedEvents => LiveCycleBenchmarks.Meetings * 3;

    public EmulatorHost Host { get; }

    public LiveRunner Runner { get; }

    public IReadOnlyList<MailboxOptions> Mailboxes { get; }

    public int Events { get; }

    /// <summary>The runner's state file.</summary>
    public StateStore Store => store;

    /// <summary>A plain client for the raw-request baseline.</summary>
    public HttpClient Raw { get; } = new();

    /// <summary>
    /// The raw-request baseline: one plain GET per mailbox (a Graph calendarView delta or a Google events list over the
    /// whole window), <paramref name="parallel"/> at once, no SDK and no runner. Returns the bytes read.
    /// </summary>
    public async Task<long> RawRequestsAsync(int parallel)
    {
        var from = DateTimeOffset.UtcNow.AddDays(-30).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var to = DateTimeOffset.UtcNow.AddDays(365).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var urls = Mailboxes.Select(m => m.Provider == Provider.Exchange
            ? ($"{Host.GraphBaseUrl}/users/{m.Id}/calendarView/delta?startDateTime={from}&endDateTime={to}", "rulesync-loopback")
            : ($"{Host.GoogleBaseUri.AbsoluteUri}calendar/v3/calendars/{m.Id}/events?timeMin={from}&timeMax={to}", m.Id));
        long bytes = 0;
        await System.Threading.Tasks.Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (r, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, r.Item1);
            request.Headers.Authorization = new("Bearer", r.Item2);

            using var response = await Raw.SendAsync(request, ct).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            Interlocked.Add(ref bytes, body.Length);
        }).ConfigureAwait(false);
        return bytes;
    }

    public int LastDecisions { get; set; }

    public string[] LastRoutes { get; set; } = [];

    public static async Task<LiveWorld> StartAsync()
    {
        const string domain = "contoso.example";
        var seed = OrganizationSeed.Generate(LiveCycleBenchmarks.OnExchange, LiveCycleBenchmarks.OnGoogle, domain);
        // The emulators check no access token: the raw baseline's plain GETs carry none (they were refused with 401
        // once the emulators began to demand one), and the runner's requests are served alike. The runner still signs in.
        var host = await EmulatorHost.StartAsync(new EmulatorOptions { Organization = seed, Port = 0, RequireAccessTokens = false }).ConfigureAwait(false);
        var ids = seed.Employees.Select(e => e.Email).ToArray();
        var day = new DateTimeOffset(DateTimeOffset.UtcNow.Date, TimeSpan.Zero);
        for (var i = 0; i < LiveCycleBenchmarks.Meetings; i++)
        {
            // Organizers spread over both providers; one attendee on each provider.
            var organizer = ids[(i * 7) % ids.Length];
            var start = day.AddDays(1 + (i % 90)).AddHours(8 + (i % 8));
            host.Organization.ScheduleMeeting(organizer, new MeetingDraft(
                $"Meeting {i}", start, start.AddHours(1), [ids[((i * 7) + 1) % ids.Length], ids[((i * 7) + (ids.Length / 2)) % ids.Length]]));
        }

        var folder = Directory.CreateTempSubdirectory("rulesync-bench-").FullName;
        var retry = new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8) };
        return new LiveWorld(host, BenchRunner.Options(seed, host, folder, domain, retry), folder);
    }

    public async ValueTask DisposeAsync()
    {
        Raw.Dispose();
        connections.Dispose();
        store.Dispose();
        await Host.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(folder, recursive: true);
    }
}
