using System.Collections.Immutable;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Recurrence;

/// <summary>
/// A recurring meeting: its first occurrence's start and end (DTSTART/DTEND, in the series' time zone or as whole
/// days), its rule, its series-level content, and its occurrence exceptions keyed by original start. Every edit
/// returns a new value; the series never reads a clock (windows are arguments). Expansion is Ical.Net's.
/// Immutable and thread-safe.
/// </summary>
public sealed record MeetingSeries
{
    // An impossible rule (BYMONTH=2;BYMONTHDAY=30) would make Ical.Net search forever.
    private static readonly EvaluationOptions Evaluation = new() { MaxUnmatchedIncrementsLimit = 1000 };

    private MeetingSeries(
        MeetingUid uid,
        string subject,
        string organizer,
        ImmutableArray<string> attendees,
        MeetingType type,
        CalendarTime start,
        CalendarTime end,
        RecurrenceRule rule,
        ImmutableArray<OccurrenceOverride> exceptions,
        bool cancelled)
    {
        Uid = uid;
        Subject = subject;
        Organizer = organizer;
        Attendees = attendees;
        Type = type;
        Start = start;
        End = end;
        Rule = rule;
        Exceptions = exceptions;
        Cancelled = cancelled;
    }

    /// <summary>The series' iCalendar UID (Graph: the series master's; Google: the recurring event's).</summary>
    public MeetingUid Uid { get; }

    /// <summary>The series-level subject.</summary>
    public string Subject { get; }

    /// <summary>The organizing employee's id or an external address.</summary>
    public string Organizer { get; }

    /// <summary>The series-level attendees, sorted ordinally.</summary>
    public ImmutableArray<string> Attendees { get; }

    /// <summary>Appointment or visit.</summary>
    public MeetingType Type { get; }

    /// <summary>The first occurrence's start (DTSTART).</summary>
    public CalendarTime Start { get; }

    /// <summary>The first occurrence's end (DTEND): the same kind as <see cref="Start"/>, after it.</summary>
    public CalendarTime End { get; }

    /// <summary>The recurrence rule.</summary>
    public RecurrenceRule Rule { get; }

    /// <summary>The occurrence exceptions, one per original start, in original-start order.</summary>
    public ImmutableArray<OccurrenceOverride> Exceptions { get; }

    /// <summary>Whether the whole series is cancelled (every occurrence then expands as cancelled).</summary>
    public bool Cancelled { get; }

    /// <summary>Whether the series is all-day.</summary>
    public bool IsAllDay => Start.IsDate;

    /// <summary>
    /// A series without exceptions. Returns null and a reason when the times are of different kinds, the end is not
    /// after the start, or the rule produces no occurrence.
    /// </summary>
    public static MeetingSeries? TryCreate(
        MeetingUid uid,
        string subject,
        string organizer,
        IEnumerable<string> attendees,
        MeetingType type,
        CalendarTime start,
        CalendarTime end,
        RecurrenceRule rule,
        out string error)
    {
        if (start.IsDate != end.IsDate)
        {
            error = $"series {uid}: start {start} and end {end} must both be days or both be times";
            return null;
        }

        if (end.ToUtc() <= start.ToUtc())
        {
            error = $"series {uid}: end {end} is not after start {start}";
            return null;
        }

        var series = new MeetingSeries(uid, subject, organizer, Sorted(attendees), type, start, end, rule, [], cancelled: false);
        try
        {
            if (!series.RuleOccurrences(start.ToUtc().AddTicks(-1)).Any())
            {
                error = $"series {uid}: rule {rule} produces no occurrence";
                return null;
            }
        }
        catch (EvaluationLimitExceededException)
        {
            error = $"series {uid}: rule {rule} produces no occurrence";
            return null;
        }

        error = string.Empty;
        return series;
    }

    /// <summary>A series without exceptions; throws <see cref="ArgumentException"/> with the reason when invalid.</summary>
    public static MeetingSeries Create(
        MeetingUid uid, string subject, string organizer, IEnumerable<string> attendees, MeetingType type, CalendarTime start, CalendarTime end, RecurrenceRule rule) =>
        TryCreate(uid, subject, organizer, attendees, type, start, end, rule, out var error) ?? throw new ArgumentException(error);

    /// <summary>The id of the occurrence with <paramref name="originalStart"/>.</summary>
    public OccurrenceId OccurrenceAt(DateTimeOffset originalStart) => new(Uid, originalStart, IsAllDay);

    /// <summary>Whether the rule (ignoring exceptions) gives an occurrence at <paramref name="originalStart"/>.</summary>
    public bool Generates(DateTimeOffset originalStart) => RegularPeriod(originalStart) is not null;

