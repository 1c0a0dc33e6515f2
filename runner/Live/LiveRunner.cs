using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Guards;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

using RulesSync.Runner.Connectors.SignIn;

namespace RulesSync.Runner.Live;

/// <summary>What one cycle did, for the log, <c>--once</c> and tests.</summary>
internal sealed record CycleReport(
    int Synced,
    int Skipped,
    int Failed,
    int Decisions,
    int Held,
    int ApprovedApplied,
    bool KillSwitch,
    string? Error);

/// <summary>What one mailbox's sync did: whether it succeeded, its decisions, the destructive effects it held.</summary>
internal sealed record MailboxSyncResult(bool Ok, int Decisions, IReadOnlyList<EffectRow> Held);

/// <summary>A mailbox due this cycle, with its sync state as the cycle read it (and as its row holds it, <c>SyncStateJson</c>; null before its first sync).</summary>
internal sealed record DueMailbox(MailboxOptions Mailbox, MailboxSyncState State, string? StateJson = null);

/// <summary>
/// A cycle's mailbox work: its number (the tenant's cycle count once it began), the due mailboxes, the CRM snapshot of
/// the cycle and the meetings of every due mailbox (the mass-change guard's tenant share counts against them).
/// </summary>
internal sealed record CycleWork(long Cycle, IReadOnlyList<DueMailbox> Due, TenantCrmSnapshot Snapshot, int TenantMeetings);

/// <summary>
/// Where a cycle's due mailboxes sync: by default in the runner's own process, in parallel (the embedded runner and a
/// tenant grain that keeps its mailboxes); in cluster mode possibly by mailbox grains spread over the silos
/// (<see cref="Cluster.MailboxGrainDispatch"/>), each running <see cref="LiveRunner.SyncMailboxAsync"/>.
/// </summary>
internal interface IMailboxDispatch
{
    /// <summary>Syncs every due mailbox of <paramref name="work"/>; one result per mailbox, in any order.</summary>
    Task<IReadOnlyList<MailboxSyncResult>> SyncAsync(CycleWork work, CancellationToken cancellationToken);
}

