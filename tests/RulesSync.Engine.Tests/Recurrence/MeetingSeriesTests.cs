using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

public partial class MeetingSeriesTests
{
    private static readonly DateTimeOffset Window0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Window1 = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MeetingSeries BerlinMondays(string rule = "FREQ=WEEKLY;COUNT=4;BYDAY=MO") =>
        SeriesArbitraries.Build(false, "Europe/Berlin", new DateOnly(2026, 3, 23), 9, 60, 0, rule);

    private static DateTimeOffset Utc(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Expand_WeeklyAcrossSpringForward_KeepsWallClockAndMovesInUtc()
    {
        var occurrences = BerlinMondays().Expand(Window0, Window1);

        Assert.Equal([Utc(3, 23, 8), Utc(3, 30, 7), Utc(4, 6, 7), Utc(4, 13, 7)], occurrences.Select(o => o.Start.ToUtc()));
        Assert.All(occurrences, o => Assert.Equal(new TimeOnly(9, 0), TimeOnly.FromDateTime(o.Start.Local)));
        Assert.All(occurrences, o => Assert.Equal(TimeSpan.FromHours(1), o.End.ToUtc() - o.Start.ToUtc()));
        Assert.All(occurrences, o => Assert.Equal(o.Start.ToUtc(), o.Id.OriginalStart));
    }

    [Fact]
    public void Expand_NewYorkAcrossFallBack_WindowsZoneIdAgrees()
    {
        var iana = SeriesArbitraries.Build(false, "America/New_York", new DateOnly(2026, 10, 30), 9, 30, 0, "FREQ=DAILY;COUNT=4");
        var windows = SeriesArbitraries.Build(false, "Eastern Standard Time", new DateOnly(2026, 10, 30), 9, 30, 0, "FREQ=DAILY;COUNT=4");

        var starts = iana.Expand(Window0, Window1.AddYears(1)).Select(o => o.Start.ToUtc()).ToList();

        Assert.Equal([new(2026, 10, 30, 13, 0, 0, TimeSpan.Zero), new(2026, 10, 31, 13, 0, 0, TimeSpan.Zero), new(2026, 11, 1, 14, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero)], starts);
        Assert.Equal(starts, windows.Expand(Window0, Window1.AddYears(1)).Select(o => o.Start.ToUtc()));
    }

    [Fact]
    public void Expand_StartInSpringForwardGap_ResolvesForwardOnThatDayOnly()
    {
        // 02:00 does not exist in Berlin on 29 March 2026; RFC 5545 §3.3.5: it is read with the offset before the gap
        // (01:00 UTC, shown as 03:00 CEST). The days around it keep 02:00 local.
        var series = SeriesArbitraries.Build(false, "Europe/Berlin", new DateOnly(2026, 3, 28), 2, 30, 0, "FREQ=DAILY;COUNT=3");
        var starts = series.Expand(Window0, Window1).Select(o => o.Start.ToUtc()).ToList();

        Assert.Equal([Utc(3, 28, 1), Utc(3, 29, 1), Utc(3, 30, 0)], starts);
    }

    [Fact]
    public void Expand_AllDaySeries_YieldsDaysKeyedByDate()
    {
        var series = SeriesArbitraries.Build(true, "UTC", new DateOnly(2026, 3, 23), 0, 0, 1, "FREQ=DAILY;UNTIL=20260325");
        var occurrences = series.Expand(Window0, Window1);

        Assert.Equal([new DateOnly(2026, 3, 23), new DateOnly(2026, 3, 24), new DateOnly(2026, 3, 25)], occurrences.Select(o => o.Start.Date));
        Assert.All(occurrences, o => Assert.True(o.Start.IsDate && o.End.IsDate && o.Id.IsDate));
        Assert.Equal("series-1#20260324", occurrences[1].Id.ToString());
    }

    [Fact]
    public void Expand_Window_ListsOnlyOverlappingOccurrencesOfAnEndlessSeries()
    {
        var series = BerlinMondays("FREQ=WEEKLY;BYDAY=MO");

        var occurrences = series.Expand(Utc(6, 1, 7).AddMinutes(30), Utc(6, 15, 7));

        // 1 June 09:00–10:00 local (07:00–08:00 UTC) overlaps the window's start; 15 June starts at its end.
        Assert.Equal([Utc(6, 1, 7), Utc(6, 8, 7)], occurrences.Select(o => o.Start.ToUtc()));
        Assert.True(series.Rule.IsEndless);
    }

    [Fact]
    public void WithException_CancelDeleteMove_EachTouchesOnlyItsOccurrence()
    {
        var series = BerlinMondays()
            .WithException(new OccurrenceCancelled(Utc(3, 30, 7)))
            .WithException(new OccurrenceDeleted(Utc(4, 6, 7)))
            .WithException(new OccurrenceModified(Utc(4, 13, 7), CalendarTime.At(new DateTime(2026, 4, 14, 15, 0, 0), "Europe/Berlin"), CalendarTime.At(new DateTime(2026, 4, 14, 16, 0, 0), "Europe/Berlin"), Subject: "Review (Tuesday)"));

        var occurrences = series.Expand(Window0, Window1);

        Assert.Equal([OccurrenceState.Regular, OccurrenceState.Cancelled, OccurrenceState.Modified], occurrences.Select(o => o.State));
        Assert.Equal("Weekly review", occurrences[1].Subject);
        var moved = occurrences[2];
        Assert.Equal(Utc(4, 13, 7), moved.Id.OriginalStart);
        Assert.Equal(Utc(4, 14, 13), moved.Start.ToUtc());
        Assert.True(moved.IsMoved);
        Assert.Equal("Review (Tuesday)", moved.Subject);
        Assert.True(occurrences[1].ToContent("alice", MeetingType.Appointment).Cancelled);
    }

    [Fact]
    public void Expand_OccurrenceMovedIntoAndOutOfWindow_FollowsItsActualTime()
    {
        var series = BerlinMondays()
            .WithException(new OccurrenceModified(Utc(3, 23, 8), CalendarTime.Utc(Utc(5, 4, 8)), CalendarTime.Utc(Utc(5, 4, 9))))
            .WithException(new OccurrenceModified(Utc(4, 13, 7), CalendarTime.Utc(Utc(3, 1, 8)), CalendarTime.Utc(Utc(3, 1, 9))));

        var april = series.Expand(Utc(4, 1, 0), Utc(6, 1, 0));

        Assert.Equal([Utc(4, 6, 7), Utc(5, 4, 8)], april.Select(o => o.Start.ToUtc()));
        Assert.Equal(Utc(3, 23, 8), april[1].Id.OriginalStart);
    }

    [Fact]
    public void TryWithException_NoSuchOccurrence_IsRefusedWithReason()
    {
        var series = BerlinMondays();

        Assert.Null(series.TryWithException(new OccurrenceCancelled(Utc(3, 24, 7)), out var error));
        Assert.Contains("no occurrence at original start 20260324T070000Z", error, StringComparison.Ordinal);
        Assert.Null(series.TryWithException(new OccurrenceModified(Utc(3, 30, 7), CalendarTime.Day(new DateOnly(2026, 3, 30))), out error));
        Assert.Contains("cannot move", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => series.WithException(new OccurrenceDeleted(Utc(1, 1, 0))));
    }

    [Fact]
    public void WithException_SameOriginalStartTwice_LastWins()
    {
        var series = BerlinMondays().WithException(new OccurrenceCancelled(Utc(3, 30, 7))).WithException(new OccurrenceDeleted(Utc(3, 30, 7)));

        Assert.Single(series.Exceptions);
        Assert.Equal(3, series.Expand(Window0, Window1).Length);
    }

    [Fact]
    public void WithContent_SeriesSubject_ReachesEveryOccurrenceButOwnOverrides()
    {
        var series = BerlinMondays()
            .WithException(new OccurrenceModified(Utc(3, 30, 7), Subject: "Own subject"))
            .WithException(new OccurrenceModified(Utc(4, 6, 7), CalendarTime.Utc(Utc(4, 6, 12)), CalendarTime.Utc(Utc(4, 6, 13))))
            .WithContent("Renamed", ["dave", "bob", "bob"]);

        var occurrences = series.Expand(Window0, Window1);

        Assert.Equal(["Renamed", "Own subject", "Renamed", "Renamed"], occurrences.Select(o => o.Subject));
        Assert.All(occurrences, o => Assert.Equal(["bob", "dave"], o.Attendees.ToArray()));
        Assert.Equal(2, series.Exceptions.Length);
    }

    [Fact]
    public void TryWithTimes_NewTimeOfDay_DropsExceptionsAndMovesEveryOccurrence()
    {
        var series = BerlinMondays().WithException(new OccurrenceDeleted(Utc(3, 30, 7)));

        var moved = series.TryWithTimes(CalendarTime.At(new DateTime(2026, 3, 23, 14, 0, 0), "Europe/Berlin"), CalendarTime.At(new DateTime(2026, 3, 23, 15, 0, 0), "Europe/Berlin"), series.Rule, out _);

        Assert.NotNull(moved);
        Assert.Empty(moved.Exceptions);
        Assert.Equal([Utc(3, 23, 13), Utc(3, 30, 12), Utc(4, 6, 12), Utc(4, 13, 12)], moved.Expand(Window0, Window1).Select(o => o.Start.ToUtc()));
        Assert.Null(series.TryWithTimes(series.End, series.Start, series.Rule, out var error));
        Assert.Contains("is not after start", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EndBefore_KeepsEarlierOccurrencesAndStatesUntil()
    {
        var series = BerlinMondays("FREQ=WEEKLY;BYDAY=MO").WithException(new OccurrenceCancelled(Utc(4, 13, 7)));

        var ended = series.EndBefore(Utc(4, 6, 7));

        Assert.NotNull(ended);
        Assert.Equal([Utc(3, 23, 8), Utc(3, 30, 7)], ended.Expand(Window0, Window1).Select(o => o.Start.ToUtc()));
        Assert.Empty(ended.Exceptions);
        Assert.Equal("FREQ=WEEKLY;UNTIL=20260406T065959Z;BYDAY=MO", ended.Rule.Text);
        Assert.Null(series.EndBefore(series.Start.ToUtc()));
    }

    [Fact]
    public void TrySplitAt_CountedSeries_FollowingTakesRemainingCountAndExceptions()
    {
        var series = BerlinMondays().WithException(new OccurrenceCancelled(Utc(4, 13, 7)));

        var split = series.TrySplitAt(Utc(4, 6, 7), new MeetingUid("series-2"), out _);

        Assert.NotNull(split);
        var (before, following) = split.Value;
        Assert.Equal([Utc(3, 23, 8), Utc(3, 30, 7)], before.Expand(Window0, Window1).Select(o => o.Start.ToUtc()));
        Assert.Equal([Utc(4, 6, 7), Utc(4, 13, 7)], following.Expand(Window0, Window1).Select(o => o.Start.ToUtc()));
        Assert.Equal(2, following.Rule.Count);
        Assert.Equal(new MeetingUid("series-2"), following.Uid);
        Assert.Equal(OccurrenceState.Cancelled, following.Expand(Window0, Window1)[1].State);
        Assert.Null(series.TrySplitAt(series.Start.ToUtc(), new MeetingUid("x"), out var error));
        Assert.Contains("edit of the whole series", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancel_EveryOccurrenceExpandsCancelled()
    {
        var cancelled = BerlinMondays().WithException(new OccurrenceModified(Utc(3, 30, 7), Subject: "x")).Cancel();

        Assert.All(cancelled.Expand(Window0, Window1), o => Assert.Equal(OccurrenceState.Cancelled, o.State));
    }

    [Theory]
    [InlineData("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "produces no occurrence")]
    public void TryCreate_ImpossibleRule_IsRefusedNotLoopedOn(string rule, string reason)
    {
        var start = CalendarTime.At(new DateTime(2026, 1, 5, 9, 0, 0), "UTC");
        Assert.Null(MeetingSeries.TryCreate(new MeetingUid("u"), "s", "alice", [], MeetingType.Appointment, start, CalendarTime.At(new DateTime(2026, 1, 5, 10, 0, 0), "UTC"), RecurrenceRule.Parse(rule), out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_MixedKindsOrEmptyDuration_IsRefused()
    {
        var rule = RecurrenceRule.Parse("FREQ=DAILY;COUNT=2");
        var at9 = CalendarTime.At(new DateTime(2026, 1, 5, 9, 0, 0), "UTC");
        Assert.Null(MeetingSeries.TryCreate(new MeetingUid("u"), "s", "alice", [], MeetingType.Appointment, at9, CalendarTime.Day(new DateOnly(2026, 1, 6)), rule, out var error));
        Assert.Contains("both be days or both be times", error, StringComparison.Ordinal);
        Assert.Null(MeetingSeries.TryCreate(new MeetingUid("u"), "s", "alice", [], MeetingType.Appointment, at9, at9, rule, out error));
        Assert.Throws<ArgumentException>(() => CalendarTime.At(new DateTime(2026, 1, 5, 9, 0, 0), "Nowhere/Zone"));
    }
    [Fact]
    public void Expand_EndInTheHourDstRepeats_KeepsTheExactDuration()
    {
        // Monthly on the 31st, 23:00–02:00 New York: the October 31 occurrence ends 3 h later at 01:00 EST on
        // November 1, a wall-clock time that occurs twice; its end must still be the instant 3 h after its start.
        var series = MeetingSeries.Create(
            new MeetingUid("u"), "s", "alice", [], MeetingType.Appointment,
            CalendarTime.At(new DateTime(2026, 7, 31, 23, 0, 0), "America/New_York"),
            CalendarTime.At(new DateTime(2026, 8, 1, 2, 0, 0), "America/New_York"),
            RecurrenceRule.Parse("FREQ=MONTHLY;COUNT=4"));

        var october = Assert.Single(series.Expand(new DateTimeOffset(2026, 10, 31, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero)));

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 3, 0, 0, TimeSpan.Zero), october.Start.ToUtc());
        Assert.Equal(TimeSpan.FromHours(3), october.End.ToUtc() - october.Start.ToUtc());
        Assert.Equal(new DateTime(2026, 11, 1, 1, 0, 0), october.End.Local);
    }
}
