using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What one sync read, merged with what it knew: the working view the reconciliation step decides over. Built by
/// <see cref="ReconciliationStep.Observe"/>; meetings are listed in key order and decided one at a time. Mutable
/// scratch for the length of one sync: <see cref="Rent"/> hands out a cleared instance (one spare is kept per thread,
/// so a sync allocates no dictionaries of its own) and <see cref="Return"/> gives it back when the sync is done.
/// Nothing in it outlives the sync: the state is immutable and the decisions are copied out.
/// </summary>
internal sealed class SyncWorkingSet
{
    /// <summary>Collections that grew past this are dropped, not kept as a spare (a full resync of a large mailbox).</summary>
    private const int SpareLimit = 256;

    [ThreadStatic]
    private static SyncWorkingSet? _spare;

    private readonly Stack<List<string>> _lists = new();

    private SyncWorkingSet()
    {
    }

    public string EmployeeId { get; private set; } = string.Empty;

    /// <summary>Each own replica as it stands now (page item, else last snapshot); removal notices carry the last known content.</summary>
    public Dictionary<string, MailboxItem> Current { get; } = new(StringComparer.Ordinal);

    /// <summary>Page items not yet decided, by event id.</summary>
    public Dictionary<string, MailboxItem> Incoming { get; } = new(StringComparer.Ordinal);

    /// <summary>Known records that id reconciliation no longer lists.</summary>
    public HashSet<string> Gone { get; } = new(StringComparer.Ordinal);

    /// <summary>Meetings with something to decide, in ordinal key order: event ids first, then ObjectIDs, each sorted.</summary>
    public List<(string Key, List<string> EventIds, List<string> RecordIds)> Meetings { get; } = [];

    /// <summary>Decisions taken so far, in order.</summary>
    public List<SyncDecision> Decisions { get; } = [];

    /// <summary>The replica snapshots as they stand in this sync (the state's, updated decision by decision).</summary>
    public ImmutableSortedDictionary<string, EventSnapshot> Events { get; set; } = null!;

    /// <summary>The record snapshots as they stand in this sync (the state's with this sync's reads, updated decision by decision).</summary>
    public ImmutableSortedDictionary<string, RecordSnapshot> Records { get; set; } = null!;

    /// <summary>The state the sync started from, and where its delta and poll continue.</summary>
    private MailboxSyncState _start = null!;
    private MailboxCursor _cursor;
    private CrmWatermark _watermark;

    /// <summary>
    /// The sync state as it stands now, with the cursor and watermark this sync read up to. Built on demand (the state
    /// is immutable, one object per sync rather than one per decision and effect).
    /// </summary>
    public MailboxSyncState State => _start with { Cursor = _cursor, Watermark = _watermark, Events = Events, Records = Records };

    /// <summary>The sync state as it stands now, with the cursor and watermark the sync started from (for progress saves mid-sync).</summary>
    public MailboxSyncState StateAtStart => _start with { Events = Events, Records = Records };

    internal void Begin(MailboxSyncState start, MailboxCursor cursor, CrmWatermark watermark, ImmutableSortedDictionary<string, RecordSnapshot> records)
    {
        _start = start;
        _cursor = cursor;
        _watermark = watermark;
        Events = start.Events;
        Records = records;
    }

