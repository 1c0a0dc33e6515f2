using System.Collections.Immutable;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// One sync of one employee's mailbox: read the mailbox delta, the CRM change poll and the CRM's live ids through
/// the ports; decide each meeting (one at a time, in key order) with <see cref="ReconciliationStep"/> and the
/// policy; execute each decision's effects through the ports; record every version written so our own writes do
/// not come back as user changes. The simulator and the live runner both run exactly this; the runner adds
/// <see cref="ISyncHooks"/> (serialization per meeting, journal, guards, progress saves). No clock, no IO of its
/// own: time arrives as <c>now</c>, IO happens behind the ports.
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
        ISyncHooks? hooks = null,
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

        var page = await mailbox.ReadChangesAsync(state.Cursor, cancellationToken).ConfigureAwait(false);
        var crmPage = await crm.ReadChangesAsync(state.Watermark, cancellationToken).ConfigureAwait(false);
        var ids = await crm.ListIdsAsync(cancellationToken).ConfigureAwait(false);
        var run = new Run(ReconciliationStep.Observe(state, page, crmPage, ids), mailbox, crm, policy, hooks, cancellationToken);
        var writes = 0;
        foreach (var (key, eventIds, recordIds) in run.W.Meetings)
        {
            var scope = hooks is null ? null : await hooks.EnterMeetingAsync(key, cancellationToken).ConfigureAwait(false);
            try
            {
                writes += await run.DecideMeetingAsync(key, eventIds, recordIds, settings, now).ConfigureAwait(false);
            }
            finally
            {
                if (scope is not null)
                {
                    await scope.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        var outcome = new SyncOutcome(run.W.State, run.W.Decisions.Count == 0 ? [] : [.. run.W.Decisions], writes);
        run.W.Return(); // Only on success: a sync that threw leaves its scratch to the GC.
        return outcome;
    }

    /// <summary>One sync in progress: the working set, the ports, and the decisions taken so far.</summary>
    private sealed class Run(
        SyncWorkingSet w, IMailboxPort mailbox, ICrmPort crm, IDecisionPolicy policy, ISyncHooks? hooks, CancellationToken ct)
    {
        public SyncWorkingSet W { get; } = w;

        public async ValueTask<int> DecideMeetingAsync(string key, List<string> eventIds, List<string> recordIds, SyncSettings settings, DateTimeOffset now)
        {
            var writes = 0;
            var decidedMailboxChange = false;
            foreach (var eventId in eventIds)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var derived = ReconciliationStep.DeriveEventChange(W, eventId, mailbox.Provider, crm.Dialect, settings, now);
                    var item = W.Incoming[eventId];
                    W.Events.TryGetValue(eventId, out var before);
                    W.Events = W.Events.SetItem(eventId, new EventSnapshot(item, before?.LinkedRecord));
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

                    var derived = ReconciliationStep.DeriveRecordChange(W, key, objectId, mailbox.Provider, crm.Dialect, settings, now);
                    var beforeRecords = W.Records;
                    if (W.Gone.Contains(objectId))
                    {
                        W.Records = W.Records.Remove(objectId);
                        W.Events = Unlinked(W.Events, objectId);
                    }
                    else
                    {
                        W.Records = W.Records.SetItem(objectId, snap with { Seen = snap.Latest });
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

        private async ValueTask<int> DecideAsync(ObservedChange change, Changes.ChangeFacts facts, MeetingView view)
        {
            var decision = policy.Decide(in facts);
            var planned = new SyncDecision(W.EmployeeId, change, facts, decision, EffectPlanner.Plan(decision, change, in view));
            var taken = planned;
            if (hooks is not null)
            {
                var admitted = await hooks.AdmitAsync(planned, ct).ConfigureAwait(false);
                CheckAdmitted(planned, admitted);
                taken = planned with { Effects = admitted };
            }

            W.Decisions.Add(taken);
            var writes = 0;
            foreach (var effect in taken.Effects)
            {
                try
                {
                    writes += await ExecuteAsync(effect).ConfigureAwait(false);
                }
                catch (CrmConflictException conflict)
                {
                    if (hooks is not null)
                    {
                        await hooks.DecisionSupersededAsync(taken, conflict, ct).ConfigureAwait(false);
                    }

                    throw;
                }

                if (hooks is not null)
                {
                    await hooks.EffectAppliedAsync(taken, effect, ct).ConfigureAwait(false);
                }
            }

            if (hooks is not null)
            {
                await hooks.DecisionCompletedAsync(taken, W.StateAtStart, ct).ConfigureAwait(false);
            }

            return writes;
        }

        /// <summary>The hooks may hold or withhold effects, never invent or alter them.</summary>
        private static void CheckAdmitted(SyncDecision planned, ImmutableArray<Effect> admitted)
        {
            foreach (var e in admitted.IsDefault ? [] : admitted)
            {
                if (e is not HeldEffect && !planned.Effects.Contains(e))
                {
                    throw new InvalidOperationException($"the sync hooks admitted an effect the decision did not plan: {e}");
                }
            }
        }

        private void Refresh(CrmConflictException conflict)
        {
            if (conflict.Current is null)
            {
                W.Gone.Add(conflict.ObjectId);
                return;
            }

            W.Records.TryGetValue(conflict.ObjectId, out var old);
            W.Records = W.Records.SetItem(conflict.ObjectId, new RecordSnapshot(conflict.Current, old?.Seen));
        }

        private string ETagOf(string objectId) =>
            W.Records.TryGetValue(objectId, out var snap)
                ? snap.Latest.ETag
                : throw new InvalidOperationException($"CRM record {objectId} is written but was never read");

        private async ValueTask<int> ExecuteAsync(Effect effect)
        {
            switch (effect)
            {
                case CreateCrmRecord e:
                    {
                        var r = (await crm.CreateAsync(e.Content, e.Owner, e.EventId, e.IdempotencyKey, ct).ConfigureAwait(false)).Record;
                        W.Records = W.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r));
                        W.Events = Link(W.Events, e.EventId, r.ObjectId);
                        return 1;
                    }

                case UpdateCrmRecord e:
                    {
                        var r = (await crm.UpdateAsync(e.ObjectId, ETagOf(e.ObjectId), e.Content, e.RelinkTo, ct).ConfigureAwait(false)).Record;
                        W.Records = W.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r));
                        return 1;
                    }

                case CancelCrmRecord e:
                    {
                        var r = (await crm.CancelAsync(e.ObjectId, ETagOf(e.ObjectId), ct).ConfigureAwait(false)).Record;
                        W.Records = W.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r));
                        return 1;
                    }

                case DeleteCrmRecord e:
                    await crm.DeleteAsync(e.ObjectId, ETagOf(e.ObjectId), ct).ConfigureAwait(false);
                    W.Gone.Add(e.ObjectId);
                    W.Records = W.Records.Remove(e.ObjectId);
                    W.Events = Unlinked(W.Events, e.ObjectId);
                    return 1;

                case CreateEvent e:
                    {
                        var created = await mailbox.CreateEventAsync(e.Content, e.IdempotencyKey, ct).ConfigureAwait(false);
                        var item = created.Item ?? throw new InvalidOperationException("a created event must be returned");
                        W.Current[created.EventId] = item;
                        var snap = W.Records.TryGetValue(e.ObjectId, out var found) ? found : null;
                        W.Events = W.Events.SetItem(created.EventId, new EventSnapshot(item, e.ObjectId));
                        if (snap is null)
                        {
                            return 1;
                        }

                        var r = (await crm.UpdateAsync(e.ObjectId, snap.Latest.ETag, snap.Latest.ToContent(item.Uid), created.EventId, ct).ConfigureAwait(false)).Record;
                        W.Records = W.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r));
                        return 2;
                    }

                case UpdateEvent e:
                    return Rewrite(W, await mailbox.UpdateEventAsync(e.EventId, e.Content, ct).ConfigureAwait(false));

                case CancelEvent e:
                    return Rewrite(W, await mailbox.CancelEventAsync(e.EventId, ct).ConfigureAwait(false));

                case DeleteEvent e:
                    {
                        await mailbox.DeleteEventAsync(e.EventId, ct).ConfigureAwait(false);
                        if (W.Events.TryGetValue(e.EventId, out var snap))
                        {
                            var tomb = snap.Item with { Removed = true, ChangeKey = string.Empty };
                            W.Current[e.EventId] = tomb;
                            W.Events = W.Events.SetItem(e.EventId, new EventSnapshot(tomb, null));
                        }

                        return 1;
                    }

                case LinkReplica e:
                    W.Events = Link(W.Events, e.EventId, e.ObjectId);
                    return 0;

                case UnlinkReplica e:
                    W.Events = Unlinked(W.Events, e.ObjectId);
                    return 0;

                case HeldEffect:
                    return 0;

                default:
                    throw new ArgumentOutOfRangeException(nameof(effect), effect.GetType().Name, "unknown effect");
            }
        }
    }

    private static int Rewrite(SyncWorkingSet w, MailboxWrite write)
    {
        w.Events.TryGetValue(write.EventId, out var snap);
        var item = write.Item
            ?? (snap?.Item ?? throw new InvalidOperationException($"event {write.EventId} was written but never read")) with { Removed = true, ChangeKey = string.Empty };
        w.Current[write.EventId] = item;
        w.Events = w.Events.SetItem(write.EventId, new EventSnapshot(item, snap?.LinkedRecord));
        return 1;
    }

    private static ImmutableSortedDictionary<string, EventSnapshot> Link(ImmutableSortedDictionary<string, EventSnapshot> events, string eventId, string objectId) =>
        events.TryGetValue(eventId, out var snap) ? events.SetItem(eventId, snap with { LinkedRecord = objectId }) : events;

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
