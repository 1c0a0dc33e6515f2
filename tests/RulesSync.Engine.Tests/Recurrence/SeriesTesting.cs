using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

/// <summary>Helpers shared by the recurrence tests.</summary>
internal static class SeriesTesting
{
    /// <summary>
    /// A window wide enough for every generated series (COUNT ≤ 12, monthly, interval ≤ 3: on the 31st only some months
    /// have a day, so up to a dozen years) and its moves (≤ 3 days).
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Everything(MeetingSeries series) =>
        (series.Start.ToUtc().AddDays(-10), series.Start.ToUtc().AddYears(15));

    public static List<Occurrence> All(MeetingSeries series, MeetingSeries? windowOf = null)
    {
        var (start, end) = Everything(windowOf ?? series);
        return [.. series.Expand(start, end)];
    }

    /// <summary>The rule's original starts, from an exception-free copy of the series.</summary>
    public static List<DateTimeOffset> OriginalStarts(MeetingSeries series) => [.. All(Plain(series)).Select(o => o.Id.OriginalStart)];

    /// <summary>The series without its exceptions.</summary>
    public static MeetingSeries Plain(MeetingSeries series) =>
        MeetingSeries.Create(series.Uid, series.Subject, series.Organizer, series.Attendees, series.Type, series.Start, series.End, series.Rule);

    /// <summary>The system's zone for an id (Windows ids mapped by hand: invariant globalization has no ICU to map them).</summary>
    public static TimeZoneInfo SystemZone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id switch
    {
        "Pacific Standard Time" => "America/Los_Angeles",
        "Eastern Standard Time" => "America/New_York",
        _ => id,
    });

    /// <summary>The generated series with its generated exceptions applied (those naming an occurrence it has).</summary>
    public static MeetingSeries Apply(SeriesCase c)
    {
        var starts = OriginalStarts(c.Series);
        return c.Exceptions.Aggregate(c.Series, (s, e) => Override(s, starts, e) is { } o ? s.WithException(o) : s);
    }

    /// <summary>Turns a generated (index, kind, shift) into an exception on that occurrence, if the index exists.</summary>
    public static OccurrenceOverride? Override(MeetingSeries series, List<DateTimeOffset> starts, (int Index, int Kind, int ShiftHours) e)
    {
        if (e.Index >= starts.Count)
        {
            return null;
        }

        var original = starts[e.Index];
        return e.Kind switch
        {
            0 => new OccurrenceCancelled(original),
            1 => new OccurrenceDeleted(original),
            _ => Moved(series, original, e.ShiftHours),
        };
    }

    public static OccurrenceModified Moved(MeetingSeries series, DateTimeOffset original, int shiftHours)
    {
        var occurrence = All(Plain(series)).Single(o => o.Id.OriginalStart == original);
        if (series.IsAllDay)
        {
            var days = shiftHours / 8;
            return new OccurrenceModified(original, CalendarTime.Day(occurrence.Start.Date.AddDays(days)), CalendarTime.Day(occurrence.End.Date.AddDays(days)), Subject: "moved");
        }

        var start = CalendarTime.Utc(occurrence.Start.ToUtc().AddHours(shiftHours));
        var end = CalendarTime.Utc(occurrence.End.ToUtc().AddHours(shiftHours));
        return new OccurrenceModified(original, start, end, Subject: "moved");
    }
}
