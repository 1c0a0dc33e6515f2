using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Tests.Cluster;

public sealed partial class ClusterSiloKillTests
{
    /// <summary>
    /// A second start while the tenant's cycle runs joins it: same cycle id, one cycle in the tenant's row, both
    /// callers get the same report.
    /// </summary>
    [Fact]
    public async Task StartCycle_WhileOneRuns_JoinsItAndTheTenantRunsOneCycle()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes);
        ClusterOutcome.Schedule(t);
        var grain = cluster.Tenant(t.Key);
        var before = t.Store.Tenant().Cycles;

        var first = await grain.StartCycleAsync();
        var second = await grain.StartCycleAsync();
        var reports = await t.H.T.CompleteWithRetriesAsync(Task.WhenAll(
            TenantCycles.WaitAsync(grain, t.Key, first, ClusterRunnerTests.Tenant.Deadline),
            TenantCycles.WaitAsync(grain, t.Key, second, ClusterRunnerTests.Tenant.Deadline)));

        Assert.False(first.Joined);
        Assert.True(second.Joined);
        Assert.Equal(first.CycleId, second.CycleId);
        Assert.Equal(reports[0], reports[1]);
        Assert.Equal(ClusterOutcome.Mailboxes.Length, reports[0].Synced);
        Assert.Equal(before + 1, t.Store.Tenant().Cycles);

        // Finished: the next start is a new cycle.
        var third = await grain.StartCycleAsync();
        Assert.False(third.Joined);
        Assert.NotEqual(first.CycleId, third.CycleId);
        await t.H.T.CompleteWithRetriesAsync(TenantCycles.WaitAsync(grain, t.Key, third, ClusterRunnerTests.Tenant.Deadline));
    }
}
