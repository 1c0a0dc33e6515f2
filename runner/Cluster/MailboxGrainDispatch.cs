using System.Diagnostics;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Live;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A tenant grain's cycle handing its due mailboxes to their mailbox grains (<see cref="IMailboxGrain"/>), which Orleans
/// spreads over the silos: one order per cycle with the CRM snapshot on the wire (<see cref="CrmSnapshotWire"/>), the
/// tenant's lease token, the rule set in force and the cycle's number (its mass-change budget in the database, the old
/// cycles' counts forgotten at its end); at most <c>sync.maxParallelMailboxes</c> orders out at once. An order is started,
/// then polled, as a tenant's cycle is (<see cref="TenantCycles"/>): no call waits for a sync or for its slot of the
/// silo, so a sync may outlast Orleans' response timeout; each order is bounded by <paramref name="syncLimit"/> of real
/// time instead, past which the cycle fails naming the mailbox (the sync runs on; the mailbox's next order waits for it).
/// A mailbox grain whose start call fails, or whose sync is lost (its silo died or was cut off mid-sync: a poll reaches
/// a new activation that never started it) or failed as a call (the database failed), fails the cycle once every other
/// order has answered — their syncs are saved by their grains — with <see cref="MailboxOrderFailedException"/>: the
/// tenant's activation then leaves, and its successor takes the tenant's lease anew, which fences off the lost mailbox
/// activation (it may still run, cut off, under the old token) and breaks its meeting leases; the next cycle resumes
/// from the journal as after a crash, ordering the mailbox again wherever Orleans places it. A mailbox grain fenced
/// off fences the cycle off too. Each order carries the snapshot with the CRM writes of the mailboxes that answered
/// before it (the embedded runner's shared snapshot, across silos), and the mailbox's sync state as the cycle read it
/// (unless the mailbox's previous order of this activation ended without a report: its sync may have saved since, and
/// the grain reads it itself). Each report hands back the mailbox's finished sync, unwritten; they are written here in
/// one transaction once every order has answered, as a tenant-local cycle writes its own (fenced by the tenant's lease;
/// a crash before it loses only the cursors' last advance, as there). Held effects come back by id and are read from
/// the store for the operators' notice.
/// </summary>
internal sealed class MailboxGrainDispatch(
    IGrainFactory grains, string tenant, PostgresStateStore store, LiveRuleSet rules, int parallel, CrmLiveIds? liveIds, TimeSpan pollWait, TimeSpan syncLimit) : IMailboxDispatch
{
    /// <summary>How long a mailbox's ordered sync may take (real time, its wait for a slot of the silo included) unless the tenant says otherwise.</summary>
    public static readonly TimeSpan DefaultSyncLimit = TimeSpan.FromHours(1);

    /// <summary>
    /// The mailboxes whose latest order of this activation ended without a report (overran, lost, not waited for, or
    /// not sent): their next order carries no sync state (the sync may have saved one after the cycle's read).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> unsettled = new(StringComparer.Ordinal);

    /// <summary>How long each poll of a mailbox grain may wait for its sync: a third of the silos' response timeout, at most <see cref="TenantCycles.PollWait"/>.</summary>
    public static TimeSpan PollWaitFor(TimeSpan responseTimeout) => responseTimeout / 3 < TenantCycles.PollWait ? responseTimeout / 3 : TenantCycles.PollWait;

    public async Task<IReadOnlyList<MailboxSyncResult>> SyncAsync(CycleWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var slots = new SemaphoreSlim(Math.Max(1, parallel));
        var lost = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var overran = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var abandoned = 0;
        // Once one order is lost the cycle fails and this activation leaves: the others are not waited for (a sync may
        // wait for a meeting lease the lost activation holds), nor are more sent. Their syncs run on in their grains,
        // under this activation's token, until they end or the successor's lease fences them off.
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reports = await Task.WhenAll(work.Due.Select(async d =>
        {
            // Unsettled until its report is in (whatever else ends this order).
            var settled = !unsettled.ContainsKey(d.Mailbox.Id);
            unsettled[d.Mailbox.Id] = true;
            try
            {
                await slots.WaitAsync(giveUp.Token).ConfigureAwait(true);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Abandoned();
            }

            try
            {
                // The snapshot as it stands when the order goes out: with the writes of the mailboxes answered before.
                var order = new MailboxSyncOrder(
                    store.Fence ?? 0, work.Cycle, work.TenantMeetings, rules.Current.Hash, work.Snapshot.ToWire(), settled ? d.StateJson : null);
                var report = await OrderAsync(grains.GetGrain<IMailboxGrain>(MailboxGrainKey.Of(tenant, d.Mailbox.Id)), d.Mailbox.Id, order, giveUp.Token).ConfigureAwait(true);
                unsettled.TryRemove(d.Mailbox.Id, out _);
                work.Snapshot.LayOver(report.Written.IsDefault ? [] : report.Written, report.Deleted.IsDefault ? [] : report.Deleted, liveIds);
                return report;
            }
            catch (MailboxSyncOverrunException e)
            {
                overran.Enqueue(e.Message);
                return new MailboxSyncReport(false, 0, [], string.Empty, e.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Abandoned();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                lost.Enqueue($"{d.Mailbox.Id}: {e.Message}");
                await giveUp.CancelAsync().ConfigureAwait(true);
                return new MailboxSyncReport(false, 0, [], string.Empty, e.Message);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(true);
        if (reports.FirstOrDefault(r => r.FencedBy is not null) is { } fenced)
        {
            throw new FencedOffException($"tenant {tenant} (its mailbox grain on {fenced.Silo})", store.Fence ?? 0, fenced.FencedBy!.Value, null);
        }

        // The finished syncs the grains handed back, in one transaction under the tenant's lease (a successor's refuses
        // it) with the forgetting of the earlier cycles' budget counts (no order of this cycle counts against them).
        store.AddPending(reports.SelectMany(r => r.Finished.IsDefault ? [] : r.Finished).Select(f => f.ToPending()));
        store.ForgetBudgetsBefore(work.Cycle);
        CrashPoints.Reach("finished syncs of the cycle saved");

        if (!lost.IsEmpty)
        {
            throw new MailboxOrderFailedException(
                $"tenant {tenant}: {lost.Count} mailbox sync order(s) failed: {string.Join("; ", lost)}{(abandoned > 0 ? $" ({abandoned} other order(s) not waited for)" : string.Empty)}");
        }

        if (!overran.IsEmpty)
        {
            // Not lost: each still runs in its grain under this activation's token and saves what it does.
            throw new InvalidOperationException($"tenant {tenant}: {string.Join("; ", overran)}");
        }

        MailboxSyncReport Abandoned()
        {
            Interlocked.Increment(ref abandoned);
            return new MailboxSyncReport(false, 0, [], string.Empty, "not waited for: another order of the cycle was lost");
        }

        return [.. reports.Select(r => new MailboxSyncResult(r.Ok, r.Decisions, [.. r.Held.Select(store.Effect).OfType<EffectRow>()]))];
    }

    /// <summary>One mailbox's order: its grain activated, the sync started (one call, never asked twice), then polled until it ends or the limit passes.</summary>
    private async Task<MailboxSyncReport> OrderAsync(IMailboxGrain grain, string mailbox, MailboxSyncOrder order, CancellationToken cancellationToken)
    {
        var sent = Stopwatch.GetTimestamp();
        TimeSpan Left() => syncLimit - Stopwatch.GetElapsedTime(sent);
        // Activated first by a call that does nothing else, asked again when it times out (an activation slow to come up
        // on a busy silo): the start itself then meets a live activation. A start that timed out is not asked again, as
        // it may have begun the sync on an activation that a later start would not reach.
        while (true)
        {
            try
            {
                _ = await grain.SiloAsync().WaitAsync(cancellationToken).ConfigureAwait(true);
                break;
            }
            catch (TimeoutException) when (Left() > TimeSpan.Zero)
            {
            }
        }

        var ticket = await grain.StartSyncAsync(order).WaitAsync(cancellationToken).ConfigureAwait(true);
        var status = await TenantCycles.PollAsync(
            wait => grain.SyncStatusAsync(ticket.SyncId, wait), s => s.State == CycleState.Running, Left, pollWait, onGrainScheduler: true, cancellationToken).ConfigureAwait(true);
        return status?.State switch
        {
            null => throw new MailboxSyncOverrunException($"mailbox {mailbox}: sync {ticket.SyncId} on {ticket.Silo} still running after {syncLimit}; it runs on, and the mailbox's next order waits for it"),
            CycleState.Finished => status.Report!,
            CycleState.Failed => throw new InvalidOperationException($"sync {ticket.SyncId} on {ticket.Silo} failed: {status.Error}"),
            _ => throw new InvalidOperationException($"sync {ticket.SyncId} on {ticket.Silo} was lost ({status.Error})"),
        };
    }

    /// <summary>A mailbox's sync still running at the order's limit.</summary>
    private sealed class MailboxSyncOverrunException(string message) : Exception(message);
}

/// <summary>A mailbox grain's order failed (not its sync: the call), so a mailbox activation may be lost or cut off under the tenant's token.</summary>
internal sealed class MailboxOrderFailedException(string message) : Exception(message);
