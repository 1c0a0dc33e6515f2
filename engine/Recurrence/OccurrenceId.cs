using System.Globalization;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Recurrence;

/// <summary>
/// Identifies one occurrence of a series in every store: the series' UID plus the occurrence's original start (its
/// RECURRENCE-ID: Graph <c>originalStart</c>, Google <c>originalStartTime</c>). The original start never changes when
/// the occurrence is moved, so it stays the key of the occurrence's CRM record. Immutable and thread-safe.
/// </summary>
/// <param name="SeriesUid">The series' iCalendar UID.</param>
/// <param name="OriginalStart">The start the rule gave this occurrence, as a UTC instant (a whole day: UTC midnight).</param>
/// <param name="IsDate">Whether the series is all-day (the original start is a day).</param>
public readonly record struct OccurrenceId(MeetingUid SeriesUid, DateTimeOffset OriginalStart, bool IsDate)
{
    private const string Separator = "#";

    /// <summary>The meeting key an occurrence is synced under (its <see cref="ToString"/> form): one meeting, one CRM record, per occurrence.</summary>
    public MeetingUid Key => new(ToString());

    /// <summary>
    /// The text form <c>UID#20260323T080000Z</c> (or <c>UID#20260323</c> for a day), RFC 5545's basic format; the
    /// occurrence's link key on a CRM record.
    /// </summary>
    public override string ToString() => string.Concat(SeriesUid.Value, Separator, FormatStart(OriginalStart, IsDate));

    /// <summary>Reads <see cref="ToString"/>'s form; false (and a reason) for anything else.</summary>
    public static bool TryParse(string text, out OccurrenceId id, out string error)
    {
        id = default;
        var at = text?.LastIndexOf(Separator, StringComparison.Ordinal) ?? -1;
        if (text is null || at <= 0 || at == text.Length - 1 || string.IsNullOrWhiteSpace(text[..at]))
        {
            error = $"occurrence id '{text}' is not UID{Separator}ORIGINALSTART";
            return false;
        }

        var start = text[(at + 1)..];
        if (DateTime.TryParseExact(start, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var instant))
        {
            id = new OccurrenceId(new MeetingUid(text[..at]), new DateTimeOffset(instant, TimeSpan.Zero), IsDate: false);
        }
        else if (DateOnly.TryParseExact(start, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            id = new OccurrenceId(new MeetingUid(text[..at]), new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), IsDate: true);
        }
        else
        {
            error = $"occurrence id '{text}': original start '{start}' is neither yyyyMMddTHHmmssZ nor yyyyMMdd";
            return false;
        }

        error = string.Empty;
        return true;
    }

    internal static string FormatStart(DateTimeOffset start, bool isDate) =>
        start.UtcDateTime.ToString(isDate ? "yyyyMMdd" : "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}
