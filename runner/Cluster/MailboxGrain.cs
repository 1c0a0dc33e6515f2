using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Guards;
using RulesSync.Runner.Live;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// One mailbox of a tenant (key: <see cref="MailboxGrainKey"/>): its sync, ordered by its tenant grain each cycle. An
/// order is never one long grain call (a sync may outlast Orleans' response timeout, and so may its wait for a slot of
/// the silo): <see cref="StartSyncAsync"/> starts it and answers at once, <see cref="SyncStatusAsync"/> answers within
/// a short wait whether it has ended, with its report (<see cref="MailboxGrainDispatch"/> polls).
/// </summary>
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts syncing the mailbox once against the order's CRM snapshot, within the tenant's budget of the order's cycle,
    /// and answers at once. The same order again (a caller asking twice) joins the sync it started; another order
    /// waits for the sync before it: a mailbox never syncs twice at once. An order under a newer tenant lease token
    /// cancels the syncs of older ones (fenced off anyway), which stop as after a crash.
    /// </summary>
    Task<MailboxSyncTicket> StartSyncAsync(MailboxSyncOrder order);

    /// <summary>
    /// The sync's state: finished (with its report) or failed as soon as it ends within <paramref name="wait"/> (capped at
    /// <see cref="CycleTicket.LongestWait"/>), else running; lost when this activation never started it (the one that
    /// did is gone with its silo). Interleaves with every other call.
    /// </summary>
    [AlwaysInterleave]
    Task<MailboxSyncStatus> SyncStatusAsync(string syncId, TimeSpan wait);

    /// <summary>The silo this activation runs on.</summary>
    Task<string> SiloAsync();
}

/// <summary>A started (or joined) mailbox sync: its id (the order's tenant lease token and cycle), where it runs, whether it was started already.</summary>
[GenerateSerializer]
[Immutable]
public sealed record MailboxSyncTicket(
    [property: Id(0)] string SyncId,
    [property: Id(1)] bool Joined,
    [property: Id(2)] string Silo)
{
    /// <summary>The id of <paramref name="order"/>'s sync: one per tenant activation (its lease token) and cycle.</summary>
    public static string IdOf(MailboxSyncOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{order.TenantToken}.{order.Cycle}");
    }
}

/// <summary>A mailbox sync's state (as a tenant's cycle's: running, finished, failed, lost); the report when finished, the error's words when failed or lost.</summary>
[GenerateSerializer]
[Immutable]
public sealed record MailboxSyncStatus(
    [property: Id(0)] CycleState State,
    [property: Id(1)] MailboxSyncReport? Report,
    [property: Id(2)] string? Error);

/// <summary>
/// A tenant grain's order to one of its mailbox grains for a cycle: the tenant's lease token (the mailbox writes under
/// it), the cycle (whose mass-change budget it shares), the meetings of every mailbox due (the tenant share's base),
/// the hash of the rule set in force, the cycle's CRM snapshot, and the mailbox's sync state as the cycle read it (its
/// row's <c>SyncStateJson</c>; null when the mailbox grain must read it itself: the mailbox's previous order of the
/// tenant's activation ended without a report, so its sync may have saved after the cycle's read, or it never synced).
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record MailboxSyncOrder(
    [property: Id(0)] long TenantToken,
    [property: Id(1)] long Cycle,
    [property: Id(2)] int TenantMeetings,
    [property: Id(3)] string RuleSetHash,
    [property: Id(4)] CrmSnapshotWire Snapshot,
    [property: Id(5)] string? SyncState = null);

/// <summary>
/// What a mailbox grain's sync did: as <see cref="MailboxSyncResult"/>, the held effects by id; the silo that ran it;
/// why it refused, if it did; the lease token that fenced it off, if one did (the tenant's activation that ordered
/// the sync is fenced off too: its cycle stops there, as when its own write is refused); the CRM writes it made (laid
/// over the cycle's snapshot for the mailboxes ordered after it, as the embedded runner's shared snapshot does); the
/// finished sync it did not write (<see cref="Finished"/>): the tenant grain writes it with the cycle's others, in one
/// transaction, as a tenant-local cycle writes its own.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record MailboxSyncReport(
    [property: Id(0)] bool Ok,
    [property: Id(1)] int Decisions,
    [property: Id(2)] ImmutableArray<string> Held,
    [property: Id(3)] string Silo,
    [property: Id(4)] string? Refused,
    [property: Id(5)] long? FencedBy = null,
    [property: Id(6)] ImmutableArray<CrmRecordWire> Written = default,
    [property: Id(7)] ImmutableArray<string> Deleted = default,
    [property: Id(8)] ImmutableArray<FinishedSyncWire> Finished = default);

