using System.Globalization;
using Ical.Net.DataTypes;

namespace RulesSync.Engine.Recurrence;

/// <summary>
/// A start or end as a calendar states it: a wall-clock time in a named time zone (IANA or Windows id, resolved
/// through Ical.Net's bundled tz database, never the machine's), or a whole day (all-day events). A series repeats
/// on its wall clock, so an occurrence after a DST change keeps its local time and moves in UTC. Immutable and
/// thread-safe.
/// </summary>
public readonly record struct CalendarTime
{
    private CalendarTime(DateTime local, string? timeZone, TimeSpan? offset = null)
    {
        Local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        TimeZone = timeZone;
        Offset = offset;
    }

    /// <summary>The wall-clock time (for a date: midnight of that day). Kind is unspecified.</summary>
    public DateTime Local { get; }

    /// <summary>The time zone id; null for a whole day.</summary>
    public string? TimeZone { get; }

    /// <summary>
    /// The UTC offset, pinned only where the wall-clock time alone does not name one instant: a local time in the hour
    /// a DST change repeats (an occurrence's end computed from its start and the exact duration can fall there). Null
    /// otherwise.
    /// </summary>
    public TimeSpan? Offset { get; }

    /// <summary>Whether this is a whole day (an all-day event's start or exclusive end).</summary>
    public bool IsDate => TimeZone is null;

    /// <summary>The day, for a whole-day value (and the local day of a timed one).</summary>
    public DateOnly Date => DateOnly.FromDateTime(Local);

    /// <summary>A wall-clock time in <paramref name="timeZone"/>; throws <see cref="ArgumentException"/> for an unknown zone.</summary>
    public static CalendarTime At(DateTime local, string timeZone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(timeZone);
        var value = new CalendarTime(local, timeZone);
        _ = value.ToCalDateTime().AsUtc; // resolves the zone now, so a bad id fails where it was given
        return value;
    }

    /// <summary>
    /// The wall-clock time in <paramref name="timeZone"/> of an exact instant, with its offset pinned when that local
    /// time is ambiguous (the repeated hour at the end of DST), so <see cref="ToUtc"/> gives the instant back.
    /// </summary>
    internal static CalendarTime AtInstant(DateTimeOffset instant, string timeZone)
    {
        var local = new CalDateTime(instant.UtcDateTime, "UTC").ToTimeZone(timeZone).Value;
        var plain = new CalendarTime(local, timeZone);
        return plain.ToUtc() == instant ? plain : new CalendarTime(local, timeZone, local - instant.UtcDateTime);
    }

    /// <summary>A UTC instant.</summary>
    public static CalendarTime Utc(DateTimeOffset instant) => new(instant.UtcDateTime, "UTC");

    /// <summary>A whole day.</summary>
    public static CalendarTime Day(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), null);

    /// <summary>
    /// The instant this value stands for. A whole day is floating (RFC 5545 §3.3.4): it is read as UTC midnight here,
    /// which is what window checks and occurrence ids use.
    /// </summary>
    public DateTimeOffset ToUtc() =>
        IsDate ? new DateTimeOffset(Local, TimeSpan.Zero)
        : Offset is { } offset ? new DateTimeOffset(Local, offset).ToUniversalTime()
        : new DateTimeOffset(ToCalDateTime().AsUtc, TimeSpan.Zero);

    /// <summary>The same kind of value (same zone, or a day) for an instant or day Ical.Net computed.</summary>
    internal static CalendarTime From(CalDateTime value) =>
        value.HasTime ? new CalendarTime(value.Value, value.TzId ?? "UTC") : Day(value.Date);

    internal CalDateTime ToCalDateTime() =>
        IsDate ? new CalDateTime(Date) : new CalDateTime(Local, TimeZone, hasTime: true);

    /// <inheritdoc />
    public override string ToString() =>
        IsDate
            ? Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : string.Concat(Local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), " ", TimeZone);
}
