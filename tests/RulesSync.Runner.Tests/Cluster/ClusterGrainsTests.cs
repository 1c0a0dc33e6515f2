using System.Reflection;
using Orleans;
using RulesSync.Runner.Cluster;

namespace RulesSync.Runner.Tests.Cluster;

public sealed class ClusterGrainsTests
{
    [Fact]
    public void RunCycleAsync_ResponseTimeout_OutlastsALargeTenantsInitialSync()
    {
        // The scale benchmark's first cycle of a 100-mailbox tenant outlasted Orleans' default 30 s response timeout:
        // the caller gave up (TimeoutException) while the cycle ran on. A tenant cycle may take far longer.
        var attribute = typeof(ITenantGrain).GetMethod(nameof(ITenantGrain.RunCycleAsync))!.GetCustomAttribute<ResponseTimeoutAttribute>();

        Assert.NotNull(attribute);
        Assert.True(attribute.Timeout >= TimeSpan.FromHours(1), $"a tenant cycle may take {attribute.Timeout}");
    }
}
