using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>A user action on the simulated weekly series (docs/simulator.md, "Recurring series").</summary>
public enum SeriesAction : byte
{
    /// <summary>The organizer renames the series: every regular occurrence changes.</summary>
    EditSeries,

    /// <summary>The organizer moves the second occurrence by an hour: it becomes an exception.</summary>
    MoveOccurrence,

    /// <summary>The organizer cancels the second occurrence alone.</summary>
    CancelOccurrence,

    /// <summary>The organizer ends the series before its third occurrence (as "this and following" leaves the original series).</summary>
    EndSeries,

    /// <summary>The organizer deletes the whole series.</summary>
    DeleteSeries,

    /// <summary>Ten days pass: the first occurrence now lies in the past.</summary>
    TimePasses,

    /// <summary>B declines the second occurrence alone.</summary>
    DeclineOccurrence,

    /// <summary>A CRM user renames the record of the second occurrence.</summary>
    CrmEditsOccurrence,

    /// <summary>
    /// The organizer changes "this and following" from the third occurrence (an hour later): the providers end the
    /// original series before it and create a new series (its own UID) from there.
    /// </summary>
    SplitSeries,

    /// <summary>A cancels the single meeting beside the series (same organizer): licenses cancelling that meeting only.</summary>
    CancelSingle,

    /// <summary>A moves the single meeting beside the series by an hour.</summary>
    MoveSingle,
}

/// <summary>
/// What the organizer meant for the series, per occurrence (bit <c>k</c> = occurrence <c>k</c>): the ground truth the
/// series invariants judge syncs against. Immutable; shared by clones.
/// </summary>
/// <param name="CancelledAlone">Occurrences the organizer cancelled on their own: licenses cancelling that occurrence's record.</param>
/// <param name="Cut">Occurrences removed by ending the series: licenses cancelling their records.</param>
/// <param name="Deleted">The organizer deleted the series: licenses cancelling the records of future occurrences.</param>
/// <param name="Moved">Occurrences moved on their own.</param>
/// <param name="Done">Actions taken (bit per <see cref="SeriesAction"/>): each happens at most once.</param>
/// <param name="PastRecords">When time passed: each past occurrence's record (ObjectID) and its version then; they must never change.</param>
/// <param name="Declined">Occurrences B declined on their own: licenses nothing beyond B's copy.</param>
/// <param name="CrmEdited">Occurrences whose record a CRM user edited: licenses changing that occurrence only.</param>
/// <param name="Split">The organizer split the series ("this and following"): the new series' occurrence exists.</param>
/// <param name="Single">The world holds a single meeting of the same organizer beside the series (<see cref="SimWorld.MeetingUid"/>).</param>
/// <param name="SingleCancelled">A cancelled the single meeting: licenses cancelling it (its record and copies) only.</param>
internal sealed record SeriesIntent(int CancelledAlone, int Cut, bool Deleted, int Moved, int Done, ImmutableArray<(string ObjectId, int Version, bool Deleted)> PastRecords, int Declined = 0, int CrmEdited = 0, bool Split = false, bool Single = false, bool SingleCancelled = false);

/// <summary>
/// The simulated world's recurring series: a weekly series of <see cref="SeriesLength"/> occurrences organized by A,
/// one meeting per occurrence in every store (keyed by series UID + original start, as the connectors key them), with
/// the providers' series mechanics: a series edit reaches every regular occurrence, a moved occurrence becomes an
/// exception, cancelling one occurrence removes it from the organizer's calendar and cancels the attendees' copies,
/// ending the series removes the later occurrences everywhere, deleting the series removes every occurrence. Removals
/// and cancellations carry the scope the connectors read from the series master.
/// </summary>
internal sealed partial class SimWorld
{
    public const string SeriesUid = "s1";

    public const int SeriesLength = 3;

    /// <summary>The UID of the series "this and following" creates (<see cref="SeriesAction.SplitSeries"/>).</summary>
    public const string SplitSeriesUid = "s2";

    /// <summary>The subject a CRM user gives an occurrence's record (<see cref="SeriesAction.CrmEditsOccurrence"/>).</summary>
    public const string CrmEditedSubject = "Weekly review (edited in the CRM)";

    /// <summary>The series' intents; null while the world holds no series.</summary>
    public SeriesIntent? Series { get; set; }