    /// <summary>
    /// Every occurrence overlapping [<paramref name="windowStart"/>, <paramref name="windowEnd"/>), by actual start:
    /// regular ones from the rule, modified ones at their own times (a moved occurrence shows where it now is),
    /// cancelled ones as cancelled; deleted ones not at all. Ordered by actual start, then original start.
    /// </summary>
    public ImmutableArray<Occurrence> Expand(DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        if (windowEnd <= windowStart)
        {
            return [];
        }

        var byStart = Exceptions.ToDictionary(e => e.OriginalStart);
        var result = ImmutableArray.CreateBuilder<Occurrence>();
        var longest = End.ToUtc() - Start.ToUtc() + TimeSpan.FromHours(2); // a DST change may lengthen one occurrence
        foreach (var period in RuleOccurrences(windowStart - longest))
        {
            var original = CalendarTime.From(period.StartTime);
            var originalUtc = original.ToUtc();
            if (originalUtc >= windowEnd)
            {
                break;
            }

            var end = EndOf(period);
            switch (byStart.GetValueOrDefault(originalUtc))
            {
                case null:
                    AddIfOverlaps(result, new Occurrence(OccurrenceAt(originalUtc), original, end, Subject, Attendees, Cancelled ? OccurrenceState.Cancelled : OccurrenceState.Regular), windowStart, windowEnd);
                    break;
                case OccurrenceCancelled:
                    AddIfOverlaps(result, new Occurrence(OccurrenceAt(originalUtc), original, end, Subject, Attendees, OccurrenceState.Cancelled), windowStart, windowEnd);
                    break;
                default:
                    break; // deleted: gone; modified: placed below at its own times
            }
        }

        foreach (var modified in Exceptions.OfType<OccurrenceModified>())
        {
            if (Materialize(modified) is { } occurrence)
            {
                AddIfOverlaps(result, occurrence, windowStart, windowEnd);
            }
        }

        result.Sort((a, b) => a.Start.ToUtc().CompareTo(b.Start.ToUtc()) is var c and not 0 ? c : a.Id.OriginalStart.CompareTo(b.Id.OriginalStart));
        return result.ToImmutable();
    }

    /// <summary>
    /// The series with <paramref name="exception"/> on its occurrence (replacing any exception there before). Null
    /// and a reason when the rule gives no occurrence at that original start, or a modification moves an occurrence
    /// to a different kind of time (a day for a timed series) or to an end not after its start.
    /// </summary>
    public MeetingSeries? TryWithException(OccurrenceOverride exception, out string error)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (RegularPeriod(exception.OriginalStart) is not { } period)
        {
            error = $"series {Uid}: no occurrence at original start {OccurrenceId.FormatStart(exception.OriginalStart, IsAllDay)}";
            return null;
        }

        if (exception is OccurrenceModified m)
        {
            var start = m.Start ?? CalendarTime.From(period.StartTime);
            var end = m.End ?? EndOf(period);
            if (start.IsDate != IsAllDay || end.IsDate != IsAllDay || end.ToUtc() <= start.ToUtc())
            {
                error = $"series {Uid}: occurrence {OccurrenceId.FormatStart(exception.OriginalStart, IsAllDay)} cannot move to {start}–{end}";
                return null;
            }
        }

