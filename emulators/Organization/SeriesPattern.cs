using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;

namespace RulesSync.Emulators.Organization;

/// <summary>One occurrence a series' rule gives: its original start (the RECURRENCE-ID) and its times.</summary>
internal readonly record struct PlannedOccurrence(DateTimeOffset OriginalStart, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// A series master's recurrence as the emulators keep it: an RFC 5545 RRULE value (Google's <c>recurrence</c>
/// lines carry it as written; Graph's <c>patternedRecurrence</c> is converted to it in <c>GraphRecurrence</c>), the
/// time zone the series' wall clock runs in, and whether it is all-day. Expansion is Ical.Net's. Immutable.
/// </summary>
internal sealed record SeriesPattern(string Rule, string TimeZone, bool IsAllDay)
{
    /// <summary>Original starts the series skips (Google's EXDATE lines); they have no occurrence.</summary>
    public IReadOnlyList<DateTimeOffset> ExDates { get; init; } = [];

    /// <summary>
    /// How far an endless series is materialized, from its first start: the emulators keep every occurrence as an
    /// item (so delta and sync tokens see them change), and an endless rule needs a bound.
    /// </summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(2 * 366);

    /// <summary>At most this many occurrences per series are materialized.</summary>
    public const int MaxOccurrences = 750;

    private static readonly EvaluationOptions Evaluation = new() { MaxUnmatchedIncrementsLimit = 1000 };

    /// <summary>Parses an RRULE value (with or without the <c>RRULE:</c> prefix); null and a reason when Ical.Net refuses it.</summary>
    public static string? TryCanonical(string text, out string error)
    {
        var value = text.Trim();
        if (value.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase))
        {
            value = value[6..];
        }

        try
        {
            error = "";
            return new RecurrencePattern(value).ToString();
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The occurrences of a series whose first occurrence is [<paramref name="start"/>, <paramref name="end"/>), in order, without the EXDATEs.</summary>
    public IReadOnlyList<PlannedOccurrence> Expand(DateTimeOffset start, DateTimeOffset end)
    {
        var calendarEvent = new CalendarEvent
        {
            DtStart = At(start),
            DtEnd = At(end),
            RecurrenceRule = new RecurrencePattern(Rule),
        };
        var until = start + Horizon;
        var result = new List<PlannedOccurrence>();
        try
        {
            foreach (var occurrence in calendarEvent.GetOccurrences(null, Evaluation))
            {
                var original = Utc(occurrence.Period.StartTime);
                if (original >= until || result.Count >= MaxOccurrences)
                {
                    break;
                }

                if (!ExDates.Contains(original))
                {
                    result.Add(new PlannedOccurrence(original, original, Utc(occurrence.Period.EffectiveEndTime!)));
                }
            }
        }
        catch (EvaluationLimitExceededException)
        {
            // An impossible rule (BYMONTH=2;BYMONTHDAY=30) has no further occurrence.
        }

        return result;
    }

    private CalDateTime At(DateTimeOffset value) =>
        IsAllDay ? new CalDateTime(DateOnly.FromDateTime(value.UtcDateTime)) : new CalDateTime(value.UtcDateTime, "UTC").ToTimeZone(TimeZone);

    private static DateTimeOffset Utc(CalDateTime value) =>
        value.HasTime ? new DateTimeOffset(value.AsUtc, TimeSpan.Zero) : new DateTimeOffset(value.Date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
