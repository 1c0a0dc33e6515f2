using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Live;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// One tenant of the cluster, keyed by its name: the rule set in force, the CRM poll and snapshot, the mass-change
/// budget, the kill switch, held and approved effects, and every mailbox's sync with its cursor, state and breaker —
/// the embedded runner's <see cref="LiveRunner"/> over the tenant's rows in PostgreSQL, unchanged. Orleans keeps one
/// activation per tenant in the cluster, so the runner's per-meeting locks serialize every decision of the tenant
/// across silos; the tenant's lease (<see cref="PostgresStateStore.TakeLease"/>) covers the window where a silo is dead
/// or cut off but its activation has not noticed: the new activation's token fences the old one's writes off. Each
/// meeting is serialized by a lease in the database (<see cref="MeetingLeases"/>) whose token the journal checks.
/// </summary>
/// <remarks>
/// Placed over the silos in turn (<see cref="SpreadPlacementAttribute"/>), not by Orleans' default: since Orleans 9.2
/// the default is resource-optimized placement, which keeps an activation on the calling silo while the silos'
/// resource scores are within its local-preference margin — so on idle silos of equal size the silo that happens to
/// call (a reminder's owner, the bench's driver, one gateway) gets every tenant. The full-scale benchmark put 95 of 100
/// tenants on one of three silos that way. A tenant is the heavy, long-lived unit of a cluster (its cycle, its
/// mailboxes' syncs unless mailbox grains carry them), and tenants are few, so an even count per silo is the better
/// spread.
/// </remarks>
[SpreadPlacement]
internal sealed partial class TenantGrain(ITenantRuntimes runtimes, ClusterConnections pools, ILocalSiloDetails silo, ILogger<TenantGrain> logger) : Grain, ITenantGrain, IRemindable, IDisposable
{
    private const string CycleReminder = "cycle";

    private TenantRuntime? runtime;
    private PostgresStateStore? store;
    private LiveRunner? runner;
    private LiveRuleSet? rules;
    private string? checkedText;
    private string? checkedHash;
    private MeetingLeases? meetings;

    /// <summary>How many finished cycles' outcomes an activation keeps for late pollers.</summary>
    private const int KeptOutcomes = 16;

    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, CycleStatus> finished = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();
    private RunningCycle? running;
    private int cycles;
    private bool fencedOff;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var tenant = this.GetPrimaryKeyString();
        runtime = runtimes.For(tenant);
        // Its store work waits for an activation slot of the silo (SiloAdmission), not for a pooled connection: many
        // tenants activating at once (a silo starting, or taking over a dead one's) queue here without holding threads.
        // Not cancelled by Orleans' activation timeout: a caller that times out meanwhile asks again (TenantCycles).
        using (await pools.Admission.ActivationAsync(CancellationToken.None).ConfigureAwait(true))
        {
            Open(tenant);
        }

        if (runtime.CycleEvery is { } period)
        {
            // A reminder survives the activation and the silo: the cycle keeps coming wherever the tenant lives next.
            await this.RegisterOrUpdateReminder(CycleReminder, period, period, cancellationToken).ConfigureAwait(true);
        }

