using BenchmarkDotNet.Attributes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Bench.Recurrence;

/// <summary>
/// Series expansion (Ical.Net under <see cref="MeetingSeries.Expand"/>): a weekly series in Europe/Berlin across both
/// DST changes, expanded over a four-week sync window and over a year (52 occurrences), plain and with five exceptions
/// (moved, edited, cancelled, deleted); and parsing the RRULE. The per-sync cost a connector pays per series.
/// </summary>
[MemoryDiagnoser]
public class SeriesExpansionBenchmarks
{
    private static readonly DateTimeOffset From = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private readonly string _ruleText = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231T235959Z";
    private MeetingSeries _plain = null!;
    private MeetingSeries _withExceptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        var start = CalendarTime.At(new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Unspecified), "Europe/Berlin");
        var end = CalendarTime.At(new DateTime(2026, 1, 5, 11, 0, 0, DateTimeKind.Unspecified), "Europe/Berlin");
        _plain = MeetingSeries.Create(new MeetingUid("bench-series"), "Weekly review", "a@contoso.example", ["b@contoso.example"], MeetingType.Appointment, start, end, RecurrenceRule.Parse("FREQ=WEEKLY;BYDAY=MO;COUNT=52"));
        var starts = _plain.Expand(From, From.AddYears(1)).Select(o => o.Id.OriginalStart).ToArray();
        _withExceptions = _plain
            .WithException(new OccurrenceModified(starts[3], CalendarTime.Utc(starts[3].AddHours(2)), CalendarTime.Utc(starts[3].AddHours(3))))
            .WithException(new OccurrenceModified(starts[10], Subject: "Weekly review (agenda)"))
            .WithException(new OccurrenceCancelled(starts[20]))
            .WithException(new OccurrenceDeleted(starts[30]))
            .WithException(new OccurrenceModified(starts[40], CalendarTime.Utc(starts[40].AddDays(1)), CalendarTime.Utc(starts[40].AddDays(1).AddHours(1))));
        if (_withExceptions.Expand(From, From.AddYears(1)).Length != 51)
        {
            throw new InvalidOperationException("the series with exceptions must expand to 51 occurrences (one deleted)");
        }
    }

    [Benchmark(Baseline = true)]
    public int ExpandFourWeekWindow() => _plain.Expand(From.AddDays(70), From.AddDays(98)).Length;

    [Benchmark]
    public int ExpandYear() => _plain.Expand(From, From.AddYears(1)).Length;

    [Benchmark]
    public int ExpandYearWithFiveExceptions() => _withExceptions.Expand(From, From.AddYears(1)).Length;

    [Benchmark]
    public string ParseRule() => RecurrenceRule.Parse(_ruleText).ToString();
}