        error = string.Empty;
        return With(exceptions: Exceptions.RemoveAll(e => e.OriginalStart == exception.OriginalStart).Add(exception).Sort((a, b) => a.OriginalStart.CompareTo(b.OriginalStart)));
    }

    /// <summary>The series with <paramref name="exception"/>; throws <see cref="ArgumentException"/> when invalid.</summary>
    public MeetingSeries WithException(OccurrenceOverride exception) =>
        TryWithException(exception, out var error) ?? throw new ArgumentException(error, nameof(exception));

    /// <summary>
    /// A series-level content edit (subject, attendees): exceptions stay, and an occurrence that overrides a field keeps
    /// its own value there.
    /// </summary>
    public MeetingSeries WithContent(string subject, IEnumerable<string> attendees) =>
        With(subject: subject, attendees: Sorted(attendees));

    /// <summary>
    /// A series-level change of time or rule. The original starts change, so the old exceptions no longer name
    /// occurrences and are dropped (Outlook says so when the pattern is changed; Google drops them too). Null and a
    /// reason when the new times are invalid.
    /// </summary>
    public MeetingSeries? TryWithTimes(CalendarTime start, CalendarTime end, RecurrenceRule rule, out string error)
    {
        var moved = TryCreate(Uid, Subject, Organizer, Attendees, Type, start, end, rule, out error);
        return moved?.With(cancelled: Cancelled);
    }

    /// <summary>The whole series cancelled (Graph <c>cancel</c> on the series master, Google the recurring event cancelled).</summary>
    public MeetingSeries Cancel() => With(cancelled: true);

    /// <summary>
    /// The series ended before <paramref name="cut"/> ("end the series"): no occurrence at or after the cut remains,
    /// exceptions there are dropped, occurrences before it are untouched. Null when nothing would be left.
    /// </summary>
    public MeetingSeries? EndBefore(DateTimeOffset cut)
    {
        if (cut <= Start.ToUtc())
        {
            return null;
        }

        return With(rule: Rule.EndingBefore(cut, IsAllDay), exceptions: Exceptions.RemoveAll(e => e.OriginalStart >= cut));
    }

    /// <summary>
    /// "This and following": the series is split at the occurrence with <paramref name="originalStart"/>. Both
    /// providers state it as two series: the original ends before that occurrence, and a new series (with
    /// <paramref name="followingUid"/>) starts at it with the rest of the rule (the remaining COUNT, or the same
    /// UNTIL) and takes over the exceptions from there on. Null and a reason when there is no occurrence there or it
    /// is the first one (then the whole series is edited instead).
    /// </summary>
    public (MeetingSeries Before, MeetingSeries Following)? TrySplitAt(DateTimeOffset originalStart, MeetingUid followingUid, out string error)
    {
        if (RegularPeriod(originalStart) is not { } period)
        {
            error = $"series {Uid}: no occurrence at original start {OccurrenceId.FormatStart(originalStart, IsAllDay)}";
            return null;
        }

        if (originalStart <= Start.ToUtc())
        {
            error = $"series {Uid}: splitting at the first occurrence is an edit of the whole series";
            return null;
        }

        var rule = Rule;
        if (Rule.Count is { } count)
        {
            var before = RuleOccurrences(Start.ToUtc().AddTicks(-1)).TakeWhile(p => CalendarTime.From(p.StartTime).ToUtc() < originalStart).Count();
            rule = Rule.WithCount(count - before);
        }

        var following = new MeetingSeries(
            followingUid, Subject, Organizer, Attendees, Type, CalendarTime.From(period.StartTime), EndOf(period), rule,
            Exceptions.RemoveAll(e => e.OriginalStart < originalStart), Cancelled);
        error = string.Empty;
        return (EndBefore(originalStart)!, following);
    }

    /// <summary>Value equality comparing attendees and exceptions element by element.</summary>
    public bool Equals(MeetingSeries? other) =>
        other is not null && Uid == other.Uid && Subject == other.Subject && Organizer == other.Organizer && Type == other.Type
        && Start == other.Start && End == other.End && Rule == other.Rule && Cancelled == other.Cancelled
        && Attendees.SequenceEqual(other.Attendees) && Exceptions.SequenceEqual(other.Exceptions);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, Subject, Start, End, Rule, Exceptions.Length);

    private static ImmutableArray<string> Sorted(IEnumerable<string> attendees) =>
        [.. attendees.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static void AddIfOverlaps(ImmutableArray<Occurrence>.Builder into, Occurrence occurrence, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        if (occurrence.Start.ToUtc() < windowEnd && occurrence.End.ToUtc() > windowStart)
        {
            into.Add(occurrence);
        }
    }

    private MeetingSeries With(
        string? subject = null, ImmutableArray<string>? attendees = null, RecurrenceRule? rule = null, ImmutableArray<OccurrenceOverride>? exceptions = null, bool? cancelled = null) =>
        new(Uid, subject ?? Subject, Organizer, attendees ?? Attendees, Type, Start, End, rule ?? Rule, exceptions ?? Exceptions, cancelled ?? Cancelled);

    private Occurrence? Materialize(OccurrenceModified m)
    {
        if (RegularPeriod(m.OriginalStart) is not { } period)
        {
            return null;
        }

        return new Occurrence(
            OccurrenceAt(m.OriginalStart),
            m.Start ?? CalendarTime.From(period.StartTime),
            m.End ?? EndOf(period),
            m.Subject ?? Subject,
            m.Attendees is { } own ? Sorted(own) : Attendees,
            Cancelled ? OccurrenceState.Cancelled : OccurrenceState.Modified);
    }

    /// <summary>
    /// A regular occurrence's end: for a timed series its start plus the series' exact duration (RFC 5545 §3.8.2.5), in
    /// the end's zone with the offset pinned where that wall-clock time repeats; for a whole-day series the day Ical.Net
    /// gives.
    /// </summary>
    private CalendarTime EndOf(Period period) =>
        IsAllDay
            ? CalendarTime.From(period.EffectiveEndTime!)
            : CalendarTime.AtInstant(CalendarTime.From(period.StartTime).ToUtc() + (End.ToUtc() - Start.ToUtc()), End.TimeZone!);

    /// <summary>The rule's occurrence at exactly <paramref name="originalStart"/>, if the rule gives one.</summary>
    private Period? RegularPeriod(DateTimeOffset originalStart)
    {
        foreach (var period in RuleOccurrences(originalStart.AddTicks(-1)))
        {
            var at = CalendarTime.From(period.StartTime).ToUtc();
            if (at == originalStart)
            {
                return period;
            }

            if (at > originalStart)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>The rule's occurrences starting after <paramref name="from"/>, lazily, in order (Ical.Net's expansion).</summary>
    private IEnumerable<Period> RuleOccurrences(DateTimeOffset from)
    {
        var calendarEvent = new CalendarEvent
        {
            DtStart = Start.ToCalDateTime(),
            DtEnd = End.ToCalDateTime(),
            RecurrenceRule = Rule.ToIcal(),
        };
        foreach (var occurrence in calendarEvent.GetOccurrences(null, Evaluation))
        {
            if (CalendarTime.From(occurrence.Period.StartTime).ToUtc() > from)
            {
                yield return occurrence.Period;
            }
        }
    }
}
