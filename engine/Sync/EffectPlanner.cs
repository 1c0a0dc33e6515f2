using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What one employee's sync knows about one meeting when it plans effects: its own live replica (if any), the
/// correlated live CRM record (if any), and the mailbox provider. Immutable.
/// </summary>
/// <param name="EmployeeId">The observing employee.</param>
/// <param name="Provider">The employee's mailbox provider.</param>
/// <param name="Event">The employee's own live replica of the meeting, or null.</param>
/// <param name="Record">The correlated live CRM record, or null.</param>
/// <param name="Uid">The meeting's UID (a stand-in derived from the ObjectID when the dialect hides it).</param>
/// <param name="RecordSeen">
/// For a CRM change: the version of <paramref name="Record"/> this employee's sync last decided on (null when none), so a
/// share of the record to the calendar carries only the fields the CRM changed since (<see cref="EffectPlanner"/>).
/// </param>
/// <param name="Window">The tenant's sync window at this sync (null when unknown: a merged share then writes nothing back to the record).</param>
public readonly record struct MeetingView(string EmployeeId, Provider Provider, MailboxItem? Event, CrmRecord? Record, MeetingUid Uid, CrmRecord? RecordSeen = null, SyncWindow? Window = null);

/// <summary>The meetings a sync keeps in step: those starting from <paramref name="From"/> to <paramref name="To"/>, both included.</summary>
/// <param name="From">The earliest start inside the window.</param>
/// <param name="To">The latest start inside the window.</param>
public readonly record struct SyncWindow(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The window of <paramref name="settings"/> around <paramref name="now"/>.</summary>
    public static SyncWindow Around(DateTimeOffset now, SyncSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(now - settings.WindowPast, now + settings.WindowFuture);
    }

    /// <summary>Whether a meeting starting at <paramref name="start"/> lies inside the window.</summary>
    public bool Contains(DateTimeOffset start) => start >= From && start <= To;
}

