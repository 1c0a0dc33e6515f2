using Microsoft.Extensions.Logging;
using RulesSync.Runner.Live;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A tenant grain's cycle handing its due mailboxes to their mailbox grains (<see cref="IMailboxGrain"/>), which Orleans
/// spreads over the silos: one order per cycle with the CRM snapshot on the wire (<see cref="CrmSnapshotWire"/>), the
/// tenant's lease token, the rule set in force and the cycle's number (its mass-change budget in the database, the old
/// cycles' counts forgotten first); at most <c>sync.maxParallelMailboxes</c> orders out at once. A mailbox grain that
/// cannot be reached (its silo died mid-call) fails that mailbox for this cycle, not the cycle; the next cycle orders it
/// again wherever it lands. Held effects come back by id and are read from the store for the operators' notice.
/// </summary>
internal sealed partial class MailboxGrainDispatch(IGrainFactory grains, string tenant, PostgresStateStore store, LiveRuleSet rules, int parallel, ILogger logger) : IMailboxDispatch
{
    public async Task<IReadOnlyList<MailboxSyncResult>> SyncAsync(CycleWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        store.ForgetBudgetsBefore(work.Cycle);
        var order = new MailboxSyncOrder(store.Fence ?? 0, work.Cycle, work.TenantMeetings, rules.Current.Hash, work.Snapshot.ToWire());
        using var slots = new SemaphoreSlim(Math.Max(1, parallel));
        var reports = await Task.WhenAll(work.Due.Select(async d =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(true);
            try
            {
                return await grains.GetGrain<IMailboxGrain>(MailboxGrainKey.Of(tenant, d.Mailbox.Id)).SyncAsync(order).ConfigureAwait(true);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogUnreachable(logger, d.Mailbox.Id, e.Message);
                return new MailboxSyncReport(false, 0, [], string.Empty, e.Message);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(true);
        return [.. reports.Select(r => new MailboxSyncResult(r.Ok, r.Decisions, [.. r.Held.Select(store.Effect).OfType<EffectRow>()]))];
    }

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "mailbox {Mailbox}: its grain failed this cycle: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string mailbox, string error);
}