/// <summary>
/// A mailbox's finished sync not yet written (the store's <c>PendingSync</c>, <see cref="IStateStore.CompleteSync"/>):
/// its key, its sync state as <c>SyncStateJson</c>, when it finished, how long it took, when its attempt began.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record FinishedSyncWire(
    [property: Id(0)] string Mailbox,
    [property: Id(1)] string SyncState,
    [property: Id(2)] long At,
    [property: Id(3)] long Milliseconds,
    [property: Id(4)] long AttemptStarted)
{
    internal static FinishedSyncWire Of(PendingSync sync) => new(sync.Mailbox, sync.Json, sync.At, sync.Milliseconds, sync.AttemptStarted);

    internal PendingSync ToPending() => new(Mailbox, SyncState, At, Milliseconds, AttemptStarted);
}

/// <summary>The key of a tenant's mailbox grain: <c>tenant/mailbox</c> (the mailbox's id as the state store keys it).</summary>
public static class MailboxGrainKey
{
    /// <summary>The key of <paramref name="mailbox"/> of <paramref name="tenant"/>.</summary>
    public static string Of(string tenant, string mailbox) => $"{tenant}/{StateStore.Key(mailbox)}";

    /// <summary>Tenant and mailbox from a key (the tenant ends at the first '/'; tenant names are file names).</summary>
    public static (string Tenant, string Mailbox) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? throw new ArgumentException($"'{key}' is not tenant/mailbox", nameof(key)) : (key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>
/// One mailbox of a tenant, placed over the silos (<see cref="SpreadPlacementAttribute"/>): its cursor, sync state and
/// breaker (the mailbox's row and the runner's per-mailbox retry), synced by <see cref="LiveRunner.SyncMailboxAsync"/> —
/// the embedded runner's own per-mailbox path, through the same engine stages and ports. The tenant grain keeps what is
/// tenant-wide (rule set in force, CRM poll, kill switch, held and approved effects) and orders a sync per cycle
/// (<see cref="MailboxGrainDispatch"/>), with the sync state its cycle read (not read again here) and receives the
/// finished sync back to write with the cycle's others (not written here: a no-change sync costs the grain no database
/// round trip). The grain writes under the tenant's lease token it is given, so a successor
/// of the tenant fences it off as it fences the tenant's predecessor; each decision is under a meeting lease
/// (<see cref="MeetingLeases"/>) whose token the journal checks; destructive effects count against the cycle's budget in
/// the database (<see cref="ClusterBudget"/>), shared with the tenant's mailbox grains on other silos.
/// </summary>
[SpreadPlacement]
internal sealed partial class MailboxGrain(ITenantRuntimes runtimes, ClusterConnections pools, ILocalSiloDetails silo, ILogger<MailboxGrain> logger) : Grain, IMailboxGrain, IDisposable
{
    /// <summary>How many syncs' outcomes an activation keeps for late pollers (running ones are always kept).</summary>
    private const int KeptSyncs = 16;

    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, Task<MailboxSyncReport>> syncs = new(StringComparer.Ordinal);
    private readonly Queue<string> started = new();
    private readonly List<(long Token, CancellationTokenSource Cancel)> unfinishedByToken = [];
    private Task latest = Task.CompletedTask;
    private int unfinished;
    private string tenant = string.Empty;
    private TenantRuntime? runtime;
    private MailboxOptions? mailbox;
    private PostgresStateStore? store;
    private LiveRuleSet? rules;
    private LiveRuleSet? shadow;
    private MeetingLeases? meetings;
    private LiveRunner? runner;
    private long token;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (tenant, var id) = MailboxGrainKey.Parse(this.GetPrimaryKeyString());
        runtime = runtimes.For(tenant);
        var options = runtime.Options;
        mailbox = options.Mailboxes.FirstOrDefault(m => StateStore.Key(m.Id) == id)
            ?? throw new InvalidOperationException($"tenant {tenant} has no mailbox '{id}' on this silo: give every silo the same tenant files");
        store = PostgresStateStore.Open(pools.State(runtime.ConnectionString), tenant);
        rules = LiveRuleSet.Load(options.ResolveRules(options.Rules));
        shadow = options.ShadowRules is { } s ? LiveRuleSet.Load(options.ResolveRules(s)) : null;
        return base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A sync still running when the activation goes (the silo stopping) is cancelled: it stops as after a crash, and
        // the next order resumes from the journal. Its pollers find it lost.
        if (!latest.IsCompleted)
        {
            await stopping.CancelAsync().ConfigureAwait(true);
            try
            {
                await latest.WaitAsync(cancellationToken).ConfigureAwait(true);
            }
            catch (OperationCanceledException)
            {
                // Orleans' deactivation timeout ran out first: the sync's writes stop at the next fenced transaction.
            }
        }

        // The store and the meeting leases borrow the silo's pools (ClusterConnections), which stay open for its other grains.
        store?.Dispose();
        await base.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(true);
    }

    public void Dispose() => stopping.Dispose();

    public Task<MailboxSyncTicket> StartSyncAsync(MailboxSyncOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var where = silo.SiloAddress.ToString();
        var id = MailboxSyncTicket.IdOf(order);
        if (syncs.ContainsKey(id))
        {
            // The same order again (its caller asked twice): the sync it started, never a second one.
            return Task.FromResult(new MailboxSyncTicket(id, Joined: true, where));
        }

        // An order of a newer activation of the tenant supersedes the older ones' syncs, running or waiting: their writes
        // are fenced off anyway, and one may be waiting for a meeting lease its lost sibling holds. They stop as after a
        // crash; this order resumes from the journal.
        foreach (var older in unfinishedByToken.Where(u => u.Token < order.TenantToken))
        {
            older.Cancel.Cancel();
        }

        // After the sync ordered before it, if that one still runs (an order its caller stopped waiting for).
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        unfinishedByToken.Add((order.TenantToken, cancellation));
        var sync = RunAfterAsync(latest, order, cancellation);
        syncs[id] = sync;
        started.Enqueue(id);
        latest = sync;
        unfinished++;
        // The activation stays while a sync runs, polled or not.
        DelayDeactivation(Timeout.InfiniteTimeSpan);
        while (started.Count > KeptSyncs && syncs[started.Peek()].IsCompleted)
        {
            syncs.Remove(started.Dequeue());
        }

        return Task.FromResult(new MailboxSyncTicket(id, Joined: false, where));
    }

    public async Task<MailboxSyncStatus> SyncStatusAsync(string syncId, TimeSpan wait)
    {
        if (!syncs.TryGetValue(syncId, out var sync))
        {
            return new MailboxSyncStatus(CycleState.Lost, null, $"sync {syncId} of mailbox {this.GetPrimaryKeyString()} is not known to its activation on {silo.SiloAddress}: the activation that ran it is gone");
        }

        var limit = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > CycleTicket.LongestWait ? CycleTicket.LongestWait : wait;
        // Real time: the runtime's clock may be a test's fake one.
        await Task.WhenAny(sync, Task.Delay(limit, TimeProvider.System)).ConfigureAwait(true);
        if (!sync.IsCompleted)
        {
            return new MailboxSyncStatus(CycleState.Running, null, null);
        }

        if (!sync.IsCompletedSuccessfully)
        {
            return new MailboxSyncStatus(CycleState.Failed, null, sync.Exception?.InnerException?.Message ?? $"sync {syncId} of mailbox {this.GetPrimaryKeyString()} cancelled: its activation is stopping, or an order of a newer activation of the tenant superseded it");
        }

        if (sync.Result.FencedBy is not null && unfinished == 0)
        {
            // Fenced off, and no newer order waiting: the activation leaves once its poller has the report.
            DeactivateOnIdle();
        }

        return new MailboxSyncStatus(CycleState.Finished, sync.Result, null);
    }

    /// <summary>A started sync, on this activation's scheduler, once <paramref name="previous"/> ended (however it ended).</summary>
    private async Task<MailboxSyncReport> RunAfterAsync(Task previous, MailboxSyncOrder order, CancellationTokenSource cancellation)
    {
        // Returns to StartSyncAsync's caller first: the sync runs after this turn.
        await Task.Yield();
        try
        {
            await previous.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current).ConfigureAwait(true);
            cancellation.Token.ThrowIfCancellationRequested();
            return await SyncAsync(order, cancellation.Token).ConfigureAwait(true);
        }
        finally
        {
            unfinishedByToken.RemoveAll(u => u.Cancel == cancellation);
            cancellation.Dispose();
            if (--unfinished == 0)
            {
                DelayDeactivation(TimeSpan.Zero);
            }
        }
    }