    /// <summary>Scratch for <see cref="ReconciliationStep.Observe"/>: the live ids, and where each meeting key sits in <see cref="Meetings"/>.</summary>
    internal HashSet<string> Live { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, int> MeetingIndex { get; } = new(StringComparer.Ordinal);

    internal List<string> SortedIds { get; } = [];

    /// <summary>A cleared working set for <paramref name="employeeId"/>'s sync.</summary>
    public static SyncWorkingSet Rent(string employeeId)
    {
        var w = _spare ?? new SyncWorkingSet();
        _spare = null;
        w.EmployeeId = employeeId;
        return w;
    }

    /// <summary>Clears this working set and keeps it as the current thread's spare (unless it grew large).</summary>
    public void Return()
    {
        var small = Current.Count <= SpareLimit && Incoming.Count <= SpareLimit && Gone.Count <= SpareLimit && Live.Count <= SpareLimit && Meetings.Count <= SpareLimit;
        Current.Clear();
        Incoming.Clear();
        Gone.Clear();
        Live.Clear();
        MeetingIndex.Clear();
        SortedIds.Clear();
        Decisions.Clear();
        foreach (var (_, events, records) in Meetings)
        {
            events.Clear();
            records.Clear();
            _lists.Push(events);
            _lists.Push(records);
        }

        Meetings.Clear();
        _start = null!;
        Events = null!;
        Records = null!;
        EmployeeId = string.Empty;
        if (small)
        {
            _spare = this;
        }
    }

    /// <summary>The meeting entry for <paramref name="key"/>, added (unsorted) if new; <see cref="SortMeetings"/> orders them.</summary>
    internal (string Key, List<string> EventIds, List<string> RecordIds) Group(string key)
    {
        if (MeetingIndex.TryGetValue(key, out var at))
        {
            return Meetings[at];
        }

        var entry = (key, TakeList(), TakeList());
        MeetingIndex[key] = Meetings.Count;
        Meetings.Add(entry);
        return entry;
    }

    internal void SortMeetings()
    {
        if (Meetings.Count > 1)
        {
            Meetings.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        }
    }

    private List<string> TakeList() => _lists.Count > 0 ? _lists.Pop() : [];
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
    internal static SyncWorkingSet Observe(MailboxSyncState state, MailboxPage page, CrmChangePage crmPage, ImmutableArray<string> liveIds, SyncWindow window)
    {
        var working = SyncWorkingSet.Rent(state.EmployeeId);
        var current = working.Current;
        foreach (var (id, snap) in state.Events)
        {
            current[id] = snap.Item;
        }

        var incoming = working.Incoming;
        foreach (var item in page.Items)
        {
            if (item.Removed)
            {
                if (state.Events.TryGetValue(item.EventId, out var known) && !known.Item.Removed)
                {
                    // The notice carries only the id (and, for an occurrence, the scope the connector found).
                    var tomb = known.Item with { Removed = true, ChangeKey = string.Empty, Scope = item.Scope };
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

        foreach (var (id, snap) in state.Events)
        {
            // A replica never decided on inside the window that now lies inside it (the clock carried it in) is
            // decided on although it did not change: to the rules it is new (EventSnapshot.OutOfWindow).
            if (snap.OutOfWindow && !incoming.ContainsKey(id) && current[id] is { Removed: false } item && window.Contains(item.Start))
            {
                incoming[id] = item;
            }
        }

        var records = state.Records;
        foreach (var rec in crmPage.Records)
        {
            records.TryGetValue(rec.ObjectId, out var old);
            if (old is null || old.Latest.ETag != rec.ETag)
            {
                records = records.SetItem(rec.ObjectId, new RecordSnapshot(rec, old?.Seen, old?.OutOfWindow ?? false));
            }
        }

        // The tenant's live ids are many and this mailbox's records few: a sorted list (the live runner's) is searched
        // as it is; only an unsorted one is hashed (into scratch that, past SpareLimit, is not kept for the next sync).
        var sorted = IsSortedOrdinal(liveIds);
        var live = working.Live;
        if (!sorted)
        {
            foreach (var id in liveIds)
            {
                live.Add(id);
            }
        }

        var gone = working.Gone;
        foreach (var (id, _) in records)
        {
            if (sorted ? ImmutableArray.BinarySearch(liveIds, id, StringComparer.Ordinal) < 0 : !live.Contains(id))
            {
                gone.Add(id);
            }
        }

        working.Begin(state, page.Next, crmPage.Next, records);

        var incomingIds = working.SortedIds;
        foreach (var (id, _) in incoming)
        {
            incomingIds.Add(id);
        }

        incomingIds.Sort(StringComparer.Ordinal);
        foreach (var id in incomingIds)
        {
            working.Group(incoming[id].Uid.Value).EventIds.Add(id);
        }

        foreach (var (id, snap) in records)
        {
            if (snap.Pending || gone.Contains(id) || Entering(snap, window))
            {
                var ev = FindEventFor(working, snap.Latest);
                working.Group(ev?.Uid.Value ?? snap.Latest.Uid?.Value ?? RecordKey(id)).RecordIds.Add(id);
            }
        }

        working.SortMeetings();
        return working;
    }

    private static bool IsSortedOrdinal(ImmutableArray<string> ids)
    {
        for (var i = 1; i < ids.Length; i++)
        {
            if (string.CompareOrdinal(ids[i - 1], ids[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a record never decided on inside the window now lies inside it (<see cref="RecordSnapshot.OutOfWindow"/>).</summary>
    internal static bool Entering(RecordSnapshot snap, SyncWindow window) => snap.OutOfWindow && window.Contains(snap.Latest.Start);

    /// <summary>The meeting key of a record nothing correlates and whose dialect hides the UID.</summary>
    public static string RecordKey(string objectId) => "record:" + objectId;

    /// <summary>Derives the change and facts of an own replica's page item; null when it is not a change (an echo).</summary>
    internal static (ObservedChange Change, ChangeFacts Facts, MeetingView View)? DeriveEventChange(
        SyncWorkingSet w, string eventId, Provider provider, ApiVersion api, SyncSettings settings, DateTimeOffset now)
    {
        var item = w.Incoming[eventId];
        w.Events.TryGetValue(eventId, out var before);
        var prev = before?.Item;
        ChangeKind kind;
        if (prev is null || prev.Removed || (before!.OutOfWindow && !item.Removed && InWindow(item.Start, settings, now)))
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
        var (recurrence, scope) = RecurrenceOf(item, kind);
        var facts = new ChangeFacts(
            ChangeSource.Mailbox, provider, kind, role, link, record is not null && record.Owner == me,
            item.End < now ? Timing.Past : Timing.Future, employees, externals, item.Type, api, settings.AutoShare,
            InWindow(item.Start, settings, now), recurrence, scope);
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
        if (!w.Records.TryGetValue(objectId, out var snap))
        {
            return null;
        }

        var me = w.EmployeeId;
        var record = snap.Latest;
        var gone = w.Gone.Contains(objectId);
        var ev = FindEventFor(w, record);
        var liveEvent = ev is { Removed: false } ? ev : null;
        var uid = ev?.Uid ?? record.Uid ?? MeetingUid.PlaceholderFor(objectId);
        var role = record.RoleOf(me);
        var (employees, externals) = Participants(record);
        var source = ChangeSource.Crm;
        var window = SyncWindow.Around(now, settings);
        // A record entering the window that every decision so far saw beyond it is new to the rules.
        var entering = Entering(snap, window);
        ChangeKind kind;
        LinkState link;
        if (gone)
        {
            kind = ChangeKind.Deleted;
            link = ev is not null && record.GroupwareItemId == ev.EventId ? LinkState.This : record.GroupwareItemId is null ? LinkState.Unlinked : LinkState.Other;
        }
        else
        {
            if (!snap.Pending && !entering)
            {
                return null;
            }

            var seen = entering ? null : snap.Seen;
            // A status change is the change's kind (cancelled, completed); a record first seen completed is a completed
            // activity, not a meeting to create. Reopening (completed or cancelled back to open) reads as an update.
            kind = seen is null ? record.Status switch { CrmStatus.Cancelled => ChangeKind.Cancelled, CrmStatus.Completed => ChangeKind.Completed, _ => ChangeKind.Created }
                : record.Status == CrmStatus.Cancelled && seen.Status != CrmStatus.Cancelled ? ChangeKind.Cancelled
                : record.Status == CrmStatus.Completed && seen.Status != CrmStatus.Completed ? ChangeKind.Completed
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

        // A CRM record is one occurrence at most (the CRM has no series): its changes reach that occurrence alone.
        var recurrence = ev is not null ? RecurrenceOf(ev, kind).Recurrence
            : record.Uid is { } recordUid && recordUid.Value.Contains('#', StringComparison.Ordinal) && Recurrence.OccurrenceId.TryParse(recordUid.Value, out _, out _) ? RecurrenceKind.Occurrence
            : RecurrenceKind.None;
        var facts = new ChangeFacts(
            source, provider, kind, role, link, record.Owner == me,
            record.End < now ? Timing.Past : Timing.Future, employees, externals, record.Type, api, settings.AutoShare,
            window.Contains(record.Start), recurrence, ChangeScope.One);
        var change = new ObservedChange(key, source, kind, objectId, gone ? string.Empty : record.ETag);
        return (change, facts, new MeetingView(me, provider, liveEvent, gone ? null : record, uid, entering ? null : snap.Seen, window));
    }

    internal static CrmRecord? FindRecordFor(SyncWorkingSet w, MailboxItem ev, string? linked)
    {
        CrmRecord? byLink = null, byUid = null;
        foreach (var (id, snap) in w.Records)
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

            if (w.Events.TryGetValue(id, out var snap) && snap.LinkedRecord == r.ObjectId)
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

    /// <summary>
    /// What the replica is (single, occurrence, exception) and how far its change reaches: the connector's word when
    /// it gave one (<see cref="MailboxItem.Scope"/>); else an exception's change is its own, a regular occurrence
    /// created or updated changes with its series, and a removal, cancellation or decline is this occurrence's alone
    /// (a removal counts as series-wide only on the provider's evidence).
    /// </summary>
    internal static (RecurrenceKind Recurrence, ChangeScope Scope) RecurrenceOf(MailboxItem item, ChangeKind kind)
    {
        if (item.Occurrence is null)
        {
            return (RecurrenceKind.None, ChangeScope.One);
        }

        var recurrence = item.IsException ? RecurrenceKind.Exception : RecurrenceKind.Occurrence;
        if (item.Scope is { } said)
        {
            return (recurrence, said);
        }

        return (recurrence, !item.IsException && kind is ChangeKind.Created or ChangeKind.Updated ? ChangeScope.Series : ChangeScope.One);
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
        SyncWindow.Around(now, settings).Contains(start);
}