/// <summary>
/// Turns one decision into effects, as data. The guard is built in: the only effect that notifies attendees of a
/// cancellation is <see cref="CancelEvent"/>, planned only for a decided <c>cancel</c> of the organizer's own event.
/// A <c>delete</c> of an organizer's Exchange event with attendees is held (Exchange would send cancellations);
/// impossible decisions (an attendee cancelling, sharing nothing) are held with a reason. A CRM change shared to the
/// organizer's event carries only the fields the CRM changed since the version this sync last decided on
/// (<see cref="MeetingView.RecordSeen"/>): the subject, the time (start and end together), the attendees; the event
/// keeps its own value of every other field, so an organizer's change the rules left unshared (e.g. a move beyond the
/// sync window) is not overwritten by the record's older content. When the merged meeting lies inside the sync window
/// (<see cref="MeetingView.Window"/>) and differs from the record, the merged content goes to the record too: the CRM
/// user's edit is intent for the fields it changed, the organizer's calendar is the source of the others, and a
/// meeting inside the window is kept in step (e.g. a CRM reschedule brings back into the window a meeting the organizer
/// had moved out and removed an attendee from: the record follows the organizer's attendees). Beyond the window the
/// record keeps its own content, as the rules decided. Pure; thread-safe.
/// </summary>
public static class EffectPlanner
{
    /// <summary>Plans the effects of <paramref name="decision"/> about <paramref name="change"/>.</summary>
    public static ImmutableArray<Effect> Plan(Decision decision, ObservedChange change, in MeetingView view)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(change);
        var keyRoot = new KeyRoot(view.EmployeeId, change, decision.Rule);
        var target = Decision.Resolve(decision.Target, change.Source);
        var ev = view.Event is { Removed: false } e ? e : null;
        var record = view.Record;
        var linkedHere = ev is not null && record is not null && record.GroupwareItemId == ev.EventId;
        return decision.Action switch
        {
            DecisionAction.Ignore => [],
            DecisionAction.Unlink => record is null ? [] : [new UnlinkReplica(Key(keyRoot, 0, "unlink"), record.ObjectId)],
            DecisionAction.Share when target == DecisionTarget.Crm => ShareToCrm(keyRoot, view, ev, record, linkedHere),
            DecisionAction.Share => ShareToMailbox(keyRoot, view, ev, record, linkedHere, change.Source == ChangeSource.Crm),
            DecisionAction.Delete when target == DecisionTarget.Crm => record is null
                ? [Held(keyRoot, "delete the CRM record", "no live CRM record is correlated with this meeting", destructive: true)]
                : [new DeleteCrmRecord(Key(keyRoot, 0, "delete-crm"), record.ObjectId), new UnlinkReplica(Key(keyRoot, 1, "unlink"), record.ObjectId)],
            DecisionAction.Delete => DeleteInMailbox(keyRoot, view, ev),
            DecisionAction.Cancel when target == DecisionTarget.Crm => record is null
                ? [Held(keyRoot, "cancel the CRM record", "no live CRM record is correlated with this meeting", destructive: true)]
                : record.Status == CrmStatus.Cancelled ? []
                : ev is not null
                    // The replica's last time and subject travel with the cancellation, so both sides agree.
                    ? [new UpdateCrmRecord(Key(keyRoot, 0, "cancel-crm"), record.ObjectId, ev.ToContent() with { Cancelled = true }, null)]
                    : [new CancelCrmRecord(Key(keyRoot, 0, "cancel-crm"), record.ObjectId)],
            DecisionAction.Cancel => CancelInMailbox(keyRoot, ev),
            _ => throw new ArgumentOutOfRangeException(nameof(decision), decision.Action, "unknown action"),
        };
    }

    /// <summary>Whether an effect notifies attendees of a cancellation when executed (only <see cref="CancelEvent"/> may).</summary>
    public static bool NotifiesCancellation(Effect effect) => EffectTraits.NotifiesCancellation(effect);

    private static ImmutableArray<Effect> ShareToCrm(KeyRoot keyRoot, in MeetingView view, MailboxItem? ev, CrmRecord? record, bool linkedHere)
    {
        if (ev is null)
        {
            return [Held(keyRoot, "share the calendar replica to the CRM", "this mailbox holds no live replica of the meeting", destructive: false)];
        }

        var content = ev.ToContent();
        if (record is null)
        {
            return [new CreateCrmRecord(Key(keyRoot, 0, "create-crm"), ev.EventId, content, view.EmployeeId)];
        }

        if (linkedHere && SameContent(record.ToContent(content.Uid), content))
        {
            return [new LinkReplica(Key(keyRoot, 0, "link"), ev.EventId, record.ObjectId)];
        }

        return
        [
            new UpdateCrmRecord(Key(keyRoot, 0, "update-crm"), record.ObjectId, content, linkedHere ? null : ev.EventId),
            new LinkReplica(Key(keyRoot, 1, "link"), ev.EventId, record.ObjectId),
        ];
    }

    private static ImmutableArray<Effect> ShareToMailbox(KeyRoot keyRoot, in MeetingView view, MailboxItem? ev, CrmRecord? record, bool linkedHere, bool crmChange)
    {
        if (record is null)
        {
            return [Held(keyRoot, "share the CRM record to the calendar", "no live CRM record is correlated with this meeting", destructive: false)];
        }

        var content = record.ToContent(ev?.Uid ?? view.Uid);
        if (ev is null)
        {
            if (record.GroupwareItemId is not null)
            {
                return [Held(keyRoot, "create the meeting in this calendar", "the record is linked to a replica in another calendar; creating the meeting again would duplicate it", destructive: false)];
            }

            if (record.Status == CrmStatus.Completed)
            {
                return []; // A completed activity (it took place) is no meeting to create: nothing to share.
            }

            return record.RoleOf(view.EmployeeId) == Role.Organizer && record.Status == CrmStatus.Open
                ? [new CreateEvent(Key(keyRoot, 0, "create-event"), record.ObjectId, content)]
                : [Held(keyRoot, "create the meeting in this calendar", "only the organizer's calendar can create (and invite to) the meeting", destructive: false)];
        }

        if (!ev.IsOrganizer)
        {
            return [Held(keyRoot, "change this calendar's copy", "an attendee's copy cannot carry changes to the meeting", destructive: false)];
        }

        if (ev.Cancelled || content.Cancelled)
        {
            // Status changes travel only through decided cancels; a share never revives or cancels an event.
            return [Held(keyRoot, "share the CRM record to the calendar", "a share does not change a meeting's status", destructive: false)];
        }

        var current = ev.ToContent();
        var recordContent = content;
        var mergedBack = false;
        if (crmChange && view.RecordSeen is { } seen)
        {
            content = ChangedFields(content, seen.ToContent(content.Uid), current);
            mergedBack = view.Window is { } window && window.Contains(content.Start) && !SameContent(recordContent, content);
        }

        var builder = ImmutableArray.CreateBuilder<Effect>(3);
        if (!SameContent(current, content))
        {
            builder.Add(new UpdateEvent(Key(keyRoot, 0, "update-event"), ev.EventId, content));
        }

        if (!linkedHere)
        {
            builder.Add(new UpdateCrmRecord(Key(keyRoot, 1, "relink-crm"), record.ObjectId, mergedBack ? content : recordContent, ev.EventId));
        }
        else if (mergedBack)
        {
            // The organizer's fields the CRM did not change, now inside the window, go to the record.
            builder.Add(new UpdateCrmRecord(Key(keyRoot, 1, "merge-crm"), record.ObjectId, content, null));
        }

        builder.Add(new LinkReplica(Key(keyRoot, 2, "link"), ev.EventId, record.ObjectId));
        return builder.ToImmutable();
    }

    private static ImmutableArray<Effect> DeleteInMailbox(KeyRoot keyRoot, in MeetingView view, MailboxItem? ev)
    {
        if (ev is null)
        {
            return [];
        }

        var hasAttendees = false;
        foreach (var a in ev.Attendees)
        {
            hasAttendees |= a.Address != view.EmployeeId;
        }

        if (ev.IsOrganizer && hasAttendees && view.Provider == Provider.Exchange && !ev.Cancelled)
        {
            return [Held(keyRoot, "delete the organizer's event", "DELETE of an organizer's Exchange event sends cancellations; only a decided cancel may notify attendees", destructive: true)];
        }

        return [new DeleteEvent(Key(keyRoot, 0, "delete-event"), ev.EventId)];
    }

    private static ImmutableArray<Effect> CancelInMailbox(KeyRoot keyRoot, MailboxItem? ev)
    {
        if (ev is null || ev.Cancelled)
        {
            return [];
        }

        return ev.IsOrganizer
            ? [new CancelEvent(Key(keyRoot, 0, "cancel-event"), ev.EventId)]
            : [Held(keyRoot, "cancel the meeting", "only the organizer can cancel a meeting (Graph answers 400 to an attendee)", destructive: true)];
    }

    /// <summary>
    /// The event's content with each field the record changed since <paramref name="seen"/> taken from
    /// <paramref name="record"/>: a field-level merge, so the CRM's unchanged (older) fields never overwrite the event's.
    /// </summary>
    internal static MeetingContent ChangedFields(MeetingContent record, MeetingContent seen, MeetingContent current)
    {
        var timeChanged = record.Start != seen.Start || record.End != seen.End;
        return current with
        {
            Subject = record.Subject != seen.Subject ? record.Subject : current.Subject,
            Start = timeChanged ? record.Start : current.Start,
            End = timeChanged ? record.End : current.End,
            Attendees = record.Attendees.SequenceEqual(seen.Attendees) ? current.Attendees : record.Attendees,
            Type = record.Type != seen.Type ? record.Type : current.Type,
        };
    }

    private static bool SameContent(MeetingContent a, MeetingContent b) =>
        a.Subject == b.Subject && a.Start == b.Start && a.End == b.End && a.Cancelled == b.Cancelled
        && a.Type == b.Type && a.Attendees.SequenceEqual(b.Attendees);

    private static HeldEffect Held(KeyRoot keyRoot, string intended, string reason, bool destructive) =>
        new(Key(keyRoot, 0, "held"), intended, reason, destructive);

    /// <summary>
    /// <c>{employee}/{change id}/{rule}#{index}:{what}</c>, built in one go: the planner runs for every decision of
    /// every sync (the simulator's included), so the key root and the change id are not built as strings of their own.
    /// </summary>
    private static string Key(in KeyRoot root, int index, string what)
    {
        var c = root.Change;
        return string.Create(
            null,
            stackalloc char[256],
            $"{root.EmployeeId}/{ObservedChange.SourcePrefix(c.Source)}{c.ReplicaId}@{c.Version}{ObservedChange.KindName(c.Kind)}/{root.Rule}#{index}:{what}");
    }

    /// <summary>What every idempotency key of one decision starts with: <c>{employee}/{change id}/{rule}</c>.</summary>
    private readonly record struct KeyRoot(string EmployeeId, ObservedChange Change, string Rule);
}
