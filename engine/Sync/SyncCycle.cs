using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// One sync of one employee's mailbox, as stages with data between them: <b>read</b> the mailbox delta, the CRM change
/// poll and the CRM's live ids through the ports (<see cref="SyncRead"/>); <b>plan</b> every decision over what was
/// read, effects as data, none carried out (<see cref="Plan"/>, pure); <b>admit</b> each decision (the intent guard,
/// the mass-change budget asked once with the whole plan's count, reviews, dry run: <see cref="SyncAdmission"/>);
/// <b>journal</b> it before anything is done (<see cref="ISyncJournal"/>); <b>carry out</b> its effects through the
/// ports (<see cref="EffectExecutor"/>); <b>record</b> every version written so our own writes do not come back as user
/// changes. Carry-out decides each meeting again on the working set as effects land (a write can change what a later
/// change of the same meeting means) and admits what it takes; the plan is what the budget was asked for. The
/// simulator and the live runner both run exactly this. No clock, no IO of its own: time arrives as <c>now</c>, IO
/// happens behind the ports.
/// </summary>
public static class SyncCycle
{
    /// <summary>How often one change is decided again after CRM write conflicts before the sync gives up (and is retried later).</summary>
    public const int MaxConflictRetries = 3;

    /// <summary>Runs one sync and returns the new state, the decisions taken and the number of store writes.</summary>
    public static async ValueTask<SyncOutcome> RunAsync(
        MailboxSyncState state,
        IMailboxPort mailbox,
        ICrmPort crm,
        IDecisionPolicy policy,
        SyncSettings settings,
        DateTimeOffset now,
        SyncStages? stages = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(crm);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.EmployeeId != state.EmployeeId)
        {
            throw new ArgumentException($"settings are for {settings.EmployeeId}, the state for {state.EmployeeId}", nameof(settings));
        }

        var read = await ReadAsync(state, mailbox, crm, cancellationToken).ConfigureAwait(false);
        if (stages is { Budget: { } budget, DryRun: false })
        {
            // The whole sync's plan, before anything is carried out: the budget holds every destructive effect of a
            // sync that would delete or cancel too much, not the ones after the first N went out.
            var plan = Plan(state, read, policy, settings, now, mailbox.Provider, crm.Dialect);
            budget.Reserve(state, SyncAdmission.Destructive(plan, stages.Journal));
        }

