using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

/// <summary>A generated series and the exceptions to put on it (by index of the rule's occurrence).</summary>
public sealed record SeriesCase(MeetingSeries Series, ImmutableArray<(int Index, int Kind, int ShiftHours)> Exceptions)
{
    public override string ToString() =>
        $"{Series.Start}–{Series.End} RRULE:{Series.Rule} exceptions=[{string.Join(", ", Exceptions.Select(e => $"#{e.Index}:{e.Kind}{e.ShiftHours:+0;-0}h"))}]";
}

/// <summary>
/// Bounded generators for recurrence properties: finite series (COUNT 1–12; daily, weekly or monthly; interval 1–3)
/// in zones with and without DST (IANA and Windows ids), timed (hours outside the 01:00–03:59 DST gap/overlap band,
/// which has its own example tests) or all-day, with up to four exceptions. Use with
/// <c>[Property(Arbitrary = [typeof(SeriesArbitraries)], MaxTest = ...)]</c>.
/// </summary>
public static class SeriesArbitraries
{
    internal static readonly string[] Zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific Standard Time"];

    private static readonly int[] Hours = [0, 6, 8, 9, 12, 17, 22, 23];

    public static Arbitrary<SeriesCase> Cases() => CaseGen().ToArbitrary();

    internal static Gen<MeetingSeries> SeriesGen() =>
        from allDay in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        from zone in Gen.Elements(Zones)
        from day in Gen.Choose(0, 364)
        from hour in Gen.Elements(Hours)
        from minutes in Gen.Elements(30, 60, 90, 180)
        from days in Gen.Choose(1, 2)
        from freq in Gen.Elements("DAILY", "WEEKLY", "MONTHLY")
        from interval in Gen.Choose(1, 3)
        from count in Gen.Choose(1, 12)
        select Build(allDay, zone, new DateOnly(2026, 1, 1).AddDays(day), hour, minutes, days, $"FREQ={freq};INTERVAL={interval};COUNT={count}");

    internal static MeetingSeries Build(bool allDay, string zone, DateOnly day, int hour, int minutes, int days, string rule)
    {
        var start = allDay ? CalendarTime.Day(day) : CalendarTime.At(day.ToDateTime(new TimeOnly(hour, 0)), zone);
        var end = allDay ? CalendarTime.Day(day.AddDays(days)) : CalendarTime.At(start.Local.AddMinutes(minutes), zone);
        return MeetingSeries.Create(new MeetingUid("series-1"), "Weekly review", "alice", ["bob", "carol"], MeetingType.Appointment, start, end, RecurrenceRule.Parse(rule));
    }

    private static Gen<SeriesCase> CaseGen() =>
        from series in SeriesGen()
        from exceptions in Gen.ListOf(
            from index in Gen.Choose(0, 11)
            from kind in Gen.Choose(0, 2)
            from shift in Gen.Choose(-30, 30)
            select (index, kind, shift))
        select new SeriesCase(series, [.. exceptions.Take(4)]);
}
