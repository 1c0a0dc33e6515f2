using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// <c>rulesync run --config rulesync.yaml [--dry-run] [--once]</c>: the live runner as a .NET generic host. Everything
/// is checked before anything runs — config, rule files, state file — and a problem exits 2 with nothing applied.
/// <c>--once</c> runs one cycle and exits (0, or 1 when a mailbox failed or effects were held); without it the runner
/// runs until it is stopped (SIGTERM, Ctrl+C) and a clean stop exits 0 whatever its last cycle found — a stop that lands
/// mid-cycle cancels that cycle's remaining mailboxes, which is not a finding (they resume at the next start); <c>--dry-run</c>
/// journals decisions without carrying out any effect or saving any sync state.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new Option<string>("--config") { Description = "The runner's config file.", DefaultValueFactory = _ => "rulesync.yaml" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Decide and journal, carry out nothing, save no sync state." };
        var once = new Option<bool>("--once") { Description = "Run one cycle and exit." };
        var command = new Command("run", "Run the live sync: every configured mailbox against the CRM, with the tenant's rules and guards.") { config, dryRun, once };
        command.SetAction(parse => Run(console, parse.GetValue(config)!, parse.GetValue(dryRun), parse.GetValue(once)));
        return command;
    }

    private static int Run(CliConsole console, string configPath, bool dryRun, bool once)
    {
        var options = RunnerConfigurationLoader.Load(configPath);
        var rules = LiveRuleSet.Load(options.ResolveRules(options.Rules));
        var shadow = options.ShadowRules is { } s ? LiveRuleSet.Load(options.ResolveRules(s)) : null;
        if (options.Cluster is not null)
        {
            return RunCluster(console, configPath, options, dryRun, once);
        }

        StateStore store;
        try
        {
            store = StateStore.Open(options.StatePath, create: true);
        }
        catch (StateFileException e)
        {
            throw new InvalidInputException(e.Message);
        }

        using (store)
        {
            var mode = new RunMode(once, dryRun);
            var builder = Host.CreateApplicationBuilder([]);
            RunTelemetry.Configure(builder, options.Telemetry, options.Tenant);
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(Options.Create(options));
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(mode);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(sp => new RunnerConnections(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddSingleton(_ => new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
            builder.Services.AddSingleton<IOperatorNotifier>(sp => new OperatorNotifier(
                options.Notifications, sp.GetRequiredService<HttpClient>(), sp.GetRequiredService<ILogger<OperatorNotifier>>()));
            builder.Services.AddSingleton(sp => new LiveRunner(
                options, store, sp.GetRequiredService<RunnerConnections>(), rules, shadow, sp.GetRequiredService<IOperatorNotifier>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<LiveRunner>>(), dryRun));
            builder.Services.AddSingleton(sp => new Live.SyncTrigger(sp.GetRequiredService<TimeProvider>(), options.Push.Debounce));
            builder.Services.AddHostedService<LiveSyncService>();
            if (!once && options.Push.Enabled)
            {
                builder.Services.AddSingleton<Push.PushRegistry>();
                builder.Services.AddSingleton<IPollScope>(sp => new Push.PushPollScope(options.Push, options, sp.GetRequiredService<Push.PushRegistry>()));
                builder.Services.AddSingleton(sp => new Push.PushSubscriptions(
                    options.Push, options, sp.GetRequiredService<RunnerConnections>(), store, sp.GetRequiredService<Push.PushRegistry>(), sp.GetRequiredService<Live.SyncTrigger>(),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Push.PushSubscriptions>>()));
                builder.Services.AddHostedService(sp => new Push.PushHostedService(
                    options.Push, sp.GetRequiredService<Push.PushRegistry>(), sp.GetRequiredService<Live.SyncTrigger>(), sp.GetRequiredService<Push.PushSubscriptions>(),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            }

            // Polling only (or push off): every poll covers every mailbox.
            builder.Services.TryAddSingleton<IPollScope, PollEveryMailbox>();

            if (!once)
            {
                builder.Services.AddHostedService(sp => new Dashboard.DashboardHostedService(
                    options.Dashboard, store, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(),
                    options.Telemetry.ReadyWithinOr(options.Sync.Interval), options.Telemetry.Prometheus));
            }

            using var gauges = StateGauges.Observe(store);
            using var host = builder.Build();
            CheckCrmMapping(console, configPath, host.Services.GetRequiredService<RunnerConnections>());
            host.Run();
            if (!once)
            {
                // Stopped: each cycle's outcome was logged and is on the dashboard; the stop itself went cleanly.
                return (int)ExitCode.Ok;
            }

            if (mode.Crashed is { } crash)
            {
                console.Error.WriteLine($"error: the cycle failed: {crash.Message}");
                return (int)ExitCode.Findings;
            }

            if (mode.Last is { } last)
            {
                console.Out.WriteLine($"{(dryRun ? "dry run: " : string.Empty)}{last.Synced} synced, {last.Skipped} skipped, {last.Failed} failed, {last.Decisions} decisions, {last.Held} held{(last.KillSwitch ? " (kill switch on)" : string.Empty)}{(last.Error is null ? string.Empty : $"; {last.Error}")}");
                return last.Failed > 0 || last.Held > 0 || last.Error is not null ? (int)ExitCode.Findings : (int)ExitCode.Ok;
            }

            return (int)ExitCode.Ok;
        }
    }

    /// <summary>
    /// Cluster mode (a <c>cluster:</c> section): this process is a silo; each tenant's cycles run in its grain. Before
    /// the silo joins, every tenant's operator token is recorded (its hash) for operator commands against the database;
    /// without <c>--once</c> the silo also serves the tenants' dashboard (<c>/tenants/NAME/</c>, each with its token).
    /// </summary>
    private static int RunCluster(CliConsole console, string configPath, RunnerOptions options, bool dryRun, bool once)
    {
        if (dryRun)
        {
            throw new InvalidInputException($"{configPath}: error: --dry-run is not available in cluster mode yet (run it without the cluster: section)");
        }

        var tenants = ClusterTenants.Load(options, console.Environment);
        foreach (var t in tenants.Skip(1))
        {
            // A tenant file's rules are checked before anything runs, as the config's own are.
            _ = LiveRuleSet.Load(t.ResolveRules(t.Rules));
        }

        IReadOnlyList<(string Tenant, Cluster.ClusterCycleReport Report)> reports;
        try
        {
            var connectionString = options.Cluster!.ConnectionString!;
            Cluster.ClusterDatabase.PrepareAsync(connectionString, CancellationToken.None).GetAwaiter().GetResult();
            using (var tokens = Npgsql.NpgsqlDataSource.Create(connectionString))
            {
                // The tenant row keeps the last start's token (in force while no silo is in the membership); the
                // registry this silo's, in force while it is (a rolling token rotation: OperatorTokenRegistry).
                var registry = new Tenant.OperatorTokenRegistry(tokens, options.Cluster.ClusterId);
                var address = System.Net.IPAddress.Parse(options.Cluster.AdvertisedAddress).ToString();
                foreach (var t in tenants)
                {
                    using var store = PostgresStateStore.Open(connectionString, t.Tenant);
                    new Tenant.TenantOperations(store, TimeProvider.System).RecordOperatorToken(t.Dashboard.OperatorToken);
                    registry.Record(t.Tenant, address, options.Cluster.SiloPort, t.Dashboard.OperatorToken);
                }
            }

            reports = once
                ? Cluster.ClusterSilo.RunAsync(options, tenants, once: true, CancellationToken.None).GetAwaiter().GetResult()
                : ServeAsync(options, tenants, connectionString).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or StateFileException)
        {
            // Npgsql's messages name host and database, never the password.
            throw new InvalidInputException($"{configPath}: error: cluster: the cluster database cannot be used: {e.Message}");
        }

        foreach (var (tenant, last) in reports)
        {
            console.Out.WriteLine($"{(reports.Count > 1 ? $"{tenant}: " : string.Empty)}{last.Synced} synced, {last.Skipped} skipped, {last.Failed} failed, {last.Decisions} decisions, {last.Held} held{(last.KillSwitch ? " (kill switch on)" : string.Empty)} (lease {last.LeaseToken}){(last.Error is null ? string.Empty : $"; {last.Error}")}");
        }

        return reports.Any(r => r.Report.Failed > 0 || r.Report.Held > 0 || r.Report.Error is not null) ? (int)ExitCode.Findings : (int)ExitCode.Ok;
    }

    /// <summary>Connections the silo's dashboard opens to the cluster database at most, for all its tenants.</summary>
    private const int DashboardConnections = 4;

    /// <summary>The silo until shutdown, with the tenants' dashboard over the cluster database beside it.</summary>
    private static async Task<IReadOnlyList<(string, Cluster.ClusterCycleReport)>> ServeAsync(RunnerOptions options, IReadOnlyList<RunnerOptions> tenants, string connectionString)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft", LogLevel.Warning));
        // One small pool for every tenant's dashboard (the silo's tenants have theirs in ClusterConnections).
        var pool = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DashboardConnections };
        await using var dashboardPool = Npgsql.NpgsqlDataSource.Create(pool);
        var stores = tenants.Select(t => PostgresStateStore.Open(dashboardPool, t.Tenant)).ToList();
        try
        {
            // Each tenant's actions are checked against the tokens in force for it across the cluster (its live silos'
            // configs), not only this silo's: during a rolling token rotation both tokens work on every dashboard.
            var registry = new Tenant.OperatorTokenRegistry(dashboardPool, options.Cluster!.ClusterId);
            var sites = tenants.Zip(stores, (t, store) => new Dashboard.DashboardSite(
                t.Tenant,
                new Tenant.StoreOperatorConsole(store, TimeProvider.System),
                t.Dashboard.OperatorToken,
                () => registry.HashesInForce(t.Tenant, () => store.Tenant().OperatorTokenHash))).ToList();
            await using var dashboard = await Dashboard.DashboardServer.StartAsync(sites, options.Dashboard, TimeProvider.System, loggers).ConfigureAwait(false);
            return await Cluster.ClusterSilo.RunAsync(options, tenants, once: false, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    /// <summary>
    /// The CRM mapping against the service's <c>$metadata</c>, before the first cycle: a missing field or a wrong type
    /// is invalid input (exit 2, naming the entity set and field). A CRM that cannot be reached now is checked again
    /// by the first poll.
    /// </summary>
    private static void CheckCrmMapping(CliConsole console, string configPath, RunnerConnections connections)
    {
        try
        {
            connections.Crm.EnsureMappingAsync().GetAwaiter().GetResult();
        }
        catch (CrmMappingException e)
        {
            throw new InvalidInputException($"{configPath}: error: crm: {e.Message}");
        }
        catch (Exception e) when (e is ODataCrmException or ODataTransientException or HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
        {
            console.Error.WriteLine($"warning: the CRM's $metadata could not be read now ({e.Message}); the first poll checks the mapping");
        }
    }
}