        var run = new Run(ReconciliationStep.Observe(state, read.Mailbox, read.Crm, read.LiveIds, SyncWindow.Around(now, settings)), mailbox, crm, policy, stages, cancellationToken);
        var writes = 0;
        foreach (var (key, eventIds, recordIds) in run.W.Meetings)
        {
            var lease = stages?.Meetings is { } meetings ? await meetings.EnterAsync(key, cancellationToken).ConfigureAwait(false) : null;
            try
            {
                run.Lease = lease;
                writes += await run.DecideMeetingAsync(key, eventIds, recordIds, settings, now).ConfigureAwait(false);
            }
            finally
            {
                if (lease is not null)
                {
                    await lease.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        var outcome = new SyncOutcome(run.W.State, run.W.Decisions.Count == 0 ? [] : [.. run.W.Decisions], writes);
        run.W.Return(); // Only on success: a sync that threw leaves its scratch to the GC.
        return outcome;
    }

    /// <summary>The read stage: the mailbox delta, the CRM change poll and the live ids, through the ports.</summary>
    public static async ValueTask<SyncRead> ReadAsync(MailboxSyncState state, IMailboxPort mailbox, ICrmPort crm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(crm);
        var page = await mailbox.ReadChangesAsync(state.Cursor, cancellationToken).ConfigureAwait(false);
        var crmPage = await crm.ReadChangesAsync(state.Watermark, cancellationToken).ConfigureAwait(false);
        var ids = await crm.ListIdsAsync(cancellationToken).ConfigureAwait(false);
        return new SyncRead(page, crmPage, ids);
    }

    /// <summary>
    /// The plan stage: every decision the sync would take over <paramref name="read"/>, with its effects as data and
    /// none carried out. Pure: no ports, no clock but <paramref name="now"/>.
    /// </summary>
    public static SyncPlan Plan(MailboxSyncState state, SyncRead read, IDecisionPolicy policy, SyncSettings settings, DateTimeOffset now, Provider provider, ApiVersion dialect)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(settings);
        var run = new Run(ReconciliationStep.Observe(state, read.Mailbox, read.Crm, read.LiveIds, SyncWindow.Around(now, settings)), provider, dialect, policy);
        foreach (var (key, eventIds, recordIds) in run.W.Meetings)
        {
            var decided = run.DecideMeetingAsync(key, eventIds, recordIds, settings, now);
            if (!decided.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("planning carries nothing out and must complete synchronously");
            }
        }

        var plan = new SyncPlan(run.W.Decisions.Count == 0 ? [] : [.. run.W.Decisions]);
        run.W.Return();
        return plan;
    }

    /// <summary>One sync in progress: the working set, the ports (none when only planning), and the decisions taken so far.</summary>
    private sealed class Run : IRecordVersions
    {
        private readonly IMailboxPort? mailbox;
        private readonly ICrmPort? crm;
        private readonly Provider provider;
        private readonly ApiVersion dialect;
        private readonly IDecisionPolicy policy;
        private readonly SyncStages? stages;
        private readonly CancellationToken ct;

        /// <summary>Carries out: decides, admits, journals and executes through the ports.</summary>
        public Run(SyncWorkingSet w, IMailboxPort mailbox, ICrmPort crm, IDecisionPolicy policy, SyncStages? stages, CancellationToken ct)
            : this(w, mailbox.Provider, crm.Dialect, policy)
        {
            this.mailbox = mailbox;
            this.crm = crm;
            this.stages = stages;
            this.ct = ct;
        }

        /// <summary>Only plans: decides and records the effects as data.</summary>
        public Run(SyncWorkingSet w, Provider provider, ApiVersion dialect, IDecisionPolicy policy)
        {
            W = w;
            this.provider = provider;
            this.dialect = dialect;
            this.policy = policy;
        }

        public SyncWorkingSet W { get; }

        /// <summary>The lease on the meeting being decided, when meetings are serialized.</summary>
        public IMeetingLease? Lease { get; set; }

        public async ValueTask<int> DecideMeetingAsync(string key, List<string> eventIds, List<string> recordIds, SyncSettings settings, DateTimeOffset now)
        {
            var writes = 0;
            var decidedMailboxChange = false;
            var window = SyncWindow.Around(now, settings);
            foreach (var eventId in eventIds)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var derived = ReconciliationStep.DeriveEventChange(W, eventId, provider, dialect, settings, now);
                    var item = W.Incoming[eventId];
                    W.Events.TryGetValue(eventId, out var before);
                    // Still never decided on inside the window: first seen beyond it (or every decision since), unlinked.
                    var outOfWindow = !item.Removed && before?.LinkedRecord is null && (before is null || before.Item.Removed || before.OutOfWindow) && !window.Contains(item.Start);
                    W.Events = W.Events.SetItem(eventId, new EventSnapshot(item, before?.LinkedRecord, outOfWindow));
                    if (derived is not { } d)
                    {
                        break;
                    }

                    decidedMailboxChange = true;
                    try
                    {
                        writes += await DecideAsync(d.Change, d.Facts, d.View).ConfigureAwait(false);
                        break;
                    }
                    catch (CrmConflictException conflict) when (attempt < MaxConflictRetries)
                    {
                        // Decide again on the record as it now stands, from the replica as it was before this decision.
                        W.Events = before is null ? W.Events.Remove(eventId) : W.Events.SetItem(eventId, before);
                        Refresh(conflict);
                    }
                }
            }

            foreach (var objectId in recordIds)
            {
                for (var attempt = 0; ; attempt++)
                {
                    if (!W.Records.TryGetValue(objectId, out var snap) || (decidedMailboxChange && !W.Gone.Contains(objectId)))
                    {
                        break; // Absorbed by our own write, or waits for the next sync: one decision per meeting side.
                    }

                    var derived = ReconciliationStep.DeriveRecordChange(W, key, objectId, provider, dialect, settings, now);
                    var beforeRecords = W.Records;
                    if (W.Gone.Contains(objectId))
                    {
                        W.Records = W.Records.Remove(objectId);
                        W.Events = Unlinked(W.Events, objectId);
                    }
                    else
                    {
                        W.Records = W.Records.SetItem(objectId, snap with { Seen = snap.Latest, OutOfWindow = (snap.Seen is null || snap.OutOfWindow) && !window.Contains(snap.Latest.Start) });
                    }

                    if (derived is not { } d)
                    {
                        break;
                    }

                    try
                    {
                        writes += await DecideAsync(d.Change, d.Facts, d.View).ConfigureAwait(false);
                        break;
                    }
                    catch (CrmConflictException conflict) when (attempt < MaxConflictRetries)
                    {
                        W.Records = beforeRecords;
                        Refresh(conflict);
                    }
                }
            }

            return writes;
        }

