using RulesSync.Runner.Live;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A tenant grain's cycle handing its due mailboxes to their mailbox grains (<see cref="IMailboxGrain"/>), which Orleans
/// spreads over the silos: one order per cycle with the CRM snapshot on the wire (<see cref="CrmSnapshotWire"/>), the
/// tenant's lease token, the rule set in force and the cycle's number (its mass-change budget in the database, the old
/// cycles' counts forgotten first); at most <c>sync.maxParallelMailboxes</c> orders out at once. A mailbox grain whose
/// call fails (its silo died or was cut off mid-sync, the database failed) fails the cycle once every other order has
/// answered — their syncs are saved by their grains — with <see cref="MailboxOrderFailedException"/>: the tenant's
/// activation then leaves, and its successor takes the tenant's lease anew, which fences off the lost mailbox
/// activation (it may still run, cut off, under the old token) and breaks its meeting leases; the next cycle resumes
/// from the journal as after a crash, ordering the mailbox again wherever Orleans places it. A mailbox grain fenced
/// off fences the cycle off too. Each order carries the snapshot with the CRM writes of the mailboxes that answered
/// before it (the embedded runner's shared snapshot, across silos). Held effects come back by id and are read from
/// the store for the operators' notice.
/// </summary>
internal sealed class MailboxGrainDispatch(IGrainFactory grains, string tenant, PostgresStateStore store, LiveRuleSet rules, int parallel, CrmLiveIds? liveIds) : IMailboxDispatch
{
    public async Task<IReadOnlyList<MailboxSyncResult>> SyncAsync(CycleWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        store.ForgetBudgetsBefore(work.Cycle);
        using var slots = new SemaphoreSlim(Math.Max(1, parallel));
        var lost = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reports = await Task.WhenAll(work.Due.Select(async d =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(true);
            try
            {
                // The snapshot as it stands when the order goes out: with the writes of the mailboxes answered before.
                var order = new MailboxSyncOrder(store.Fence ?? 0, work.Cycle, work.TenantMeetings, rules.Current.Hash, work.Snapshot.ToWire());
                var report = await grains.GetGrain<IMailboxGrain>(MailboxGrainKey.Of(tenant, d.Mailbox.Id)).SyncAsync(order).ConfigureAwait(true);
                work.Snapshot.LayOver(report.Written.IsDefault ? [] : report.Written, report.Deleted.IsDefault ? [] : report.Deleted, liveIds);
                return report;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                lost.Enqueue($"{d.Mailbox.Id}: {e.Message}");
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

        if (!lost.IsEmpty)
        {
            throw new MailboxOrderFailedException($"tenant {tenant}: {lost.Count} mailbox sync order(s) failed: {string.Join("; ", lost)}");
        }

        return [.. reports.Select(r => new MailboxSyncResult(r.Ok, r.Decisions, [.. r.Held.Select(store.Effect).OfType<EffectRow>()]))];
    }
}

/// <summary>A mailbox grain's order failed (not its sync: the call), so a mailbox activation may be lost or cut off under the tenant's token.</summary>
internal sealed class MailboxOrderFailedException(string message) : Exception(message);