    /// <summary>
    /// Occurrence <paramref name="k"/>'s identity: the series UID and its original start (weekly, the first a week from
    /// now); <c>k = </c><see cref="SeriesLength"/> is the first occurrence of the series a split creates (the third
    /// week, an hour later).
    /// </summary>
    public OccurrenceId SeriesOccurrence(int k) => k < SeriesLength
        ? new(new MeetingUid(SeriesUid), Now.AddDays(7 * (k + 1)).AddHours(1), IsDate: false)
        : new(new MeetingUid(SplitSeriesUid), Now.AddDays(7 * SeriesLength).AddHours(2), IsDate: false);

    /// <summary>How many occurrences the invariants judge: the original series', and the split-off series' first once it exists.</summary>
    public int SeriesOccurrenceCount => Series is { Split: true } ? SeriesLength + 1 : SeriesLength;

    /// <summary>
    /// How many meetings the series invariants judge, each on its own: the occurrences (<see cref="SeriesOccurrenceCount"/>),
    /// then the single meeting beside the series when the world holds one.
    /// </summary>
    public int JudgedMeetings => SeriesOccurrenceCount + (Series is { Single: true } ? 1 : 0);

    /// <summary>The key of judged meeting <paramref name="k"/>: an occurrence's, or the single meeting's UID.</summary>
    public string JudgedKey(int k) => k < SeriesOccurrenceCount ? SeriesOccurrence(k).ToString() : MeetingUid;

    /// <summary>Judged meeting <paramref name="k"/> in a violation's words.</summary>
    public string JudgedName(int k) => k < SeriesOccurrenceCount ? OccurrenceName(k) : "the single meeting";

    /// <summary>Occurrence <paramref name="k"/> in a violation's words.</summary>
    public static string OccurrenceName(int k) => k < SeriesLength ? $"occurrence {k + 1}" : "the new series' first occurrence";

    /// <summary>When the single meeting beside the series starts: between the first and second occurrences, so it is still ahead once time passed.</summary>
    public DateTimeOffset SingleStart => Now.AddDays(12).AddHours(3);

