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

    [Fact]
    public void LatencyLogsAppend_PastTheLimit_KeepsTheLatestOldestFirst()
    {
        byte[]? log = null;
        for (var i = 1; i <= 5; i++)
        {
            log = LatencyLogs.Append(log, at: i, milliseconds: i * 10, keep: 3);
        }

        var row = new MailboxRow { LatencyLog = log };
        Assert.Equal([(3L, 30L), (4L, 40L), (5L, 50L)], row.Latencies.Select(l => (l.At, l.Milliseconds)));
    }

    [Fact]
    public void AddLatency_RowWithLegacySamplesAndALog_KeepsLegacyThenLogThenNew()
    {
        var row = new MailboxRow { LegacyLatencies = [new LatencySample { At = 1, Milliseconds = 10 }], LatencyLog = LatencyLogs.Append(null, 2, 20, keep: 5) };

        row.AddLatency(3, 30, keep: 5);

        Assert.Null(row.LegacyLatencies);
        Assert.Equal([(1L, 10L), (2L, 20L), (3L, 30L)], row.Latencies.Select(l => (l.At, l.Milliseconds)));
    }
}