    /// <summary>One ordered sync: refused under an older tenant token or another rule set, else within a mailbox slot of the silo.</summary>
    private async Task<MailboxSyncReport> SyncAsync(MailboxSyncOrder order, CancellationToken cancellationToken)
    {
        var where = silo.SiloAddress.ToString();
        using var scope = CrashPoints.Within($"{tenant}@{where}");
        if (order.TenantToken < token)
        {
            // An order of a tenant activation older than one already served: that activation is fenced off.
            return new MailboxSyncReport(false, 0, [], where, $"an order under token {order.TenantToken}, older than {token}");
        }

        if (InForce(order.RuleSetHash) is { } refusal)
        {
            LogRefused(logger, mailbox!.Id, refusal);
            return new MailboxSyncReport(false, 0, [], where, refusal);
        }

        if (order.TenantToken != token)
        {
            Join(order.TenantToken, where);
        }

        // The silo's mailbox slots (SiloAdmission): waited for asynchronously, so a thread that reaches the pool finds a
        // connection, however many tenants' orders arrive at once. No call is pending meanwhile: the order was answered.
        using var slot = await pools.Admission.MailboxAsync(cancellationToken).ConfigureAwait(true);
        try
        {
            var budget = new MassChangeGuard(runtime!.Options.Guards, order.TenantMeetings, new ClusterBudget(store!, order.Cycle));
            var snapshot = order.Snapshot.FromWire();
            // The cycle's read of the sync state, unless this activation's store still holds a finished sync unwritten (one
            // that ended without handing it back: cancelled, or fenced off): the store then writes that first and reads.
            var read = order.SyncState is { } json && !store!.HasPending ? SyncStateJson.Deserialize(json) : null;
            var result = await runner!.SyncMailboxAsync(mailbox!, read, snapshot, budget, cancellationToken).ConfigureAwait(true);
            // The finished sync goes back to the tenant grain, which writes it with the cycle's others.
            var finished = store!.TakePending();
            CrashPoints.Reach($"sync of {StateStore.Key(mailbox!.Id)} handed back by its mailbox grain");
            var (written, deleted) = snapshot.WritesToWire();
            return new MailboxSyncReport(
                result.Ok, result.Decisions, [.. result.Held.Select(h => h.Id)], where, null, null, written, deleted, [.. finished.Select(FinishedSyncWire.Of)]);
        }
        catch (FencedOffException e)
        {
            // A successor took the tenant over: nothing more from this activation (its next order comes under the new token).
            LogFencedOff(logger, mailbox!.Id, where, e.Token, e.Current);
            CrashPoints.Reach($"fenced off at token {e.Token} (lease at {e.Current}), before deactivating");
            // Deactivated once the report is collected (SyncStatusAsync): a poller finds it here, not lost.
            return new MailboxSyncReport(false, 0, [], where, e.Message, e.Current);
        }
        catch (Npgsql.NpgsqlException e)
        {
            throw new InvalidOperationException($"mailbox {mailbox!.Id} of tenant {tenant} on {where}: the cluster database failed: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : string.Empty)}");
        }
    }