    /// <summary>The live CRM record of occurrence <paramref name="k"/>, if any.</summary>
    public CrmRow? OccurrenceRecord(int k)
    {
        var key = SeriesOccurrence(k).ToString();
        foreach (var r in Crm.Rows)
        {
            if (!r.Deleted && OccurrenceKeyOf(r) == key)
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>The organizer's live row of occurrence <paramref name="k"/>, if any.</summary>
    public EventRow? OrganizerOccurrence(int k) => LiveEvent(0, SeriesOccurrence(k).ToString());

    /// <summary>Whether <paramref name="action"/> can happen now.</summary>
    public bool IsEnabled(SeriesAction action)
    {
        if (Series is not { } s || (s.Done & (1 << (int)action)) != 0)
        {
            return false;
        }

        return action switch
        {
            SeriesAction.EditSeries or SeriesAction.DeleteSeries => !s.Deleted && AnyOrganizerOccurrence(),
            SeriesAction.MoveOccurrence or SeriesAction.CancelOccurrence => OrganizerOccurrence(1) is { Cancelled: false },
            SeriesAction.EndSeries or SeriesAction.SplitSeries => OrganizerOccurrence(2) is not null,
            SeriesAction.TimePasses => !ClockAdvanced,
            SeriesAction.DeclineOccurrence => Scenario.Employees > 1 && LiveEvent(1, SeriesOccurrence(1).ToString()) is { Cancelled: false, OwnResponse: not AttendeeResponse.Declined },
            SeriesAction.CrmEditsOccurrence => OccurrenceRecord(1) is { Status: CrmStatus.Open },
            SeriesAction.CancelSingle or SeriesAction.MoveSingle => s.Single && LiveEvent(0, MeetingUid) is { Cancelled: false },
            _ => false,
        };
    }

    /// <summary>
    /// A creates the series: every occurrence is created in A's calendar and reaches each attendee's; with
    /// <paramref name="single"/>, A also organizes a single meeting beside it, with the same attendees.
    /// </summary>
    public void CreateSeries(bool single = false)
    {
        Created = true;
        Series = new SeriesIntent(0, 0, false, 0, 0, [], Single: single);
        Trace("action", "user:A", "mailbox:A", $"A creates a weekly series of {SeriesLength} occurrences{(single ? " and a single meeting beside it" : string.Empty)}");
        if (single)
        {
            CreateMeeting(0, MeetingUid, "Customer review", SingleStart, SingleStart.AddHours(1), InitialAttendees(), MeetingType.Appointment, "user");
        }

        for (var k = 0; k < SeriesLength; k++)
        {
            var occurrence = SeriesOccurrence(k);
            var key = occurrence.ToString();
            CreateMeeting(0, key, "Weekly review", occurrence.OriginalStart, occurrence.OriginalStart.AddHours(1), InitialAttendees(), MeetingType.Appointment, "user");
            MarkOccurrence(key, r => r with { Occurrence = occurrence });
        }
    }

    /// <summary>Carries out one series action; false (nothing changes) when it is not enabled.</summary>
    public bool Apply(SeriesAction action)
    {
        if (!IsEnabled(action))
        {
            return false;
        }

        var s = Series!;
        Series = s with { Done = s.Done | (1 << (int)action) };
        switch (action)
        {
            case SeriesAction.EditSeries:
                Trace("action", "user:A", "mailbox:A", "A renames the series");
                for (var k = 0; k < SeriesLength; k++)
                {
                    if (OrganizerOccurrence(k) is { Cancelled: false, IsException: false } ev)
                    {
                        UpdateMeeting(0, ev.Id, "Weekly review (renamed)", ev.Start, ev.End, [.. ev.Attendees.Select(a => a.Address)], "user");
                    }
                }

                return true;

            case SeriesAction.MoveOccurrence:
                {
                    var ev = OrganizerOccurrence(1)!;
                    Trace("action", "user:A", "mailbox:A", "A moves the second occurrence by an hour");
                    UpdateMeeting(0, ev.Id, ev.Subject, ev.Start.AddHours(1), ev.End.AddHours(1), [.. ev.Attendees.Select(a => a.Address)], "user");
                    MarkOccurrence(ev.Uid, r => r with { IsException = true });
                    Series = Series with { Moved = Series.Moved | 2 };
                    return true;
                }

            case SeriesAction.CancelOccurrence:
                {
                    var ev = OrganizerOccurrence(1)!;
                    Trace("action", "user:A", "mailbox:A", "A cancels the second occurrence");
                    Trace("intent", "user:A", "mailbox:A", "intent: the organizer cancelled one occurrence (licenses cancelling that occurrence's record only)");
                    Series = Series with { CancelledAlone = Series.CancelledAlone | 2 };
                    RemoveEvent(0, ev.Id, byOwner: true, notifyAttendees: true, "user");
                    MarkOccurrence(ev.Uid, r => r.Removed || r.Cancelled ? r with { Scope = ChangeScope.One } : r);
                    return true;
                }

            case SeriesAction.EndSeries:
                Trace("action", "user:A", "mailbox:A", "A ends the series before its third occurrence");
                EndBeforeThird();
                return true;

            case SeriesAction.SplitSeries:
                {
                    Trace("action", "user:A", "mailbox:A", "A moves the third and following occurrences an hour later: the series ends before the third, a new series starts there");
                    var subject = OrganizerOccurrence(2)!.Subject;
                    EndBeforeThird();
                    var occurrence = SeriesOccurrence(SeriesLength);
                    var key = occurrence.ToString();
                    Series = Series with { Split = true };
                    CreateMeeting(0, key, subject, occurrence.OriginalStart, occurrence.OriginalStart.AddHours(1), InitialAttendees(), MeetingType.Appointment, "user");
                    MarkOccurrence(key, r => r with { Occurrence = occurrence });
                    return true;
                }

            case SeriesAction.DeclineOccurrence:
                {
                    Trace("action", "user:B", "mailbox:B", "B declines the second occurrence");
                    Trace("intent", "user:B", "mailbox:B", "intent: B declined one occurrence (licenses nothing beyond B's copy of it)");
                    Series = Series with { Declined = Series.Declined | 2 };
                    Decline(1, LiveEvent(1, SeriesOccurrence(1).ToString())!, "user");
                    return true;
                }

            case SeriesAction.CrmEditsOccurrence:
                {
                    var r = OccurrenceRecord(1)!;
                    Trace("action", "user:crm", "crm", $"a CRM user renames {r.ObjectId}, the record of the second occurrence");
                    Series = Series with { CrmEdited = Series.CrmEdited | 2 };
                    PutRecord(r with { Subject = CrmEditedSubject, Version = r.Version + 1 });
                    return true;
                }

            case SeriesAction.CancelSingle:
                {
                    var ev = LiveEvent(0, MeetingUid)!;
                    Trace("action", "user:A", "mailbox:A", "A cancels the single meeting");
                    Trace("intent", "user:A", "mailbox:A", "intent: the organizer cancelled the single meeting (licenses cancelling it, nothing of the series)");
                    Series = Series with { SingleCancelled = true };
                    CancelMeeting(0, ev.Id, "user");
                    return true;
                }

            case SeriesAction.MoveSingle:
                {
                    var ev = LiveEvent(0, MeetingUid)!;
                    Trace("action", "user:A", "mailbox:A", "A moves the single meeting by an hour");
                    UpdateMeeting(0, ev.Id, ev.Subject, ev.Start.AddHours(1), ev.End.AddHours(1), [.. ev.Attendees.Select(a => a.Address)], "user");
                    return true;
                }

            case SeriesAction.DeleteSeries:
                Trace("action", "user:A", "mailbox:A", "A deletes the whole series");
                Trace("intent", "user:A", "mailbox:A", "intent: the organizer deleted the series (licenses cancelling the records of future occurrences; past ones are history)");
                Series = Series with { Deleted = true };
                for (var k = 0; k < SeriesLength; k++)
                {
                    if (OrganizerOccurrence(k) is { } ev)
                    {
                        RemoveEvent(0, ev.Id, byOwner: true, notifyAttendees: true, "user");
                        MarkOccurrence(ev.Uid, r => r.Removed || r.Cancelled ? r with { Scope = ChangeScope.Series } : r);
                    }
                }

                return true;

            case SeriesAction.TimePasses:
                {
                    ClockDays = 10;
                    Trace("action", "clock", "clock", "ten days pass: the first occurrence now lies in the past");
                    var past = ImmutableArray.CreateBuilder<(string, int, bool)>();
                    for (var k = 0; k < SeriesOccurrenceCount; k++)
                    {
                        if (SeriesOccurrence(k).OriginalStart.AddHours(1) < SyncNow)
                        {
                            var key = SeriesOccurrence(k).ToString();
                            foreach (var r in Crm.Rows)
                            {
                                if (OccurrenceKeyOf(r) == key)
                                {
                                    past.Add((r.ObjectId, r.Version, r.Deleted));
                                }
                            }
                        }
                    }

                    Series = Series with { PastRecords = past.ToImmutable() };
                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>
    /// The series invariants that hold after every step (null when all hold, else which failed and why): a change to
    /// one occurrence never reaches another; no sync deletes an occurrence's record; a past occurrence's record never
    /// changes; at most one live record per occurrence and one live event per occurrence per mailbox.
    /// </summary>
    public (string Invariant, string Detail)? CheckSeriesSafety()
    {
        if (Series is not { } s)
        {
            return null;
        }

        for (var k = 0; k < JudgedMeetings; k++)
        {
            var key = JudgedKey(k);
            var bit = k < SeriesOccurrenceCount ? 1 << k : 0;
            var licensed = k < SeriesOccurrenceCount
                ? (s.CancelledAlone & bit) != 0 || (s.Cut & bit) != 0 || (s.Deleted && k < SeriesLength)
                : s.SingleCancelled;
            var live = 0;
            foreach (var r in Crm.Rows)
            {
                if (OccurrenceKeyOf(r) != key)
                {
                    continue;
                }

                if (r.Deleted)
                {
                    return ("series-no-record-deleted", $"the record {r.ObjectId} of {JudgedName(k)} ({key}) was deleted; a series change cancels records, never deletes them");
                }

                live++;
                if ((s.CrmEdited & bit) == 0 && r.Subject == CrmEditedSubject)
                {
                    return ("series-occurrence-isolation", $"the record {r.ObjectId} of {JudgedName(k)} took the subject a CRM user gave another occurrence's record");
                }

                if (!licensed && r.Status == CrmStatus.Cancelled)
                {
                    return ("series-occurrence-isolation", $"the record {r.ObjectId} of {JudgedName(k)} was cancelled, but only other occurrences were cancelled or removed");
                }
            }

            if (live > 1)
            {
                return ("series-one-record-per-occurrence", $"{JudgedName(k)} ({key}) has {live} live records");
            }

            for (var i = 0; i < Scenario.Employees; i++)
            {
                var events = 0;
                foreach (var e in Mailboxes[i].Rows)
                {
                    if (e.Uid != key || e.Removed)
                    {
                        continue;
                    }

                    events++;
                    if ((s.CrmEdited & bit) == 0 && e.Subject == CrmEditedSubject)
                    {
                        return ("series-occurrence-isolation", $"{Scenarios.Scenario.EmployeeName(i)}'s {JudgedName(k)} took the subject a CRM user gave another occurrence's record");
                    }

                    if (!licensed && e.Cancelled)
                    {
                        return ("series-occurrence-isolation", $"{Scenarios.Scenario.EmployeeName(i)}'s {JudgedName(k)} ({e.Id}) was cancelled, but only other occurrences were cancelled or removed");
                    }
                }

                if (events > 1)
                {
                    return ("series-one-record-per-occurrence", $"{Scenarios.Scenario.EmployeeName(i)}'s calendar holds {events} live events of {JudgedName(k)}");
                }

                if (i == 0 && events == 0 && !licensed && Created)
                {
                    return ("series-occurrence-isolation", $"A's {JudgedName(k)} is gone, but only other occurrences were cancelled or removed");
                }
            }
        }

        foreach (var (id, version, deleted) in s.PastRecords)
        {
            if (FindRecord(id) is { } now && (now.Version != version || now.Deleted != deleted))
            {
                return ("series-past-records-kept", $"the record {id} of a past occurrence changed after it became past (version {version} → {now.Version}{(now.Deleted ? ", deleted" : string.Empty)})");
            }
        }

        return null;
    }

    /// <summary>
    /// Convergence per occurrence once every sync has run (null when it holds): a future occurrence the organizer still
    /// has live has exactly one open record; one that is gone or cancelled has its record (if any) cancelled.
    /// </summary>
    public (string Invariant, string Detail)? CheckSeriesConvergence()
    {
        if (Series is null)
        {
            return null;
        }

        for (var k = 0; k < JudgedMeetings; k++)
        {
            if (k < SeriesOccurrenceCount && SeriesOccurrence(k).OriginalStart.AddHours(1) < SyncNow)
            {
                continue;
            }

            var key = JudgedKey(k);
            var ev = LiveEvent(0, key);
            var records = Crm.Rows.Where(r => !r.Deleted && OccurrenceKeyOf(r) == key).ToList();
            if (ev is { Cancelled: false } && (records.Count != 1 || records[0].Status != CrmStatus.Open))
            {
                return ("series-convergence", $"{JudgedName(k)} is live in A's calendar but has {records.Count} record(s){(records.Count == 1 ? " (cancelled)" : string.Empty)} after every sync ran");
            }

            if (ev is null or { Cancelled: true } && records.Any(r => r.Status != CrmStatus.Cancelled))
            {
                return ("series-convergence", $"{JudgedName(k)} is gone from A's calendar but its record is still open after every sync ran");
            }
        }

        return null;
    }

    /// <summary>
    /// The occurrence key a record belongs to: its UID (stored on v2), else the UID of the event it is linked to (v1
    /// does not store the UID; the link is the sync's correlation there).
    /// </summary>
    public string? OccurrenceKeyOf(CrmRow record)
    {
        if (record.Uid is { } uid)
        {
            return uid;
        }

        if (record.GroupwareItemId is not { } linked)
        {
            return null;
        }

        foreach (var mb in Mailboxes)
        {
            foreach (var e in mb.Rows)
            {
                if (e.Id == linked)
                {
                    return e.Uid;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The original series ends before its third occurrence: that occurrence leaves every calendar (attendees get an
    /// update), its removal carrying scope <c>following</c>.
    /// </summary>
    private void EndBeforeThird()
    {
        var key = SeriesOccurrence(2).ToString();
        Trace("intent", "user:A", "mailbox:A", "intent: the series ends early (licenses cancelling the records of the occurrences after the end)");
        Series = Series! with { Cut = Series.Cut | 4 };
        for (var i = 0; i < Scenario.Employees; i++)
        {
            if (LiveEvent(i, key) is { } row)
            {
                RemoveEvent(i, row.Id, byOwner: false, notifyAttendees: false, "user");
                if (i > 0)
                {
                    Send(MessageKind.Update, "A", Scenarios.Scenario.EmployeeName(i), "user");
                }
            }
        }

        MarkOccurrence(key, r => r.Removed ? r with { Scope = ChangeScope.Following } : r);
    }

    private bool AnyOrganizerOccurrence()
    {
        for (var k = 0; k < SeriesLength; k++)
        {
            if (OrganizerOccurrence(k) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Rewrites every mailbox's rows of occurrence <paramref name="key"/> (live or removed) in place, version unchanged.</summary>
    private void MarkOccurrence(string key, Func<EventRow, EventRow> change)
    {
        for (var i = 0; i < Scenario.Employees; i++)
        {
            var rows = Mailboxes[i].Rows;
            for (var j = 0; j < rows.Count; j++)
            {
                if (rows[j].Uid == key && change(rows[j]) is var changed && !ReferenceEquals(changed, rows[j]))
                {
                    MutableMailbox(i).Rows[j] = changed;
                }
            }
        }
    }
}
