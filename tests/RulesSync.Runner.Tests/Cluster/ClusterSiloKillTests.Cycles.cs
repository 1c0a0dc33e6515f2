using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Tests.Cluster;

public sealed partial class ClusterSiloKillTests
{
    /// <summary>
    /// A started cycle whose silo dies: the caller, polling with its cycle id, is told the cycle was lost (the new
    /// activation does not know it) instead of waiting on the dead silo; the next cycle it starts runs on the new
    /// activation under a later lease and settles everything (nothing lost, duplicated or cancelled). The old
    /// activation, resumed afterwards, writes nothing more (fenced off as in the partition test).
    /// </summary>
    [Fact]
    public async Task SiloDiesWithAStartedCycle_CallerSeesItLost_NextCycleRunsOnTheNewActivation()
    {
        if (cluster.Cluster.GetActiveSilos().Count() < 3)
        {
            await cluster.Cluster.StartAdditionalSilosAsync(3 - cluster.Cluster.GetActiveSilos().Count());
            await cluster.Cluster.WaitForLivenessToStabilizeAsync();
        }

        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes);
        var world = ClusterOutcome.Schedule(t);
        var grain = cluster.Tenant(t.Key);
        using var pause = new Pause(t.Key);
        CrashPoints.ScopedObserver += pause.Observe;
        try
        {
            var ticket = await grain.StartCycleAsync();
            Assert.False(ticket.Joined);
            await pause.Reached.Task;
            Assert.Equal(ticket.Silo, pause.Silo);

            var handle = cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.ToString() == pause.Silo);
            var dead = Task.Run(() => cluster.Cluster.KillSiloAsync(handle));
            await cluster.Cluster.WaitForLivenessToStabilizeAsync(didKill: true);

            var lost = await Assert.ThrowsAsync<ClusterCycleException>(() => TenantCycles.WaitAsync(grain, t.Key, ticket, ClusterRunnerTests.Tenant.Deadline));
            Assert.Equal(CycleState.Lost, lost.State);
            Assert.Contains(ticket.CycleId, lost.Message, StringComparison.Ordinal);

            t.H.Advance(TimeSpan.FromMinutes(1));
            world.UsersKeepChanging();
            ClusterCycleResult last = default;
            for (var i = 0; i < 3; i++)
            {
                last = await CycleAsync(t);
            }

            output.WriteLine($"cycle {ticket.CycleId} on {ticket.Silo} lost with its silo ({lost.Message}); next cycles on {last.Report.Silo} with lease {last.Report.LeaseToken}");
            Assert.Equal(0, last.Report.Failed);
            Assert.NotEqual(ticket.Silo, last.Report.Silo);
            Assert.True(last.Report.LeaseToken > ticket.LeaseToken, $"successor lease {last.Report.LeaseToken}, lost cycle's {ticket.LeaseToken}");

            pause.Resume();
            await pause.FencedOff.Task;
            await dead;
            world.AssertNothingLostDuplicatedOrCancelled();
            world.AssertMeetingFencesOnlyGoUp();
        }
        finally
        {
            CrashPoints.ScopedObserver -= pause.Observe;
            pause.Resume();
        }
    }

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
