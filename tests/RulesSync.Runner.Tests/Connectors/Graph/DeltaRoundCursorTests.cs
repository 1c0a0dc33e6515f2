using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>The dated delta round: a calendarView delta link keeps its round's window, so a moved window starts a new round.</summary>
public sealed class DeltaRoundCursorTests
{
    [Fact]
    public void FormatParse_RoundTripsStartAndLink()
    {
        var start = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        const string link = "https://graph.example/v1.0/users/a/calendarView/delta?$deltatoken=x|y";

        Assert.Equal((start, link), DeltaRoundCursor.Parse(DeltaRoundCursor.Format(start, link)));
    }

    [Theory]
    [InlineData("https://graph.example/delta?$deltatoken=old")]
    [InlineData("round:|https://graph.example/delta")]
    [InlineData("round:abc|https://graph.example/delta")]
    [InlineData("round:99999999999999999999|https://graph.example/delta")]
    public void Parse_UndatedOrMalformed_RoundStartUnknownSoTheRoundIsRenewed(string token)
    {
        var (start, link) = DeltaRoundCursor.Parse(token);

        Assert.Equal((DateTimeOffset.MinValue, token), (start, link));
        Assert.True(DeltaRoundCursor.WindowMoved(start, DateTimeOffset.UnixEpoch, TimeSpan.FromDays(1)));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(23, false)]
    [InlineData(25, true)]
    [InlineData(-25, true)]
    public void WindowMoved_MoreThanTheRestartInterval_True(int hours, bool expected)
    {
        var start = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

        Assert.Equal(expected, DeltaRoundCursor.WindowMoved(start, start.AddHours(hours), TimeSpan.FromDays(1)));
    }

    [Fact]
    public async Task ReadChanges_WindowMovesPastTheRound_ANewRoundSeesTheMeetingThatEnteredIt()
    {
        await using var t = await StartAsync();
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { WindowFuture = TimeSpan.FromDays(30), WindowRestart = TimeSpan.FromDays(1) });
        var alice = graph.ForMailbox(Alice);
        var later = t.Organization.ScheduleMeeting(Alice, Draft("Quarterly review", 40, Bob));

        var first = await alice.ReadChangesAsync(MailboxCursor.Start);
        t.Time.Advance(TimeSpan.FromHours(12));
        var sameRound = await alice.ReadChangesAsync(first.Next);
        t.Time.Advance(TimeSpan.FromDays(15));
        var newRound = await alice.ReadChangesAsync(sameRound.Next);
        var after = await alice.ReadChangesAsync(newRound.Next);

        Assert.DoesNotContain(first.Items, i => i.Uid.Value == later.ICalUid);
        Assert.Empty(sameRound.Items);
        Assert.Equal(DeltaRoundCursor.Parse(first.Next.Token).RoundStart, DeltaRoundCursor.Parse(sameRound.Next.Token).RoundStart);
        Assert.Contains(newRound.Items, i => i.Uid.Value == later.ICalUid && !i.Removed);
        Assert.Equal(t.Time.GetUtcNow().ToUnixTimeSeconds(), DeltaRoundCursor.Parse(newRound.Next.Token).RoundStart.ToUnixTimeSeconds());
        Assert.Empty(after.Items);
    }
}
