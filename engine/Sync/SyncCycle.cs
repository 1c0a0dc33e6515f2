using System.Collections.Immutable;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// One sync of one employee's mailbox: read the mailbox delta, the CRM change poll and the CRM's live ids through
/// the ports; decide each meeting (one at a time, in key order) with <see cref="ReconciliationStep"/> and the
/// policy; execute each decision's effects through the ports; record every version written so our own writes do
/// not come back as user changes. The simulator and the live runner both run exactly this. No clock, no IO of its
/// own: time arrives as <c>now</c>, IO happens behind the ports.
/// </summary>
public static class SyncCycle
{
    /// <summary>Runs one sync and returns the new state, the decisions taken and the number of store writes.</summary>
    public static SyncOutcome Run(
        MailboxSyncState state, IMailboxPort mailbox, ICrmPort crm, IDecisionPolicy policy, SyncSettings settings, DateTimeOffset now)
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

        var page = mailbox.ReadChanges(state.Cursor);
        var crmPage = crm.ReadChanges(state.Watermark);
        var w = ReconciliationStep.Observe(state, page, crmPage, crm.ListIds());
        var decisions = ImmutableArray.CreateBuilder<SyncDecision>();
        var writes = 0;
        foreach (var (key, eventIds, recordIds) in w.Meetings)
        {
            var decidedMailboxChange = false;
            foreach (var eventId in eventIds)
            {
                var derived = ReconciliationStep.DeriveEventChange(w, eventId, mailbox.Provider, crm.Dialect, settings, now);
                var item = w.Incoming[eventId];
                w.State.Events.TryGetValue(eventId, out var before);
                w.State = w.State with { Events = w.State.Events.SetItem(eventId, new EventSnapshot(item, before?.LinkedRecord)) };
                if (derived is not { } d)
                {
                    continue;
                }

                decidedMailboxChange = true;
                writes += Decide(w, d.Change, d.Facts, d.View, policy, mailbox, crm, decisions);
            }

            foreach (var objectId in recordIds)
            {
                if (!w.State.Records.TryGetValue(objectId, out var snap) || (decidedMailboxChange && !w.Gone.Contains(objectId)))
                {
                    continue; // Absorbed by our own write, or waits for the next sync: one decision per meeting side.
                }

                var derived = ReconciliationStep.DeriveRecordChange(w, key, objectId, mailbox.Provider, crm.Dialect, settings, now);
                w.State = w.Gone.Contains(objectId)
                    ? w.State with { Records = w.State.Records.Remove(objectId), Events = Unlinked(w.State.Events, objectId) }
                    : w.State with { Records = w.State.Records.SetItem(objectId, snap with { Seen = snap.Latest }) };
                if (derived is { } d)
                {
                    writes += Decide(w, d.Change, d.Facts, d.View, policy, mailbox, crm, decisions);
                }
            }
        }

        return new SyncOutcome(w.State, decisions.ToImmutable(), writes);
    }

    private static int Decide(
        SyncWorkingSet w, ObservedChange change, Changes.ChangeFacts facts, MeetingView view, IDecisionPolicy policy,
        IMailboxPort mailbox, ICrmPort crm, ImmutableArray<SyncDecision>.Builder decisions)
    {
        var decision = policy.Decide(in facts);
        var effects = EffectPlanner.Plan(decision, change, in view);
        decisions.Add(new SyncDecision(w.EmployeeId, change, facts, decision, effects));
        var writes = 0;
        foreach (var effect in effects)
        {
            writes += Execute(w, effect, mailbox, crm);
        }

        return writes;
    }

    private static int Execute(SyncWorkingSet w, Effect effect, IMailboxPort mailbox, ICrmPort crm)
    {
        var s = w.State;
        switch (effect)
        {
            case CreateCrmRecord e:
                {
                    var r = crm.Create(e.Content, e.Owner, e.EventId).Record;
                    w.State = s with { Records = s.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r)), Events = Link(s.Events, e.EventId, r.ObjectId) };
                    return 1;
                }

            case UpdateCrmRecord e:
                {
                    var r = crm.Update(e.ObjectId, e.Content, e.RelinkTo).Record;
                    w.State = s with { Records = s.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r)) };
                    return 1;
                }

            case CancelCrmRecord e:
                {
                    var r = crm.Cancel(e.ObjectId).Record;
                    w.State = s with { Records = s.Records.SetItem(r.ObjectId, new RecordSnapshot(r, r)) };
                    return 1;
                }

            case DeleteCrmRecord e:
                crm.Delete(e.ObjectId);
                w.Gone.Add(e.ObjectId);
                w.State = s with { Records = s.Records.Remove(e.ObjectId), Events = Unlinked(s.Events, e.ObjectId) };
                return 1;

            case CreateEvent e:
                {
                    var created = mailbox.CreateEvent(e.Content);
                    var item = created.Item ?? throw new InvalidOperationException("a created event must be returned");
                    w.Current[created.EventId] = item;
                    var record = s.Records.TryGetValue(e.ObjectId, out var snap) ? snap.Latest : null;
                    var events = s.Events.SetItem(created.EventId, new EventSnapshot(item, e.ObjectId));
                    var records = s.Records;
                    if (record is not null)
                    {
                        var r = crm.Update(e.ObjectId, record.ToContent(item.Uid), created.EventId).Record;
                        records = records.SetItem(r.ObjectId, new RecordSnapshot(r, r));
                    }

                    w.State = s with { Events = events, Records = records };
                    return record is null ? 1 : 2;
                }

            case UpdateEvent e:
                return Rewrite(w, mailbox.UpdateEvent(e.EventId, e.Content));

            case CancelEvent e:
                return Rewrite(w, mailbox.CancelEvent(e.EventId));

            case DeleteEvent e:
                {
                    mailbox.DeleteEvent(e.EventId);
                    if (s.Events.TryGetValue(e.EventId, out var snap))
                    {
                        var tomb = snap.Item with { Removed = true, ChangeKey = string.Empty };
                        w.Current[e.EventId] = tomb;
                        w.State = s with { Events = s.Events.SetItem(e.EventId, new EventSnapshot(tomb, null)) };
                    }

                    return 1;
                }

            case LinkReplica e:
                w.State = s with { Events = Link(s.Events, e.EventId, e.ObjectId) };
                return 0;

            case UnlinkReplica e:
                w.State = s with { Events = Unlinked(s.Events, e.ObjectId) };
                return 0;

            case HeldEffect:
                return 0;

            default:
                throw new ArgumentOutOfRangeException(nameof(effect), effect.GetType().Name, "unknown effect");
        }
    }

    private static int Rewrite(SyncWorkingSet w, MailboxWrite write)
    {
        var s = w.State;
        s.Events.TryGetValue(write.EventId, out var snap);
        var item = write.Item ?? throw new InvalidOperationException("an updated event must be returned");
        w.Current[write.EventId] = item;
        w.State = s with { Events = s.Events.SetItem(write.EventId, new EventSnapshot(item, snap?.LinkedRecord)) };
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
