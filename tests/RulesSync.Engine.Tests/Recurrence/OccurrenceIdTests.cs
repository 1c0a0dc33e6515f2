using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Engine.Tests.Recurrence;

public class OccurrenceIdTests
{
    [Property(MaxTest = 200)]
    public Property ToString_TryParse_RoundTrips(PositiveInt seconds, bool isDate, NonEmptyString uid)
    {
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds.Get % 400_000_000);
        if (isDate)
        {
            start = new DateTimeOffset(start.UtcDateTime.Date, TimeSpan.Zero);
        }

        var text = uid.Get.Trim().Length == 0 ? "u" : uid.Get;
        var id = new OccurrenceId(new MeetingUid(text), start, isDate);
        return (OccurrenceId.TryParse(id.ToString(), out var back, out _) && back == id).Label(id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("uid-without-start")]
    [InlineData("uid#")]
    [InlineData("#20260323")]
    [InlineData("uid#2026-03-23")]
    public void TryParse_Malformed_GivesReason(string text)
    {
        Assert.False(OccurrenceId.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}
