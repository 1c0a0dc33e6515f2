using Microsoft.Extensions.Logging;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>
/// The live runner wired to the protocol emulators through the real SDK connectors, on the emulator's fake clock:
/// a state file in a temp folder, captured logs and notices. Cycles run through <see cref="CycleAsync"/>, which
/// advances the clock exactly by each retry delay the connectors log — no sleeping.
/// </summary>
internal sealed class RunnerTestHost : IAsyncDisposable
{
    private readonly TempFiles files;
    private readonly RunnerConnections connections;
    private readonly StateStore store;

    private RunnerTestHost(ConnectorTestHost t, RunnerOptions options, TempFiles files)
    {
        T = t;
        Options = options;
        this.files = files;
        store = StateStore.Open(options.StatePath, create: true);
        connections = new RunnerConnections(options, t.Time, t.Logs);
        Runner = Build(dryRun: false);
        Runner.Start();
    }

    public ConnectorTestHost T { get; }

    public RunnerOptions Options { get; }

    /// <summary>The runner's connections (the CRM's live-id listing among them).</summary>
    internal RunnerConnections Connections => connections;

    public LiveRunner Runner { get; private set; }

    public StateStore Store => store;

    public StateQueries Queries => new(store);

    public List<OperatorNotice> Notices { get; } = [];

    public string Folder => files.Folder;

    public LiveRuleSet Rules { get; private set; } = null!;

    /// <summary>Starts emulators and a runner over the given mailboxes (in sync order), rules and dialect.</summary>
    public static async Task<RunnerTestHost> StartAsync(
        string rules = "embedded:default",
        ApiVersion dialect = ApiVersion.V2,
        bool autoShare = true,
        string[]? mailboxes = null,
        Action<RunnerOptions>? configure = null,
        EmulatorOptions? emulator = null)
    {
        var t = await ConnectorTestHost.StartAsync(emulator);
        var retry = new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8) };
        var options = new RunnerOptions
        {
            Tenant = "contoso",
            Rules = rules,
            StateFile = "state.db",
            Sync = new SyncScheduleOptions { AutoShare = autoShare, MaxParallelMailboxes = 1 },
            Mailboxes = [.. (mailboxes ?? [ConnectorTestHost.Alice, ConnectorTestHost.Bob]).Select(m => new MailboxOptions
            {
                Id = m,
                Provider = m is ConnectorTestHost.Carol or ConnectorTestHost.Dave ? Provider.Google : Provider.Exchange,
            })],
            Breaker = new BreakerOptions { RetryAttempts = 0, FailuresBeforeSuspend = 3, BackoffBase = TimeSpan.FromMinutes(1), BackoffMax = TimeSpan.FromMinutes(4) },
        }.UseEmulators(t.Host, dialect, ConnectorTestHost.Domain, retry);
        var files = new TempFiles();
        options.BaseDirectory = files.Folder;
        configure?.Invoke(options);
        return new RunnerTestHost(t, options, files);
    }

    /// <summary>A new runner over the same state file (a restart); optionally a dry run.</summary>
    public void Restart(bool dryRun = false)
    {
        Runner = Build(dryRun);
        Runner.Start();
    }

    /// <summary>Runs one cycle, advancing the fake clock through every retry the connectors schedule.</summary>
    public async Task<CycleReport> CycleAsync()
    {
        var cycle = Runner.RunCycleAsync(CancellationToken.None);
        return await T.CompleteWithRetriesAsync(cycle);
    }

    /// <summary>Moves the clock (the emulators' and the runner's) forward.</summary>
    public void Advance(TimeSpan by) => T.Time.Advance(by);

    public async ValueTask DisposeAsync()
    {
        connections.Dispose();
        store.Dispose();
        await T.DisposeAsync();
        files.Dispose();
    }

    private LiveRunner Build(bool dryRun)
    {
        Rules = LiveRuleSet.Load(Options.ResolveRules(Options.Rules));
        var shadow = Options.ShadowRules is { } s ? LiveRuleSet.Load(Options.ResolveRules(s)) : null;
        return new LiveRunner(Options, store, connections, Rules, shadow, new CollectingNotifier(Notices), T.Time, T.Logs.CreateLogger<LiveRunner>(), dryRun);
    }
}