        public ValueTask<CrmRecord?> CurrentAsync(string objectId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(W.Records.TryGetValue(objectId, out var snap) ? snap.Latest : null);

        private ValueTask<int> DecideAsync(ObservedChange change, Changes.ChangeFacts facts, MeetingView view)
        {
            var decision = policy.Decide(in facts);
            var planned = new SyncDecision(W.EmployeeId, change, facts, decision, EffectPlanner.Plan(decision, change, in view));
            if (mailbox is null)
            {
                W.Decisions.Add(planned); // Planning: the effects are data, none is carried out.
                return ValueTask.FromResult(0);
            }

            return stages is null ? CarryOutAsync(planned) : AdmitAndCarryOutAsync(planned, stages);
        }

        /// <summary>Without admit and journal stages: every planned effect is carried out as planned.</summary>
        private async ValueTask<int> CarryOutAsync(SyncDecision planned)
        {
            W.Decisions.Add(planned);
            var writes = 0;
            foreach (var effect in planned.Effects)
            {
                writes += await ExecuteAsync(effect).ConfigureAwait(false);
            }

            return writes;
        }

        private async ValueTask<int> AdmitAndCarryOutAsync(SyncDecision planned, SyncStages s)
        {
            var admitted = SyncAdmission.Admit(planned, SyncAdmission.CauseOf(planned, s.Journal), s.Journal, s.Budget, s.DryRun, s.Shadow);
            await s.Journal.RecordAsync(admitted, Lease, ct).ConfigureAwait(false);
            W.Decisions.Add(admitted.Taken());
            if (s.DryRun)
            {
                return 0;
            }

            var writes = 0;
            foreach (var effect in admitted.Effects)
            {
                try
                {
                    writes += await ExecuteAsync(effect.ToCarryOut!).ConfigureAwait(false);
                }
                catch (CrmConflictException conflict)
                {
                    await s.Journal.SupersededAsync(admitted, conflict, ct).ConfigureAwait(false);
                    throw;
                }

                await s.Journal.CarriedOutAsync(admitted, effect, ct).ConfigureAwait(false);
            }

            await s.Journal.CompletedAsync(admitted, W.StateAtStart, ct).ConfigureAwait(false);
            return writes;
        }

        private void Refresh(CrmConflictException conflict)
        {
            if (conflict.Current is null)
            {
                W.Gone.Add(conflict.ObjectId);
                return;
            }

            W.Records.TryGetValue(conflict.ObjectId, out var old);
            W.Records = W.Records.SetItem(conflict.ObjectId, new RecordSnapshot(conflict.Current, old?.Seen, old?.OutOfWindow ?? false));
        }

        /// <summary>Carries one effect out through <see cref="EffectExecutor"/> and records what it wrote in the working set.</summary>
        private async ValueTask<int> ExecuteAsync(Effect effect)
        {
            var result = await EffectExecutor.ExecuteAsync(effect, mailbox!, crm!, this, ct).ConfigureAwait(false);
            switch (effect)
            {
                case CreateCrmRecord e:
                    W.Records = W.Records.SetItem(result.Record!.ObjectId, new RecordSnapshot(result.Record, result.Record));
                    W.Events = Link(W.Events, e.EventId, result.Record.ObjectId);
                    break;

                case UpdateCrmRecord or CancelCrmRecord:
                    W.Records = W.Records.SetItem(result.Record!.ObjectId, new RecordSnapshot(result.Record, result.Record));
                    break;

                case DeleteCrmRecord e:
                    W.Gone.Add(e.ObjectId);
                    W.Records = W.Records.Remove(e.ObjectId);
                    W.Events = Unlinked(W.Events, e.ObjectId);
                    break;

                case CreateEvent e:
                    {
                        var created = result.Event!;
                        W.Current[created.EventId] = created.Item!;
                        W.Events = W.Events.SetItem(created.EventId, new EventSnapshot(created.Item!, e.ObjectId));
                        if (result.Record is { } r)
                        {
                            W.Records = W.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r));
                        }

                        break;
                    }

                case UpdateEvent or CancelEvent:
                    Rewrite(W, result.Event!);
                    break;

                case DeleteEvent e:
                    if (W.Events.TryGetValue(e.EventId, out var snap))
                    {
                        var tomb = snap.Item with { Removed = true, ChangeKey = string.Empty };
                        W.Current[e.EventId] = tomb;
                        W.Events = W.Events.SetItem(e.EventId, new EventSnapshot(tomb, null));
                    }

                    break;

                case LinkReplica e:
                    W.Events = Link(W.Events, e.EventId, e.ObjectId);
                    break;

                case UnlinkReplica e:
                    W.Events = Unlinked(W.Events, e.ObjectId);
                    break;
            }

            return result.Writes;
        }
    }

    private static void Rewrite(SyncWorkingSet w, MailboxWrite write)
    {
        w.Events.TryGetValue(write.EventId, out var snap);
        var item = write.Item
            ?? (snap?.Item ?? throw new InvalidOperationException($"event {write.EventId} was written but never read")) with { Removed = true, ChangeKey = string.Empty };
        w.Current[write.EventId] = item;
        w.Events = w.Events.SetItem(write.EventId, new EventSnapshot(item, snap?.LinkedRecord, snap?.OutOfWindow ?? false));
    }

    private static ImmutableSortedDictionary<string, EventSnapshot> Link(ImmutableSortedDictionary<string, EventSnapshot> events, string eventId, string objectId) =>
        events.TryGetValue(eventId, out var snap) ? events.SetItem(eventId, snap with { LinkedRecord = objectId, OutOfWindow = false }) : events;

    private static ImmutableSortedDictionary<string, EventSnapshot> Unlinked(ImmutableSortedDictionary<string, EventSnapshot> events, string objectId)
    {
        foreach (var (id, snap) in events)
        {
            if (snap.LinkedRecord == objectId)
            {
                events = events.SetItem(id, snap with { LinkedRecord = null });
            }
        }

        return events;
    }
}
