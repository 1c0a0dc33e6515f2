using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

public partial class MeetingSeriesTests
{
    [Property(MaxTest = 150, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Expand_WithExceptions_IsRuleMinusDeletedWithOverridesApplied(SeriesCase c)
    {
        var series = SeriesTesting.Apply(c);
        var starts = SeriesTesting.OriginalStarts(c.Series);
        var byStart = series.Exceptions.ToDictionary(e => e.OriginalStart);
        var expanded = SeriesTesting.All(series).ToDictionary(o => o.Id.OriginalStart);
        var plain = SeriesTesting.All(c.Series).ToDictionary(o => o.Id.OriginalStart);

        var ok = starts.Count == c.Series.Rule.Count
            && starts.All(s => byStart.GetValueOrDefault(s) switch
            {
                null => expanded[s] == plain[s],
                OccurrenceDeleted => !expanded.ContainsKey(s),
                OccurrenceCancelled => expanded[s] == plain[s] with { State = OccurrenceState.Cancelled },
                OccurrenceModified m => expanded[s].State == OccurrenceState.Modified && expanded[s].Subject == m.Subject
                    && expanded[s].Start == (m.Start ?? plain[s].Start) && expanded[s].End == (m.End ?? plain[s].End),
                _ => false,
            })
            && expanded.Count == starts.Count - series.Exceptions.Count(e => e is OccurrenceDeleted);
        return ok.Label(c.ToString());
    }

    [Property(MaxTest = 150, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property WithException_OneOccurrence_LeavesEveryOtherOccurrenceAndTheSeriesAlone(SeriesCase c)
    {
        var before = SeriesTesting.Apply(c);
        var starts = SeriesTesting.OriginalStarts(c.Series);
        var target = c.Exceptions.IsEmpty ? (0, 0, 0) : c.Exceptions[0];
        if (SeriesTesting.Override(before, starts, (target.Item1 % starts.Count, (target.Item2 + 1) % 3, target.Item3)) is not { } change)
        {
            return true.ToProperty();
        }

        var after = before.WithException(change);
        var others = (MeetingSeries s) => SeriesTesting.All(s).Where(o => o.Id.OriginalStart != change.OriginalStart).ToList();
        var ok = others(before).SequenceEqual(others(after))
            && after.Subject == before.Subject && after.Start == before.Start && after.Rule == before.Rule && !after.Cancelled;
        return ok.Label($"{c} then {change}");
    }

    [Property(MaxTest = 150, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Expand_TimedSeries_KeepsWallClockInItsZoneAcrossDst(SeriesCase c)
    {
        var series = c.Series;
        if (series.IsAllDay)
        {
            return true.ToProperty();
        }

        // The oracle is the system's tz data, independent of Ical.Net's bundled copy.
        var zone = SeriesTesting.SystemZone(series.Start.TimeZone!);
        var ok = SeriesTesting.All(series).All(o =>
            o.Start.Local.TimeOfDay == series.Start.Local.TimeOfDay
            && o.Start.ToUtc() == new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(o.Start.Local, zone), TimeSpan.Zero)
            // RFC 5545: a timed event's duration is exact, so an end falling into a DST gap shows an hour later locally.
            && o.End.ToUtc() - o.Start.ToUtc() == series.End.ToUtc() - series.Start.ToUtc());
        return ok.Label(c.ToString());
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Expand_AnyWindow_IsTheFullExpansionCutToTheWindow(SeriesCase c, byte from, byte length)
    {
        var series = SeriesTesting.Apply(c);
        var windowStart = series.Start.ToUtc().AddDays(from - 20).AddHours(from % 24);
        var windowEnd = windowStart.AddDays(length % 60).AddHours(length % 7);
        var expected = SeriesTesting.All(series).Where(o => o.Start.ToUtc() < windowEnd && o.End.ToUtc() > windowStart).ToList();
        var actual = series.Expand(windowStart, windowEnd);
        return actual.SequenceEqual(expected).Label($"{c} window {windowStart:o}..{windowEnd:o}");
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property EndBefore_IsTheExpansionBeforeTheCut(SeriesCase c, byte at)
    {
        var series = SeriesTesting.Apply(c);
        var starts = SeriesTesting.OriginalStarts(c.Series);
        var cut = starts[at % starts.Count];
        var ended = series.EndBefore(cut);
        var expected = SeriesTesting.All(series).Where(o => o.Id.OriginalStart < cut).ToList();
        return (ended is null ? expected.Count == 0 && cut == starts[0] : SeriesTesting.All(ended).SequenceEqual(expected)).Label($"{c} cut {cut:o}");
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property TrySplitAt_ThisAndFollowing_PartitionsTheOccurrences(SeriesCase c, byte at)
    {
        var series = SeriesTesting.Apply(c);
        var starts = SeriesTesting.OriginalStarts(c.Series);
        if (starts.Count < 2)
        {
            return true.ToProperty();
        }

        var cut = starts[1 + (at % (starts.Count - 1))];
        var split = series.TrySplitAt(cut, new MeetingUid("series-2"), out var error);
        if (split is not { } parts)
        {
            return false.Label(error);
        }

        static object Shape(Occurrence o) => (o.Start, o.End, o.Subject, o.State, o.Id.OriginalStart);
        // A moved occurrence may sit after the cut while its original start is before it: compare by original start.
        var whole = SeriesTesting.All(series).OrderBy(o => o.Id.OriginalStart).Select(Shape).ToList();
        var joined = SeriesTesting.All(parts.Before, series).Concat(SeriesTesting.All(parts.Following, series)).OrderBy(o => o.Id.OriginalStart).Select(Shape).ToList();
        var ok = whole.SequenceEqual(joined)
            && SeriesTesting.All(parts.Before).All(o => o.Id.OriginalStart < cut && o.Id.SeriesUid == series.Uid)
            && SeriesTesting.All(parts.Following).All(o => o.Id.OriginalStart >= cut && o.Id.SeriesUid.Value == "series-2");
        return ok.Label($"{c} split at {cut:o}");
    }
}
