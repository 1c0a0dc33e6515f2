using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.Push;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Bench.Live;

/// <summary>
/// Push against polling (issue 15): 100 mailboxes (50 Exchange, 50 Google) on the emulators, the live runner with
/// its real connectors, receiver, subscriptions and poll scope, all on one <see cref="FakeTimeProvider"/>. A driver
/// plays the runner's loop as <see cref="LiveSyncService"/> does (a poll every <c>sync.interval</c>, 5 minutes by
/// default; with push, a cycle over the notified mailboxes one debounce after the first notification, the
/// subscriptions checked every <c>push.checkEvery</c>) and moves the clock from event to event, so an hour of
/// 5-minute polls takes seconds. Time stands still while a cycle runs: latency is the runner's own clock, i.e. the
/// schedule's share of the delay (poll wait, debounce), not HTTP or CPU time. The providers' own delivery delay is
/// taken as zero (the emulators deliver at once).
/// <list type="bullet">
/// <item>Phase 1: one meeting with a customer is made in each mailbox at a seeded-random instant within an hour;
/// change-to-CRM latency = when the CRM holds the appointment − when the meeting was made.</item>
/// <item>Phase 2: an idle hour (no changes); every request the emulators served is counted (token endpoints
/// included).</item>
/// </list>
/// The figures are printed as lines starting <c>// push:</c>; one invocation is one whole simulation.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class PushLatencyBenchmarks
{
    public const int Mailboxes = 100;

    // Per mode: the last invocation's figures (BenchmarkDotNet may invoke a benchmark more than once; the fake clock and the seed make each the same).
    private readonly SortedDictionary<string, string[]> report = new(StringComparer.Ordinal);

    /// <summary>Polling only, every 5 minutes (the default <c>sync.interval</c>).</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> Polling() => await RunAsync(push: false).ConfigureAwait(false);

    /// <summary>Push on (defaults: 5 s debounce, 1-hour safety-net poll), polls every 5 minutes for unwatched mailboxes.</summary>
    [Benchmark]
    public async Task<int> Push() => await RunAsync(push: true).ConfigureAwait(false);

    [GlobalCleanup]
    public void Print()
    {
        foreach (var line in report.Values.SelectMany(l => l))
        {
            Console.WriteLine(line);
        }
    }

    private async Task<int> RunAsync(bool push)
    {
        await using var world = await PushWorld.StartAsync(push).ConfigureAwait(false);
        var latencies = await world.ChangesAsync(seed: 15).ConfigureAwait(false);
        var (requests, routes) = await world.IdleHourAsync().ConfigureAwait(false);
        var mode = push ? "push" : "polling";
        report[mode] =
        [
            string.Create(CultureInfo.InvariantCulture,
                $"// push: {mode}: change-to-CRM latency over {latencies.Count} changes: p50 {Percentile(latencies, 50):g}, p99 {Percentile(latencies, 99):g}, max {latencies.Max():g} (runner's clock)"),
            string.Create(CultureInfo.InvariantCulture,
                $"// push: {mode}: idle tenant, {Mailboxes} mailboxes, one hour: {requests} requests ({string.Join(", ", routes.Select(r => $"{r.Key}={r.Value}"))})"),
            string.Create(CultureInfo.InvariantCulture,
                $"// push: {mode}: cycles {world.Cycles}, notifications refused {world.Refused}, 429 from the emulators {world.Throttled}"),
        ];
        return latencies.Count;
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static TimeSpan Percentile(List<TimeSpan> values, int p)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>The emulators, a runner over 100 mailboxes and, with push, its receiver and subscriptions, on one fake clock.</summary>
internal sealed class PushWorld : IAsyncDisposable
{
    private const string Domain = "contoso.example";
    private const string Customer = "buyer@fabrikam.example";
    private static readonly DateTimeOffset Epoch = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider time;
    private readonly EmulatorHost host;
    private readonly RunnerOptions options;
    private readonly StateStore store;
    private readonly RunnerConnections connections;
    private readonly LiveRunner runner;
    private readonly string folder;
    private readonly PushOptions? push;
    private readonly PushRegistry registry = new();
    private readonly SyncTrigger trigger;
    private readonly PushSubscriptions? subscriptions;
    private readonly IPollScope scope;
    private PushReceiver? receiver;
    private DateTimeOffset nextPoll;
    private DateTimeOffset nextCheck;
    private DateTimeOffset? debounceAt;
    private long requestsSeen;

    private PushWorld(FakeTimeProvider time, EmulatorHost host, RunnerOptions options, string folder, bool push)
    {
        this.time = time;
        this.host = host;
        this.options = options;
        this.folder = folder;
        store = StateStore.Open(options.StatePath, create: true);
        connections = new RunnerConnections(options, time, NullLoggerFactory.Instance);
        runner = new LiveRunner(options, store, connections, LiveRuleSet.Load(options.ResolveRules(options.Rules)), null, new NoNotifier(), time, NullLogger<LiveRunner>.Instance);
        runner.Start();
        this.push = push ? options.Push : null;
        trigger = new SyncTrigger(time, options.Push.Debounce);
        if (push)
        {
            subscriptions = new PushSubscriptions(options.Push, options, connections, store, registry, trigger, time, NullLogger<PushSubscriptions>.Instance);
            scope = new PushPollScope(options.Push, options, registry);
        }
        else
        {
            scope = new PollEveryMailbox();
        }
    }

    public int Cycles { get; private set; }

    public long Refused => registry.Refused;

    public long Throttled => host.Counters.Throttled;

    public static async Task<PushWorld> StartAsync(bool push)
    {
        var time = new FakeTimeProvider(Epoch);
        var seed = OrganizationSeed.Generate(PushLatencyBenchmarks.Mailboxes / 2, PushLatencyBenchmarks.Mailboxes / 2, Domain);
        var host = await EmulatorHost.StartAsync(new EmulatorOptions { Organization = seed, Port = 0, TimeProvider = time }).ConfigureAwait(false);
        var folder = Directory.CreateTempSubdirectory("rulesync-bench-push-").FullName;

        // No retries: a retry would wait on the fake clock, which only the driver moves; a failure fails the run.
        var retry = new RetryOptions { MaxAttempts = 1, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1) };
        var options = BenchRunner.Options(seed, host, folder, Domain, retry);

        // The receiver's rate limit counts on the fake clock, where bursts land on one instant: lifted here.
        options.Push = new PushOptions { Enabled = push, Bind = "127.0.0.1:0", PublicUrl = new Uri("http://127.0.0.1:0/push"), NotificationsPerSecond = 100_000 };
        var world = new PushWorld(time, host, options, folder, push);
        await world.SettleAsync().ConfigureAwait(false);
        return world;
    }

    /// <summary>One meeting with a customer per mailbox at seeded-random instants within the next hour; the latency of each.</summary>
    public async Task<List<TimeSpan>> ChangesAsync(int seed)
    {
#pragma warning disable CA5394 // A seeded schedule, not security.
        var random = new Random(seed);
        var start = time.GetUtcNow();
        var changes = options.Mailboxes
            .Select((m, i) => (At: start + TimeSpan.FromSeconds(Math.Floor(random.NextDouble() * 3600)), Mailbox: m.Id, Subject: $"Change {i}"))
            .OrderBy(c => c.At).ToList();
#pragma warning restore CA5394
        var pending = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var latencies = new List<TimeSpan>();
        var next = 0;
        while (next < changes.Count || pending.Count > 0)
        {
            if (time.GetUtcNow() > start + TimeSpan.FromHours(3))
            {
                throw new InvalidOperationException($"{pending.Count} change(s) never reached the CRM");
            }

            var change = next < changes.Count ? changes[next].At : DateTimeOffset.MaxValue;
            if (change <= NextEvent())
            {
                time.SetUtcNow(change);
                var (_, mailbox, subject) = changes[next++];
                var day = Epoch.AddDays(2 + (next % 20)).AddHours(9);
                host.Organization.ScheduleMeeting(mailbox, new MeetingDraft(subject, day, day.AddHours(1), [Customer]));
                pending[subject] = time.GetUtcNow();
                await PumpAsync().ConfigureAwait(false);
                continue;
            }

            await StepAsync().ConfigureAwait(false);
            var inCrm = host.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject).ToHashSet(StringComparer.Ordinal);
            foreach (var subject in pending.Keys.Where(inCrm.Contains).ToList())
            {
                latencies.Add(time.GetUtcNow() - pending[subject]);
                pending.Remove(subject);
            }
        }

        return latencies;
    }

    /// <summary>An hour without changes: the requests the emulators served, by route family.</summary>
    public async Task<(long Requests, IReadOnlyDictionary<string, long> Routes)> IdleHourAsync()
    {
        // Let the last changes' echoes settle first, then count from a clean slate.
        var until = time.GetUtcNow() + TimeSpan.FromMinutes(30);
        while (NextEvent() <= until)
        {
            await StepAsync().ConfigureAwait(false);
        }

        time.SetUtcNow(until);
        host.Counters.Reset();
        until = time.GetUtcNow() + TimeSpan.FromHours(1);
        while (NextEvent() < until)
        {
            await StepAsync().ConfigureAwait(false);
        }

        var routes = host.Counters.Routes
            .GroupBy(r => r.Key.Split('.')[0] + "." + r.Key.Split('.').ElementAtOrDefault(1))
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Value), StringComparer.Ordinal);
        return (host.Counters.Total, routes);
    }

    public async ValueTask DisposeAsync()
    {
        if (receiver is not null)
        {
            await receiver.StopAsync().ConfigureAwait(false);
            await receiver.DisposeAsync().ConfigureAwait(false);
        }

        subscriptions?.Dispose();
        connections.Dispose();
        store.Dispose();
        await host.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The first poll over every mailbox; with push, the receiver, the subscriptions and the cycle they ask for.</summary>
    private async Task SettleAsync()
    {
        if (push is not null)
        {
            receiver = await PushReceiver.StartAsync(push, registry, trigger, subscriptions!.OnLifecycle, time, NullLoggerFactory.Instance).ConfigureAwait(false);
            push.PublicUrl = receiver.Address;
            await subscriptions.EnsureAsync(CancellationToken.None).ConfigureAwait(false);
            if (registry.Targets.Count != options.Mailboxes.Count)
            {
                throw new InvalidOperationException($"{registry.Targets.Count} of {options.Mailboxes.Count} subscriptions made ({subscriptions.Failures} failures)");
            }
        }

        await CycleAsync(scope.MailboxesToPoll(time.GetUtcNow())).ConfigureAwait(false);
        trigger.Take();
        debounceAt = null;
        await PumpAsync().ConfigureAwait(false);
        nextPoll = time.GetUtcNow() + options.Sync.Interval;
        nextCheck = time.GetUtcNow() + options.Push.CheckEvery;
    }

    private DateTimeOffset NextEvent()
    {
        var next = nextPoll;
        if (debounceAt is { } d && d < next)
        {
            next = d;
        }

        return push is not null && nextCheck < next ? nextCheck : next;
    }

    /// <summary>Moves the clock to the next event of the runner's loop and carries it out.</summary>
    private async Task StepAsync()
    {
        var at = NextEvent();
        time.SetUtcNow(at);
        if (debounceAt == at)
        {
            debounceAt = null;
            await CycleAsync(trigger.Take()).ConfigureAwait(false);
        }
        else if (nextPoll == at)
        {
            nextPoll = at + options.Sync.Interval;
            var only = scope.MailboxesToPoll(at);
            if (only is null)
            {
                // As LiveSyncService: requests pending at a full poll are served by it.
                trigger.Take();
                debounceAt = null;
            }

            await CycleAsync(only).ConfigureAwait(false);
        }
        else
        {
            nextCheck = at + push!.CheckEvery;
            await subscriptions!.EnsureAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await PumpAsync().ConfigureAwait(false);
    }

    private async Task CycleAsync(IReadOnlySet<string>? only)
    {
        var report = await runner.RunCycleAsync(only, CancellationToken.None).ConfigureAwait(false);
        Cycles++;
        if (report.Failed > 0 || report.Error is not null)
        {
            throw new InvalidOperationException($"cycle failed: {report}");
        }
    }

    /// <summary>Delivers the notifications due now; a first request starts the debounce.</summary>
    private async Task PumpAsync()
    {
        if (push is null)
        {
            return;
        }

        await host.Push.DeliverDueAsync().ConfigureAwait(false);
        if (trigger.Requests > requestsSeen)
        {
            requestsSeen = trigger.Requests;
            debounceAt ??= time.GetUtcNow() + push.Debounce;
        }
    }
}
