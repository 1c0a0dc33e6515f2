using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.State;

public sealed class StateRowsTests
{
    [Fact]
    public void AddLatency_RowWithLegacySamples_KeepsThemInOrderAndDropsTheLegacyField()
    {
        var row = new MailboxRow { LegacyLatencies = [new LatencySample { At = 1, Milliseconds = 10 }, new LatencySample { At = 2, Milliseconds = 20 }] };

        row.AddLatency(3, 30, keep: 2);

        Assert.Null(row.LegacyLatencies);
        Assert.Equal([(2L, 20L), (3L, 30L)], row.Latencies.Select(l => (l.At, l.Milliseconds)));
        Assert.Equal(32, row.LatencyLog!.Length);
    }

    [Fact]
    public void AddLatency_ManySamples_KeepsTheLatestOldestFirst()
    {
        var row = new MailboxRow();

        for (var i = 1; i <= 5; i++)
        {
            row.AddLatency(i, i * 100, keep: 3);
        }

        Assert.Equal([(3L, 300L), (4L, 400L), (5L, 500L)], row.Latencies.Select(l => (l.At, l.Milliseconds)));
    }
}
