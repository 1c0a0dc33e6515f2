using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

public class RecurrenceRuleTests
{
    [Theory]
    [InlineData("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2;COUNT=5", "FREQ=WEEKLY;INTERVAL=2;COUNT=5;BYDAY=MO,WE")]
    [InlineData("FREQ=DAILY;UNTIL=20260401T000000Z", "FREQ=DAILY;UNTIL=20260401T000000Z")]
    [InlineData("FREQ=MONTHLY;BYDAY=2TU", "FREQ=MONTHLY;BYDAY=2TU")]
    public void Parse_ProviderRules_AreCanonical(string text, string canonical)
    {
        Assert.Equal(canonical, RecurrenceRule.Parse(text).Text);
    }

    [Theory]
    [InlineData("", "empty recurrence rule")]
    [InlineData("garbage", "is invalid")]
    [InlineData("FREQ=BOGUS", "not supported")]
    [InlineData("FREQ=HOURLY", "FREQ=HOURLY is not supported")]
    [InlineData("FREQ=DAILY;COUNT=0", "COUNT")]
    public void TryParse_BadRule_GivesReasonNeverThrows(string text, string reason)
    {
        Assert.Null(RecurrenceRule.TryParse(text, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => RecurrenceRule.Parse(text));
    }

    [Fact]
    public void EndingBefore_CountedRule_BecomesUntilJustBeforeTheCut()
    {
        var rule = RecurrenceRule.Parse("FREQ=WEEKLY;COUNT=10");

        var ended = rule.EndingBefore(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero), isDate: false);
        var endedDays = rule.EndingBefore(new DateTimeOffset(2026, 4, 6, 0, 0, 0, TimeSpan.Zero), isDate: true);

        Assert.Null(ended.Count);
        Assert.Equal(new DateTimeOffset(2026, 4, 6, 6, 59, 59, TimeSpan.Zero), ended.Until);
        Assert.Equal(new DateTimeOffset(2026, 4, 5, 0, 0, 0, TimeSpan.Zero), endedDays.Until);
        Assert.True(endedDays.UntilIsDate);
        Assert.False(ended.IsEndless);
    }
}
