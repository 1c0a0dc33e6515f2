using System.Reflection;
using RulesSync.Runner.Cluster;

namespace RulesSync.Runner.Tests.Cluster;

public sealed class ClusterGrainsTests
{
    /// <summary>
    /// A tenant's cycle poll times out after <see cref="CycleTicket.PollTimeout"/> (what Orleans' generated call reads
    /// from the attribute), above the longest the grain holds a poll — a poll answered at its longest wait is never
    /// timed out — and below Orleans' 30 s, which a caller outside the silos would wait out on a cut-off silo.
    /// </summary>
    [Fact]
    public void CycleStatusAsync_ResponseTimeout_IsThePollTimeoutBetweenTheLongestWaitAndOrleansDefault()
    {
        var attribute = typeof(ITenantGrain).GetMethod(nameof(ITenantGrain.CycleStatusAsync))!.GetCustomAttribute<ResponseTimeoutAttribute>();

        Assert.NotNull(attribute);
        Assert.Equal(CycleTicket.PollTimeout, attribute.Timeout);
        Assert.InRange(CycleTicket.PollTimeout, CycleTicket.LongestWait + TimeSpan.FromSeconds(1), new Orleans.Configuration.ClientMessagingOptions().ResponseTimeout - TimeSpan.FromSeconds(1));
    }
}