    public Task<string> SiloAsync() => Task.FromResult(silo.SiloAddress.ToString());

    /// <summary>Null when this silo's rule files are the rule set the tenant has in force (reloaded when they changed); else why not.</summary>
    private string? InForce(string hash)
    {
        if (rules!.Current.Hash != hash)
        {
            _ = rules.Refresh();
        }

        return rules.Current.Hash == hash
            ? null
            : $"this silo's rule set {rules.Current.Hash[..12]} is not the tenant's in force {hash[..Math.Min(12, hash.Length)]}: mailbox not synced";
    }

    /// <summary>Works for the tenant activation holding <paramref name="tenantToken"/>: writes fenced by it, meeting leases held in its name.</summary>
    private void Join(long tenantToken, string where)
    {
        token = tenantToken;
        store!.WriteUnder(tenantToken);
        meetings = MeetingLeases.Open(pools.Leases(runtime!.ConnectionString), tenant, $"{where}/{this.GetGrainId()}", tenantToken, runtime.MeetingLease ?? MeetingLeases.DefaultDuration, TimeProvider.System);
        runner = new LiveRunner(
            runtime.Options, store, runtime.Connections, rules!, shadow, runtime.Notifier, runtime.Time, ServiceProvider.GetRequiredService<ILogger<LiveRunner>>(), meetings: meetings,
            snapshotPerMailbox: true);
    }

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "mailbox {Mailbox} refused: {Why}")]
    private static partial void LogRefused(ILogger logger, string mailbox, string why);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "mailbox {Mailbox} on {Silo} fenced off (token {Token}, lease now {Current}): deactivating")]
    private static partial void LogFencedOff(ILogger logger, string mailbox, string silo, long token, long current);
}
