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
    /// activation, resumed afterwards, writes nothing more (fenced off as in the partition test). The tenant keeps its
    /// mailboxes (no mailbox grains), so the paused sync runs on the silo that holds the cycle: with mailbox grains a
    /// mailbox's silo may die while the tenant's survives, and the cycle is then failed (the tenant grain saw its order
    /// fail and left), not lost — the silo-kill campaign covers that case.
    /// </summary>
    [Fact]
    public async Task SiloDiesWithAStartedCycle_CallerSeesItLost_NextCycleRunsOnTheNewActivation()
    {
        await EnsureThreeSilosAsync(cluster.Cluster);
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes, mailboxGrains: false);
        var world = ClusterOutcome.Schedule(t);
        var grain = cluster.Tenant(t.Key);
        using var pause = new LeasePause(t.Key);
        CrashPoints.ScopedObserver += pause.Observe;
        try
        {
            var (ticket, cycle) = await pause.StartCycleUntilReachedAsync(grain, output);
            // The poller keeps polling the paused activation until its own deadline; its outcome is not this test's.
            _ = cycle.ContinueWith(c => c.Exception, TaskScheduler.Default);
            Assert.Equal(ticket.Silo, pause.Silo);

            var handle = cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.ToString() == pause.Silo);
            var dead = Task.Run(() => cluster.Cluster.KillSiloAsync(handle));
            await cluster.Cluster.WaitForLivenessToStabilizeAsync(didKill: true);

            var lost = await Assert.ThrowsAsync<ClusterCycleException>(() => TenantCycles.WaitAsync(grain, t.Key, ticket, ClusterRunnerTests.Tenant.Deadline));
            Assert.Equal(CycleState.Lost, lost.State);
            Assert.Contains(ticket.CycleId, lost.Message, StringComparison.Ordinal);

            t.H.Advance(TimeSpan.FromMinutes(1));
            world.UsersKeepChanging();
            var last = await RecoverAsync(t);

            output.WriteLine($"cycle {ticket.CycleId} on {ticket.Silo} lost with its silo ({lost.Message}); next cycles on {last.Report.Silo} with lease {last.Report.LeaseToken}");
            Assert.Equal(0, last.Report.Failed);
            Assert.NotEqual(ticket.Silo, last.Report.Silo);
            Assert.True(last.Report.LeaseToken > ticket.LeaseToken, $"successor lease {last.Report.LeaseToken}, lost cycle's {ticket.LeaseToken}");

            pause.Resume();
            var fencedOff = await Bounded.Within(pause.FencedOff.Task, $"the paused activation on {pause.Silo} (lease {ticket.LeaseToken}, holding {pause.Meeting}) to be fenced off once resumed");
            output.WriteLine($"resumed and refused: '{fencedOff}'");
            await Bounded.Within(dead, $"the kill of silo {pause.Silo}");
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