/// <summary>
/// Admits a mailbox's sync in this process (a cluster silo bounds the syncs of all its tenants to its database
/// connections, <see cref="Cluster.SiloAdmission"/>); the slot is given back when disposed. The embedded runner has none.
/// </summary>
internal interface IMailboxAdmission
{
    /// <summary>Waits (asynchronously) for a slot.</summary>
    Task<IDisposable> AdmitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One tenant's live sync, cycle by cycle: checks the rule files, polls the CRM once, carries out approved effects,
/// then syncs every mailbox that is neither suspended nor backing off (bounded parallelism) with
/// <see cref="SyncCycle.RunAsync"/>'s stages (admission with <see cref="MassChangeGuard"/>, <see cref="LiveSyncJournal"/>,
/// <see cref="MeetingLocks"/>, or a cluster's <see cref="IMeetingSerializer"/>), under the per-mailbox breaker. Every decision
/// comes from the engine; this class only moves data, keeps state and applies the guards. Not reentrant: one cycle at
/// a time (the hosted service and <c>--once</c> call it sequentially). <paramref name="admission"/>: what each mailbox's
/// sync waits for first (a cluster silo's slots); none in the embedded runner.
/// </summary>
internal sealed partial class LiveRunner(
    RunnerOptions options,
    IStateStore store,
    RunnerConnections connections,
    LiveRuleSet rules,
    LiveRuleSet? shadow,
    IOperatorNotifier notifier,
    TimeProvider time,
    ILogger<LiveRunner> logger,
    bool dryRun = false,
    IMeetingSerializer? meetings = null,
    IMailboxDispatch? dispatch = null,
    bool snapshotPerMailbox = false,
    IMailboxAdmission? admission = null)
{
    /// <summary>
    /// With <c>snapshotPerMailbox</c> (a cluster's mailbox grains: each sync holds its own copy of the cycle's CRM
    /// snapshot, so writes of syncs running at the same time are in no copy), a CRM create first looks in the journal
    /// for another mailbox's create of the meeting (<see cref="SiblingCreates"/>).
    /// </summary>
    private readonly SiblingCreates? siblings = snapshotPerMailbox ? new SiblingCreates(store) : null;

    /// <summary>Per-meeting serialization: the in-process locks, or the cluster's leases in the database.</summary>
    private readonly IMeetingSerializer serializer = meetings ?? new MeetingLocks();
    private readonly MailboxBreaker breaker = new(options.Breaker, time);

    /// <summary>Records the rule set in force and registers the configured mailboxes (at startup).</summary>
    public void Start()
    {
        var now = Now;
        store.UpdateTenant(t =>
        {
            t.Tenant = options.Tenant;
            Record(t, rules, now);
            t.ShadowRuleSetHash = shadow?.Current.Hash;
        });
        store.EnsureMailboxes([.. options.Mailboxes.Select(m => (m.Id, ProviderName(m)))]);
    }

    private static string ProviderName(MailboxOptions m) => m.Provider.ToString().ToLowerInvariant();

    /// <summary>
    /// The records the CRM mapping refused this poll go to the state file: <c>rulesync status</c> and the dashboard show
    /// them. Nothing is written when they are the ones <paramref name="tenant"/> (the cycle's row) holds already.
    /// </summary>
    private void RecordQuarantine(TenantCrmSnapshot snapshot, TenantRow tenant)
    {
        var lines = snapshot.Quarantined.Select(q => q.ToString()).ToList();
        if (lines.SequenceEqual(tenant.CrmQuarantine ?? [], StringComparer.Ordinal))
        {
            return;
        }

        var now = Now;
        store.UpdateTenant(t =>
        {
            t.CrmQuarantine = lines;
            t.CrmQuarantineAt = now;
        });
    }

    /// <summary>Runs one cycle over every mailbox.</summary>
    public Task<CycleReport> RunCycleAsync(CancellationToken cancellationToken) => RunCycleAsync(null, cancellationToken);

    /// <summary>
    /// Runs one cycle over the given mailboxes (a push notification's), or every mailbox when null (the poll): one
    /// <c>rulesync.cycle</c> span and log scope around it, its outcome and duration measured.
    /// </summary>
    public async Task<CycleReport> RunCycleAsync(IReadOnlySet<string>? only, CancellationToken cancellationToken)
    {
        var cycle = store.Tenant().Cycles + 1;
        using var activity = RunnerTelemetry.StartCycle(cycle, only?.Count ?? options.Mailboxes.Count);
        using var scope = LogScopes.Cycle(logger, cycle);
        var started = time.GetTimestamp();
        var outcome = "failed";
        try
        {
            var report = await RunCycleCoreAsync(only, cancellationToken).ConfigureAwait(false);
            outcome = report.KillSwitch ? "kill-switch" : report.Error is not null ? "crm-failed" : report.Synced + report.Failed == 0 ? "idle" : "synced";
            activity?.SetTag("rulesync.synced", report.Synced).SetTag("rulesync.failed", report.Failed).SetTag("rulesync.decisions", report.Decisions);
            return report;
        }
        finally
        {
            activity?.SetTag("rulesync.outcome", outcome);
            RunnerTelemetry.CycleEnded(outcome, time.GetElapsedTime(started).TotalSeconds);
        }
    }

    private async Task<CycleReport> RunCycleCoreAsync(IReadOnlySet<string>? only, CancellationToken cancellationToken)
    {
        await ReloadRulesAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        // The tenant's row as the cycle counts it (kill switch, CRM outage, quarantine, its number), from the counting
        // write itself: no read before it.
        var tenant = store.UpdateTenant(t =>
        {
            t.Cycles++;
            t.LastCycleAt = now.ToUnixTimeMilliseconds();
        });
        if (tenant.KillSwitch)
        {
            LogKillSwitch(logger, tenant.KillSwitchBy ?? "?", tenant.KillSwitchReason ?? string.Empty);
            return new CycleReport(0, options.Mailboxes.Count, 0, 0, 0, 0, true, null);
        }

        var due = new List<(MailboxOptions Mailbox, MailboxSyncState State, string? Json)>();
        var skipped = 0;
        // One read of every mailbox's row (not one per mailbox): each opening of the shared state file costs.
        var candidates = options.Mailboxes.Where(m => only is null || only.Contains(m.Id)).ToList();
        var rows = store.EnsureMailboxes([.. candidates.Select(m => (m.Id, ProviderName(m)))]);
        for (var i = 0; i < candidates.Count; i++)
        {
            var (m, row) = (candidates[i], rows[i]);
            if (row.Status == MailboxStatus.Suspended || (row.Status == MailboxStatus.Failing && row.NextAttemptAt > now.ToUnixTimeMilliseconds()))
            {
                skipped++;
                continue;
            }

            due.Add((m, store.ReadSyncState(row, m.Id), row.SyncState));
        }

        if (due.Count == 0)
        {
            return new CycleReport(0, skipped, 0, 0, 0, 0, false, null);
        }

        TenantCrmSnapshot snapshot;
        try
        {
            var since = new CrmWatermark(due.Min(d => d.State.Watermark.Value));
            snapshot = await breaker.Pipeline.ExecuteAsync(
                async ct => await TenantCrmSnapshot.ReadAsync(connections.Crm, connections.Tenant, connections.LiveIds, since, time.GetUtcNow(), ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A CRM outage is the tenant's, not any mailbox's: nobody's breaker counts it.
            var words = MailboxBreaker.PlainWords(e);
            LogCrmPollFailed(logger, words);
            var failedAt = Now;
            store.UpdateTenant(t =>
            {
                t.CrmError = words;
                t.CrmErrorSince ??= failedAt;
                t.CrmFailedPolls++;
            });
            return new CycleReport(0, skipped + due.Count, 0, 0, 0, 0, false, words);
        }

        if (tenant.CrmError is not null)
        {
            store.UpdateTenant(t =>
            {
                t.CrmError = null;
                t.CrmErrorSince = null;
                t.CrmFailedPolls = 0;
            });
        }

        RecordQuarantine(snapshot, tenant);
        CrashPoints.Reach("CRM polled");
        var approved = await ApplyApprovedAsync(cancellationToken).ConfigureAwait(false);
        CrashPoints.Reach("approved effects carried out");
        var tenantMeetings = due.Sum(d => StateQueries.Meetings(d.State));
        var work = new CycleWork(tenant.Cycles, [.. due.Select(d => new DueMailbox(d.Mailbox, d.State, d.Json))], snapshot, tenantMeetings);
        var results = dispatch is null ? await SyncHereAsync(work, cancellationToken).ConfigureAwait(false) : await dispatch.SyncAsync(work, cancellationToken).ConfigureAwait(false);
        var held = results.SelectMany(r => r.Held).ToList();
        if (held.Count > 0)
        {
            await notifier.NotifyAsync(
                new OperatorNotice(
                    NoticeKind.EffectsHeld, options.Tenant, held.Select(h => h.Mailbox).Distinct(StringComparer.Ordinal).Count() == 1 ? held[0].Mailbox : null,
                    $"{held.Count} destructive effect(s) held for review ('rulesync held', then approve or discard): {held[0].Detail}", time.GetUtcNow(),
                    [.. held.Select(h => $"{h.IdempotencyKey}: {h.Description} (meeting {h.MeetingKey}, rule {h.Rule})")]),
                cancellationToken).ConfigureAwait(false);
        }

        return new CycleReport(
            results.Count(r => r.Ok), skipped, results.Count(r => !r.Ok), results.Sum(r => r.Decisions), held.Count, approved, false, null);
    }

    /// <summary>
    /// The cycle's due mailboxes synced in this process, in parallel (bounded), under one mass-change guard; the finished
    /// syncs written at the end in one transaction.
    /// </summary>
    private async Task<IReadOnlyList<MailboxSyncResult>> SyncHereAsync(CycleWork work, CancellationToken cancellationToken)
    {
        var guard = new MassChangeGuard(options.Guards, work.TenantMeetings);
        var results = new System.Collections.Concurrent.ConcurrentBag<MailboxSyncResult>();
        try
        {
            await Parallel.ForEachAsync(
                work.Due,
                new ParallelOptions { MaxDegreeOfParallelism = options.Sync.MaxParallelMailboxes, CancellationToken = cancellationToken },
                async (d, ct) =>
                {
                    using var slot = admission is null ? null : await admission.AdmitAsync(ct).ConfigureAwait(false);
                    results.Add(await SyncMailboxAsync(d.Mailbox, d.State, work.Snapshot, guard, ct).ConfigureAwait(false));
                }).ConfigureAwait(false);
        }
        finally
        {
            // The finished syncs that wait to be written (StateStore.CompleteSync), in one transaction.
            store.WritePending();
            CrashPoints.Reach("finished syncs of the cycle saved");
        }

        return [.. results];
    }

    /// <summary>
    /// One mailbox's sync — the unit both the embedded cycle and a cluster's mailbox grain run: its sync state (the
    /// cycle's read of it, or the store's when <paramref name="read"/> is null), the engine's stages with
    /// <paramref name="budget"/> as the mass-change guard, the per-mailbox breaker; in a <c>rulesync.mailbox.sync</c>
    /// span and log scope, its duration measured. The finished state is handed to the store (<see cref="IStateStore.CompleteSync"/>),
    /// written by its next write or <see cref="IStateStore.WritePending"/>.
    /// </summary>
    public async Task<MailboxSyncResult> SyncMailboxAsync(
        MailboxOptions mailbox, MailboxSyncState? read, TenantCrmSnapshot snapshot, IAdmissionBudget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var id = StateStore.Key(mailbox.Id);
        var provider = mailbox.Provider.ToString().ToLowerInvariant();
        using var activity = RunnerTelemetry.StartMailboxSync(id, provider);
        using var scope = LogScopes.Mailbox(logger, id);
        var started = time.GetTimestamp();
        var result = await SyncMailboxCoreAsync(mailbox, read, snapshot, budget, cancellationToken).ConfigureAwait(false);
        if (!result.Ok)
        {
            RunnerTelemetry.Failed(activity, "sync failed");
        }

        activity?.SetTag("rulesync.decisions", result.Decisions);
        RunnerTelemetry.MailboxSynced(id, provider, result.Ok, time.GetElapsedTime(started).TotalSeconds);
        return result;
    }

    private async Task<MailboxSyncResult> SyncMailboxCoreAsync(
        MailboxOptions mailbox, MailboxSyncState? read, TenantCrmSnapshot snapshot, IAdmissionBudget guard, CancellationToken cancellationToken)
    {
        var id = StateStore.Key(mailbox.Id);
        var settings = new SyncSettings(id, options.Sync.AutoShare, options.Sync.WindowPast, options.Sync.WindowFuture);
        var started = time.GetTimestamp();
        var decisions = 0;
        var held = new List<EffectRow>();
        try
        {
            await breaker.Pipeline.ExecuteAsync(
                async ct =>
                {
                    // Each attempt starts from the state as last saved: progress saved by an interrupted attempt counts.
                    // The first starts from the cycle's read of it (nothing else writes a mailbox's sync state).
                    var state = read ?? store.SyncState(id);
                    read = null;
                    var attempt = new SyncAttempt(state);
                    var port = new JournaledMailboxPort(connections.Mailbox(id, mailbox.Provider, state), attempt);
                    var journal = new LiveSyncJournal(id, store, dryRun, attempt, time, logger);
                    var stages = new SyncStages(journal, dryRun ? null : guard, serializer, dryRun, shadow?.Current);
                    var crm = new SnapshotCrmPort(snapshot, connections.Crm.ForEmployee(id), attempt, connections.LiveIds, siblings);
                    try
                    {
                        var attemptStarted = Now;
                        var outcome = await SyncCycle.RunAsync(
                            state, new EffectSpanMailboxPort(port), new EffectSpanCrmPort(crm), rules.Current, settings, time.GetUtcNow(), stages, ct).ConfigureAwait(false);
                        decisions += journal.Decisions;
                        held.AddRange(journal.Held);
                        if (!dryRun)
                        {
                            CrashPoints.Reach($"sync of {id} done, before its state is saved");
                            // Handed to the store, which writes it before its next write, at the latest at the cycle's
                            // end, settling the effects an earlier process left planned (IStateStore.CompleteSync).
                            store.CompleteSync(id, outcome.State, time.GetUtcNow().ToUnixTimeMilliseconds(), (long)time.GetElapsedTime(started).TotalMilliseconds, attemptStarted);
                            CrashPoints.Reach($"sync of {id} saved");
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        journal.Failed(e);
                        decisions += journal.Decisions;
                        held.AddRange(journal.Held);
                        throw;
                    }
                },
                cancellationToken).ConfigureAwait(false);
            return new MailboxSyncResult(true, decisions, held);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await FailedAsync(id, e, cancellationToken).ConfigureAwait(false);
            return new MailboxSyncResult(false, decisions, held);
        }
    }

    /// <summary>Records a failed sync; after N in a row the mailbox is suspended and operators are told.</summary>
    private async Task FailedAsync(string id, Exception e, CancellationToken cancellationToken)
    {
        var words = MailboxBreaker.PlainWords(e);
        var now = Now;
        BreakerVerdict verdict = default;
        var row = store.UpdateMailbox(id, m =>
        {
            m.ConsecutiveFailures++;
            m.LastError = words;
            m.LastErrorAt = now;
            // A refused sign-in (revoked secret, deleted key) fails every cycle until an operator acts: suspend at once, with the reason.
            verdict = e is CredentialRefusedException ? new BreakerVerdict(true, null) : breaker.OnFailure(m.ConsecutiveFailures);
            if (e is CredentialRefusedException)
            {
                MailboxLifecycle.Suspend(m, "sign-in", words, now);
            }
            else if (verdict.Suspend)
            {
                MailboxLifecycle.Suspend(m, "circuit breaker", $"{m.ConsecutiveFailures} consecutive failed syncs; last error: {words}", now);
            }
            else
            {
                m.Status = MailboxStatus.Failing;
                m.NextAttemptAt = verdict.RetryAt?.ToUnixTimeMilliseconds();
            }
        });
        LogMailboxFailed(logger, e, id, row?.ConsecutiveFailures ?? 0, words);
        if (verdict.Suspend)
        {
            await notifier.NotifyAsync(
                new OperatorNotice(
                    NoticeKind.Suspended,
                    options.Tenant,
                    id,
                    e is CredentialRefusedException
                        ? $"{id} suspended: {words}. Renew the app's credentials, then 'rulesync resume --mailbox {id}'."
                        : $"{id} suspended after {row?.ConsecutiveFailures} consecutive failed syncs: {words}. Fix the cause, then 'rulesync resume --mailbox {id}'.",
                    time.GetUtcNow()),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Carries out effects operators approved, under the meeting's lock, through the same executor and ports as the sync.</summary>
    private async Task<int> ApplyApprovedAsync(CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            return 0;
        }

        var applied = 0;
        foreach (var row in store.Effects(EffectStatus.Approved))
        {
            var mailbox = options.Mailboxes.FirstOrDefault(m => StateStore.Key(m.Id) == row.Mailbox);
            if (mailbox is null)
            {
                continue;
            }

            await using var scope = await serializer.EnterAsync(row.MeetingKey, cancellationToken).ConfigureAwait(false);
            try
            {
                var port = connections.Mailbox(row.Mailbox, mailbox.Provider, store.SyncState(row.Mailbox));
                var effect = EffectCodec.Decode(row.Payload);
                var crm = connections.Crm.ForEmployee(row.Mailbox);
                await EffectExecutor.ExecuteAsync(effect, new EffectSpanMailboxPort(port), new EffectSpanCrmPort(crm), new CrmRecordVersions(crm), cancellationToken).ConfigureAwait(false);
                if (effect is DeleteCrmRecord deleted)
                {
                    // As the sync's own CRM port does: the record is gone now, not at the next ids-only listing.
                    connections.LiveIds.Wrote(deleted.ObjectId, live: false);
                }

                CrashPoints.Reach($"approved effect {row.Id} carried out, before it is marked");
                store.MarkEffect(row.Id, EffectStatus.Applied, Now, $"approved by {row.ReviewedBy} and carried out");
                applied++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                store.MarkEffect(row.Id, EffectStatus.Failed, Now, $"approved, but carrying it out failed: {MailboxBreaker.PlainWords(e)}");
            }
        }

        return applied;
    }

    private async Task ReloadRulesAsync(CancellationToken cancellationToken)
    {
        foreach (var (set, isShadow) in new[] { (rules, false), (shadow, true) })
        {
            if (set is null)
            {
                continue;
            }

            var reload = set.Refresh();
            var now = Now;
            if (reload.Changed)
            {
                store.UpdateTenant(t =>
                {
                    if (isShadow)
                    {
                        t.ShadowRuleSetHash = set.Current.Hash;
                    }
                    else
                    {
                        Record(t, set, now);
                    }
                });
                LogRulesReloaded(logger, set.Source, set.Current.Hash);
            }
            else if (reload.Error is { } error)
            {
                store.UpdateTenant(t =>
                {
                    t.LastReloadError = error;
                    t.LastReloadErrorAt = now;
                });
                await notifier.NotifyAsync(
                    new OperatorNotice(NoticeKind.RuleReloadFailed, options.Tenant, null, $"{set.Source} changed but is invalid; the previous rule set {set.Current.Hash[..12]} stays in force", time.GetUtcNow(), [.. error.Split(Environment.NewLine)]),
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Record(TenantRow t, LiveRuleSet set, long now)
    {
        t.RuleSource = set.Source;
        t.RuleSetName = set.Current.Name;
        t.RuleSetHash = set.Current.Hash;
        t.LastReloadError = null;
        t.LastReloadErrorAt = null;
        t.RulesLoadedAt = now;
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "kill switch on (by {By}: {Reason}): no mailbox syncs")]
    private static partial void LogKillSwitch(ILogger logger, string by, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "CRM poll failed; cycle skipped: {Error}")]
    private static partial void LogCrmPollFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "sync of {Mailbox} failed ({Failures} in a row): {Error}")]
    private static partial void LogMailboxFailed(ILogger logger, Exception exception, string mailbox, int failures, string error);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "rules reloaded from {Source}: {Hash}")]
    private static partial void LogRulesReloaded(ILogger logger, string source, string hash);
}
