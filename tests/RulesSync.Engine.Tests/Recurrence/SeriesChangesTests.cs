using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

public class SeriesChangesTests
{
    private static (DateTimeOffset, DateTimeOffset) Window(MeetingSeries s) => SeriesTesting.Everything(s);

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Between_OneOccurrenceException_TouchesOnlyThatOccurrenceInOccurrenceScope(SeriesCase c, byte at, byte kind)
    {
        var before = SeriesTesting.Apply(c);
        var starts = SeriesTesting.OriginalStarts(c.Series);
        if (SeriesTesting.Override(before, starts, (at % starts.Count, kind % 3, 5)) is not { } change)
        {
            return true.ToProperty();
        }

        var after = before.WithException(change);
        var (from, to) = Window(before);
        var changes = SeriesChanges.Between(before, after, from, to);
        return (changes.Length <= 1 && changes.All(x => x.Id.OriginalStart == change.OriginalStart && x.Scope == ChangeScope.One)
                && (before.Equals(after) || changes.Length == 1 || Same(before, after, change.OriginalStart)))
            .Label($"{c} then {change}: {string.Join(", ", changes)}");
    }

    // An exception can replace another with the same visible result (a delete of a deleted occurrence).
    private static bool Same(MeetingSeries before, MeetingSeries after, DateTimeOffset originalStart)
    {
        var (from, to) = Window(before);
        return before.Expand(from, to).Where(o => o.Id.OriginalStart == originalStart).SequenceEqual(after.Expand(from, to).Where(o => o.Id.OriginalStart == originalStart));
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Between_SeriesSubjectChange_FansOutToEveryOccurrenceWithoutItsOwnSubject(SeriesCase c)
    {
        var before = SeriesTesting.Apply(c);
        var after = before.WithContent("Renamed", before.Attendees);
        var (from, to) = Window(before);
        var changes = SeriesChanges.Between(before, after, from, to);
        var expected = before.Expand(from, to).Where(o => o.Subject != "Renamed" && !(before.Exceptions.FirstOrDefault(e => e.OriginalStart == o.Id.OriginalStart) is OccurrenceModified { Subject: not null })).Select(o => o.Id);
        return (changes.Select(x => x.Id).SequenceEqual(expected) && changes.All(x => x is { Kind: OccurrenceChangeKind.Updated, Scope: ChangeScope.Series, After.Subject: "Renamed" }))
            .Label($"{c}: {string.Join(", ", changes)}");
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Between_EndOfSeries_RemovesExactlyTheOccurrencesFromTheCut(SeriesCase c, byte at)
    {
        var before = SeriesTesting.Apply(c);
        var starts = SeriesTesting.OriginalStarts(c.Series);
        var cut = starts[at % starts.Count];
        var (from, to) = Window(before);
        var changes = SeriesChanges.Between(before, before.EndBefore(cut), from, to);
        var expected = before.Expand(from, to).Where(o => o.Id.OriginalStart >= cut).Select(o => o.Id).OrderBy(i => i.OriginalStart);

        // Cut at the first occurrence, nothing is left: the whole series is gone. Else the rest is "this and following".
        var scope = cut == starts[0] ? ChangeScope.Series : ChangeScope.Following;
        return (changes.Select(x => x.Id).OrderBy(i => i.OriginalStart).SequenceEqual(expected) && changes.All(x => x.Kind == OccurrenceChangeKind.Removed && x.Scope == scope))
            .Label($"{c} cut {cut:o}: {string.Join(", ", changes)}");
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(SeriesArbitraries)])]
    public Property Between_SeriesCancelled_CancelsEveryLiveOccurrenceInSeriesScope(SeriesCase c)
    {
        var before = SeriesTesting.Apply(c);
        var (from, to) = Window(before);
        var changes = SeriesChanges.Between(before, before.Cancel(), from, to);
        var live = before.Expand(from, to).Where(o => o.State != OccurrenceState.Cancelled).Select(o => o.Id);
        return (changes.Select(x => x.Id).OrderBy(i => i.OriginalStart).SequenceEqual(live.OrderBy(i => i.OriginalStart)) && changes.All(x => x is { Kind: OccurrenceChangeKind.Cancelled, Scope: ChangeScope.Series }))
            .Label($"{c}: {string.Join(", ", changes)}");
    }

    [Fact]
    public void Between_NewAndDeletedSeries_AreAddedAndRemovedInSeriesScope()
    {
        var series = SeriesArbitraries.Build(false, "Europe/Berlin", new DateOnly(2026, 3, 23), 9, 60, 0, "FREQ=WEEKLY;COUNT=3");
        var (from, to) = Window(series);

        var created = SeriesChanges.Between(null, series, from, to);
        var deleted = SeriesChanges.Between(series, null, from, to);

        Assert.Equal([OccurrenceChangeKind.Added, OccurrenceChangeKind.Added, OccurrenceChangeKind.Added], created.Select(x => x.Kind));
        Assert.Equal([OccurrenceChangeKind.Removed, OccurrenceChangeKind.Removed, OccurrenceChangeKind.Removed], deleted.Select(x => x.Kind));
        Assert.All(created.Concat(deleted), x => Assert.Equal(ChangeScope.Series, x.Scope));
        Assert.Empty(SeriesChanges.Between(series, series, from, to));
        Assert.Equal(new MeetingUid("series-1"), created[0].Id.SeriesUid);
    }

    [Fact]
    public void Between_MoveOutOfWindow_IsARemovalOfThatOccurrenceOnly()
    {
        var series = SeriesArbitraries.Build(false, "UTC", new DateOnly(2026, 3, 2), 9, 60, 0, "FREQ=WEEKLY;COUNT=3");
        var second = series.Expand(DateTimeOffset.MinValue.AddYears(2000), DateTimeOffset.MaxValue.AddYears(-1000))[1];
        var moved = series.WithException(new OccurrenceModified(second.Id.OriginalStart, CalendarTime.Utc(new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero)), CalendarTime.Utc(new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero))));

        var change = Assert.Single(SeriesChanges.Between(series, moved, new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero)));

        Assert.Equal((second.Id, OccurrenceChangeKind.Removed, ChangeScope.One), (change.Id, change.Kind, change.Scope));
    }
}