        await base.OnActivateAsync(cancellationToken).ConfigureAwait(true);
    }

    /// <summary>The activation's store, lease, meeting leases and runner (synchronous database work).</summary>
    private void Open(string tenant)
    {
        store = PostgresStateStore.Open(pools.State(runtime!.ConnectionString), tenant);
        var where = silo.SiloAddress.ToString();
        var token = store.TakeLease($"{where}/{this.GetGrainId()}", runtime.Time.GetUtcNow().ToUnixTimeMilliseconds());
        LogActivated(logger, tenant, where, token);
        var options = runtime.Options;
        rules = LiveRuleSet.Load(options.ResolveRules(options.Rules));
        var shadow = options.ShadowRules is { } s ? LiveRuleSet.Load(options.ResolveRules(s)) : null;
        meetings = MeetingLeases.Open(pools.Leases(runtime.ConnectionString), tenant, $"{where}/{this.GetGrainId()}", token, runtime.MeetingLease ?? MeetingLeases.DefaultDuration, TimeProvider.System);
        var broken = meetings.BreakLeasesOfOlderActivations();
        if (broken > 0)
        {
            LogLeasesBroken(logger, tenant, broken, token);
        }

        runner = new LiveRunner(
            options, store, runtime.Connections, rules, shadow, runtime.Notifier, runtime.Time, ServiceProvider.GetRequiredService<ILogger<LiveRunner>>(),
            meetings: meetings, dispatch: MailboxDispatch(tenant), admission: pools.Admission);
        runner.Start();
    }

    /// <summary>Where the cycle's mailboxes sync: in mailbox grains over the silos when the tenant runs so, else here (null).</summary>
    private MailboxGrainDispatch? MailboxDispatch(string tenant) =>
        runtime!.MailboxGrains
            ? new MailboxGrainDispatch(
                GrainFactory, tenant, store!, rules!, runtime.Options.Sync.MaxParallelMailboxes, runtime.Connections.LiveIds,
                MailboxGrainDispatch.PollWaitFor(ServiceProvider.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout),
                runtime.MailboxSyncLimit ?? MailboxGrainDispatch.DefaultSyncLimit)
            : null;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A cycle still running when the activation goes (the silo stopping) is cancelled: it stops as after a crash,
        // and the next activation resumes from the journal. Its callers find it lost.
        if (running is { } cycle)
        {
            await stopping.CancelAsync().ConfigureAwait(true);
            try
            {
                await cycle.Task.WaitAsync(cancellationToken).ConfigureAwait(true);
            }
            catch (OperationCanceledException)
            {
                // Orleans' deactivation timeout ran out first: the cycle's writes stop at the next fenced transaction.
            }
        }

        // The store borrows the silo's pool (ClusterConnections), which stays open for the silo's other tenants.
        store?.Dispose();
        stopping.Dispose();
        await base.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(true);
    }

    public void Dispose() => stopping.Dispose();

    public Task<CycleTicket> StartCycleAsync()
    {
        var where = silo.SiloAddress.ToString();
        if (running is { } cycle)
        {
            return Task.FromResult(new CycleTicket(cycle.Id, Joined: true, where, store!.Fence ?? 0));
        }

        var id = $"{store!.Fence ?? 0}.{++cycles}";
        var started = new RunningCycle(id);
        running = started;
        // The activation stays while its cycle runs, polled or not (a reminder's cycle has nobody polling it).
        DelayDeactivation(Timeout.InfiniteTimeSpan);
        started.Task = RunAsync(started);
        return Task.FromResult(new CycleTicket(id, Joined: false, where, store.Fence ?? 0));
    }

    public async Task<CycleStatus> CycleStatusAsync(string cycleId, TimeSpan wait)
    {
        if (finished.TryGetValue(cycleId, out var done))
        {
            return done;
        }

        if (running is not { } cycle || cycle.Id != cycleId)
        {
            return new CycleStatus(CycleState.Lost, null, $"cycle {cycleId} of tenant {this.GetPrimaryKeyString()} is not known to its activation on {silo.SiloAddress} (lease {store?.Fence ?? 0}): the activation that ran it is gone");
        }

        var limit = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > CycleTicket.LongestWait ? CycleTicket.LongestWait : wait;
        // Real time: the runtime's clock may be a test's fake one.
        await Task.WhenAny(cycle.Task, Task.Delay(limit, TimeProvider.System)).ConfigureAwait(true);
        return finished.TryGetValue(cycleId, out done) ? done : new CycleStatus(CycleState.Running, null, null);
    }

    /// <summary>The started cycle, on this activation's scheduler from its first await on; its outcome is kept for the pollers.</summary>
    private async Task RunAsync(RunningCycle cycle)
    {
        // Returns to StartCycleAsync's caller first: the cycle runs after this turn.
        await Task.Yield();
        CycleStatus outcome;
        try
        {
            // A slot of the silo's cycles first (SiloAdmission): the cycle's store calls then find a connection free.
            using (await pools.Admission.CycleAsync(stopping.Token).ConfigureAwait(true))
            {
                outcome = new CycleStatus(CycleState.Finished, await CycleAsync(stopping.Token).ConfigureAwait(true), null);
            }
        }
        catch (Exception e)
        {
            outcome = new CycleStatus(CycleState.Failed, null, e.Message);
        }

        finished[cycle.Id] = outcome;
        order.Enqueue(cycle.Id);
        while (order.Count > KeptOutcomes)
        {
            finished.Remove(order.Dequeue());
        }

        running = null;
        DelayDeactivation(TimeSpan.Zero);
        if (fencedOff)
        {
            // Orleans drops this activation; the next call reaches a successor (and a poller finds this cycle lost).
            DeactivateOnIdle();
        }
    }

    private async Task<ClusterCycleReport> CycleAsync(CancellationToken cancellationToken)
    {
        using var scope = CrashPoints.Within($"{this.GetPrimaryKeyString()}@{silo.SiloAddress}");
        CycleReport report;
        try
        {
            // The rolling-upgrade guard first (its first write, adopting the rule set, is fenced like every other).
            if (RuleSetInForce.Refusal(store!, FilesHash(), silo.SiloAddress.ToString(), runtime!.Time.GetUtcNow().ToUnixTimeMilliseconds()) is { } refusal)
            {
                LogRuleSetRefused(logger, this.GetPrimaryKeyString(), refusal);
                return new ClusterCycleReport(0, 0, 0, 0, 0, 0, KillSwitch: false, refusal, silo.SiloAddress.ToString(), store!.Fence ?? 0);
            }

            report = await runner!.RunCycleAsync(cancellationToken).ConfigureAwait(true);
        }
        catch (FencedOffException e)
        {
            // Another activation took the tenant over: this one must not write again.
            fencedOff = true;
            var where = silo.SiloAddress.ToString();
            LogFencedOff(logger, this.GetPrimaryKeyString(), where, e.Token, e.Current);
            CrashPoints.Reach($"fenced off at token {e.Token} (lease at {e.Current}), before deactivating");
            throw;
        }
        catch (MailboxOrderFailedException e)
        {
            // A mailbox activation may live on, cut off, under this activation's token: the successor's new token fences it off.
            fencedOff = true;
            LogMailboxOrderFailed(logger, this.GetPrimaryKeyString(), e.Message);
            throw new InvalidOperationException(e.Message);
        }
        catch (Npgsql.NpgsqlException e)
        {
            // Npgsql's messages name no password.
            throw new InvalidOperationException($"tenant {this.GetPrimaryKeyString()} on {silo.SiloAddress}: the cluster database failed mid-cycle: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : string.Empty)}");
        }

        return new ClusterCycleReport(
            report.Synced, report.Skipped, report.Failed, report.Decisions, report.Held, report.ApprovedApplied, report.KillSwitch, report.Error, silo.SiloAddress.ToString(), store!.Fence ?? 0);
    }

    /// <summary>
    /// The hash of the rule set this silo's files hold now (the one the cycle would reload; linted again only when the
    /// text changed); the loaded one while the files cannot be used (the runner keeps it in force then).
    /// </summary>
    private string FilesHash()
    {
        if (rules!.Source.StartsWith(RuleFileReader.EmbeddedPrefix, StringComparison.Ordinal))
        {
            return rules.Current.Hash;
        }

        try
        {
            var text = RuleFileReader.Read(rules.Source).Text;
            if (text != checkedText)
            {
                checkedHash = LiveRuleSet.Load(rules.Source).Current.Hash;
                checkedText = text;
            }

            return checkedHash!;
        }
        catch (Exception e) when (e is RuleFileException or UndecidableRuleSetException or IOException or Configuration.InputFileException)
        {
            return rules.Current.Hash;
        }
    }

    public Task<long> LeaseTokenAsync() => Task.FromResult(store!.Fence ?? 0);

    /// <summary>The reminder starts the cycle as any caller does (or joins the one running: never two at once) and does not wait for it.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == CycleReminder)
        {
            _ = await StartCycleAsync().ConfigureAwait(true);
        }
    }

    /// <summary>A cycle this activation started: its id and the task that runs it.</summary>
    private sealed class RunningCycle(string id)
    {
        public string Id { get; } = id;

        public Task Task { get; set; } = Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "tenant {Tenant}: {Count} meeting lease(s) of earlier activations broken by the activation with token {Token}")]
    private static partial void LogLeasesBroken(ILogger logger, string tenant, int count, long token);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "tenant {Tenant} on {Silo} fenced off (token {Token}, lease now {Current}): deactivating")]
    private static partial void LogFencedOff(ILogger logger, string tenant, string silo, long token, long current);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "tenant {Tenant} refused: {Why}")]
    private static partial void LogRuleSetRefused(ILogger logger, string tenant, string why);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "tenant {Tenant}: {Error}; deactivating so that the successor's lease fences the lost mailbox activations off")]
    private static partial void LogMailboxOrderFailed(ILogger logger, string tenant, string error);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "tenant {Tenant} activated on {Silo} with lease token {Token}")]
    private static partial void LogActivated(ILogger logger, string tenant, string silo, long token);
}
