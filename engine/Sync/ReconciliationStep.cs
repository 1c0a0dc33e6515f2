using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What one sync read, merged with what it knew: the working view the reconciliation step decides over. Built by
/// <see cref="ReconciliationStep.Observe"/>; meetings are listed in key order and decided one at a time.
/// </summary>
internal sealed class SyncWorkingSet
{
    public required string EmployeeId { get; init; }

    /// <summary>Each own replica as it stands now (page item, else last snapshot); removal notices carry the last known content.</summary>
    public required Dictionary<string, MailboxItem> Current { get; init; }

    /// <summary>Page items not yet decided, by event id.</summary>
    public required Dictionary<string, MailboxItem> Incoming { get; init; }

    /// <summary>Known records that id reconciliation no longer lists.</summary>
    public required HashSet<string> Gone { get; init; }

    /// <summary>Meetings with something to decide, in ordinal key order: event ids first, then ObjectIDs, each sorted.</summary>
    public required List<(string Key, List<string> EventIds, List<string> RecordIds)> Meetings { get; init; }

    public required MailboxSyncState State { get; set; }
}

/// <summary>
/// The reconciliation step: from a mailbox delta and a CRM poll to observed changes, facts, decisions and effects.
/// Pure: every input is an argument (the clock reading <c>now</c> included); the only outputs are return values.
/// Decisions about one meeting (keyed by UID) are taken one at a time, in key order; within a meeting the mailbox
/// change goes first, and a CRM change of the same meeting waits for the next sync unless the mailbox decision
/// already wrote the record (then it is our own echo).
/// </summary>
public static class ReconciliationStep
{
    internal static SyncWorkingSet Observe(MailboxSyncState state, MailboxPage page, CrmChangePage crmPage, ImmutableArray<string> liveIds)
    {
        var me = state.EmployeeId;
        var current = new Dictionary<string, MailboxItem>(state.Events.Count + page.Items.Length, StringComparer.Ordinal);
        foreach (var (id, snap) in state.Events)
        {
            current[id] = snap.Item;
        }

        var incoming = new Dictionary<string, MailboxItem>(StringComparer.Ordinal);
        foreach (var item in page.Items)
        {
            if (item.Removed)
            {
                if (state.Events.TryGetValue(item.EventId, out var known) && !known.Item.Removed)
                {
                    var tomb = known.Item with { Removed = true, ChangeKey = string.Empty };
                    current[item.EventId] = tomb;
                    incoming[item.EventId] = tomb;
                }
                else
                {
                    incoming.Remove(item.EventId);
                }

                continue;
            }

            current[item.EventId] = item;
            if (!state.Events.TryGetValue(item.EventId, out var snap) || snap.Item.ChangeKey != item.ChangeKey)
            {
                incoming[item.EventId] = item;
            }
        }

        var records = state.Records;
        foreach (var rec in crmPage.Records)
        {
            records.TryGetValue(rec.ObjectId, out var old);
            if (old is null || old.Latest.ETag != rec.ETag)
            {
                records = records.SetItem(rec.ObjectId, new RecordSnapshot(rec, old?.Seen));
            }
        }

        var live = new HashSet<string>(liveIds, StringComparer.Ordinal);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, _) in records)
        {
            if (!live.Contains(id))
            {
                gone.Add(id);
            }
        }

        var working = new SyncWorkingSet
        {
            EmployeeId = me,
            Current = current,
            Incoming = incoming,
            Gone = gone,
            Meetings = [],
            State = state with { Cursor = page.Next, Watermark = crmPage.Next, Records = records },
        };

        var byKey = new SortedDictionary<string, (List<string> Events, List<string> Records)>(StringComparer.Ordinal);
        var incomingIds = new string[incoming.Count];
        incoming.Keys.CopyTo(incomingIds, 0);
        Array.Sort(incomingIds, StringComparer.Ordinal);
        foreach (var id in incomingIds)
        {
            Group(byKey, incoming[id].Uid.Value).Events.Add(id);
        }

        foreach (var (id, snap) in records)
        {
            if (snap.Pending || gone.Contains(id))
            {
                var ev = FindEventFor(working, snap.Latest);
                Group(byKey, ev?.Uid.Value ?? snap.Latest.Uid?.Value ?? RecordKey(id)).Records.Add(id);
            }
        }

        foreach (var (key, lists) in byKey)
        {
            working.Meetings.Add((key, lists.Events, lists.Records));
        }

        return working;
    }

    /// <summary>The meeting key of a record nothing correlates and whose dialect hides the UID.</summary>
    public static string RecordKey(string objectId) => "record:" + objectId;

    /// <summary>Derives the change and facts of an own replica's page item; null when it is not a change (an echo).</summary>
    internal static (ObservedChange Change, ChangeFacts Facts, MeetingView View)? DeriveEventChange(
        SyncWorkingSet w, string eventId, Provider provider, ApiVersion api, SyncSettings settings, DateTimeOffset now)
    {
        var item = w.Incoming[eventId];
        w.State.Events.TryGetValue(eventId, out var before);
        var prev = before?.Item;
        ChangeKind kind;
        if (prev is null || prev.Removed)
        {
            if (item.Removed)
            {
                return null;
            }

            kind = item.Cancelled ? ChangeKind.Cancelled : ChangeKind.Created;
        }
        else if (item.Removed)
        {
            kind = ChangeKind.Deleted;
        }
        else if (item.ChangeKey == prev.ChangeKey)
        {
            return null;
        }
        else if (item.Cancelled && !prev.Cancelled)
        {
            kind = ChangeKind.Cancelled;
        }
        else if (Declines(item, w.EmployeeId) > Declines(prev, w.EmployeeId))
        {
            kind = ChangeKind.Declined;
        }
        else
        {
            kind = ChangeKind.Updated;
        }

        var record = FindRecordFor(w, item, before?.LinkedRecord);
        var me = w.EmployeeId;
        var role = item.IsOrganizer ? Role.Organizer : IsInvited(item, me) ? Role.Attendee : Role.None;
        var link = record is null ? LinkState.Unlinked : record.GroupwareItemId == eventId ? LinkState.This : LinkState.Other;
        var (employees, externals) = Participants(item);
        var facts = new ChangeFacts(
            ChangeSource.Mailbox, provider, kind, role, link, record is not null && record.Owner == me,
            item.End < now ? Timing.Past : Timing.Future, employees, externals, item.Type, api, settings.AutoShare,
            InWindow(item.Start, settings, now));
        var change = new ObservedChange(item.Uid.Value, ChangeSource.Mailbox, kind, eventId, item.ChangeKey);
        return (change, facts, new MeetingView(me, provider, item.Removed ? null : item, record, item.Uid));
    }

    /// <summary>
    /// Derives the change and facts of a pending or vanished CRM record. A record seen for the first time that is
    /// linked to a replica this mailbox cannot correlate is observed as the meeting missing from this calendar.
    /// </summary>
    internal static (ObservedChange Change, ChangeFacts Facts, MeetingView View)? DeriveRecordChange(
        SyncWorkingSet w, string key, string objectId, Provider provider, ApiVersion api, SyncSettings settings, DateTimeOffset now)
    {
        if (!w.State.Records.TryGetValue(objectId, out var snap))
        {
            return null;
        }

        var me = w.EmployeeId;
        var record = snap.Latest;
        var gone = w.Gone.Contains(objectId);
        var ev = FindEventFor(w, record);
        var liveEvent = ev is { Removed: false } ? ev : null;
        var uid = ev?.Uid ?? record.Uid ?? new MeetingUid("crm-" + objectId);
        var role = record.RoleOf(me);
        var (employees, externals) = Participants(record);
        var source = ChangeSource.Crm;
        ChangeKind kind;
        LinkState link;
        if (gone)
        {
            kind = ChangeKind.Deleted;
            link = ev is not null && record.GroupwareItemId == ev.EventId ? LinkState.This : record.GroupwareItemId is null ? LinkState.Unlinked : LinkState.Other;
        }
        else
        {
            if (!snap.Pending)
            {
                return null;
            }

            var seen = snap.Seen;
            kind = seen is null ? (record.Status == CrmStatus.Cancelled ? ChangeKind.Cancelled : ChangeKind.Created)
                : record.Status == CrmStatus.Cancelled && seen.Status != CrmStatus.Cancelled ? ChangeKind.Cancelled
                : ChangeKind.Updated;
            link = ev is not null && record.GroupwareItemId == ev.EventId ? LinkState.This : record.GroupwareItemId is null ? LinkState.Unlinked : LinkState.Other;
            if (seen is null && ev is null && record.GroupwareItemId is not null && role != Role.None)
            {
                // The record claims a calendar replica of a meeting this employee takes part in, and no replica
                // here correlates with it (v1 hides the UID): the meeting is missing from this calendar.
                source = ChangeSource.Mailbox;
                kind = ChangeKind.Missing;
            }
        }

        var facts = new ChangeFacts(
            source, provider, kind, role, link, record.Owner == me,
            record.End < now ? Timing.Past : Timing.Future, employees, externals, record.Type, api, settings.AutoShare,
            InWindow(record.Start, settings, now));
        var change = new ObservedChange(key, source, kind, objectId, gone ? string.Empty : record.ETag);
        return (change, facts, new MeetingView(me, provider, liveEvent, gone ? null : record, uid));
    }

    internal static CrmRecord? FindRecordFor(SyncWorkingSet w, MailboxItem ev, string? linked)
    {
        CrmRecord? byLink = null, byUid = null;
        foreach (var (id, snap) in w.State.Records)
        {
            if (w.Gone.Contains(id))
            {
                continue;
            }

            var r = snap.Latest;
            if (r.GroupwareItemId == ev.EventId)
            {
                return r;
            }

            if (linked == id)
            {
                byLink ??= r;
            }
            else if (r.Uid is { } u && u == ev.Uid)
            {
                byUid ??= r;
            }
        }

        return byLink ?? byUid;
    }

    internal static MailboxItem? FindEventFor(SyncWorkingSet w, CrmRecord r)
    {
        MailboxItem? byLink = null, byUid = null;
        foreach (var (id, item) in w.Current)
        {
            if (r.GroupwareItemId == id)
            {
                return item;
            }

            if (w.State.Events.TryGetValue(id, out var snap) && snap.LinkedRecord == r.ObjectId)
            {
                byLink ??= item;
            }
            else if (r.Uid is { } u && u == item.Uid)
            {
                byUid ??= item;
            }
        }

        return byLink ?? byUid;
    }

    private static (List<string> Events, List<string> Records) Group(SortedDictionary<string, (List<string>, List<string>)> byKey, string key)
    {
        if (!byKey.TryGetValue(key, out var lists))
        {
            lists = ([], []);
            byKey[key] = lists;
        }

        return lists;
    }

    private static int Declines(MailboxItem item, string me)
    {
        if (!item.IsOrganizer)
        {
            return item.OwnResponse == AttendeeResponse.Declined ? 1 : 0;
        }

        var n = 0;
        foreach (var a in item.Attendees)
        {
            if (a.Response == AttendeeResponse.Declined && a.Address != me)
            {
                n++;
            }
        }

        return n;
    }

    private static bool IsInvited(MailboxItem item, string me)
    {
        foreach (var a in item.Attendees)
        {
            if (a.Address == me)
            {
                return true;
            }
        }

        return false;
    }

    private static (bool Employees, bool Externals) Participants(MailboxItem item)
    {
        bool employees = false, externals = false;
        foreach (var a in item.Attendees)
        {
            if (a.Address == item.Organizer)
            {
                continue;
            }

            employees |= a.IsEmployee;
            externals |= !a.IsEmployee;
        }

        return (employees, externals);
    }

    private static (bool Employees, bool Externals) Participants(CrmRecord record)
    {
        bool employees = false, externals = false;
        foreach (var p in record.Parties)
        {
            employees |= p.Role == PartyRole.Attendee;
            externals |= p.Role == PartyRole.Contact;
        }

        return (employees, externals);
    }

    private static bool InWindow(DateTimeOffset start, SyncSettings settings, DateTimeOffset now) =>
        start >= now - settings.WindowPast && start <= now + settings.WindowFuture;
}
