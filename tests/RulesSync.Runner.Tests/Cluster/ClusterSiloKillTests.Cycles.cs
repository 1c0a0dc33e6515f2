using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Tests.Cluster;

public sealed partial class ClusterSiloKillTests
{
    /// <summary>How long the lost-cycle test waits for another party (the pause, the fencing, the kill) before it fails saying what it waited for.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

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
        await EnsureThreeSilosAsync();
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes, mailboxGrains: false);
        var world = ClusterOutcome.Schedule(t);
        var grain = cluster.Tenant(t.Key);
        using var pause = new Pause(t.Key);
        CrashPoints.ScopedObserver += pause.Observe;
        try
        {
            var ticket = await StartUntilPausedAsync(grain, t.Key, pause);
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
            var fencedOff = await Within(pause.FencedOff.Task, $"the paused activation on {pause.Silo} (lease {ticket.LeaseToken}, holding {pause.Meeting}) to be fenced off once resumed");
            output.WriteLine($"resumed and refused: '{fencedOff}'");
            await Within(dead, $"the kill of silo {pause.Silo}");
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
    /// Starts the tenant's cycle until one reaches the pause (its first meeting lease). A cycle that ends before it — on a
    /// loaded machine the shared database may refuse or time out a connection, and the cycle fails before its first
    /// decision, as it should; that is what hung this test when it awaited the pause alone — is reported and another
    /// started (the product's answer to a failed cycle), at most three times.
    /// </summary>
    private async Task<CycleTicket> StartUntilPausedAsync(ITenantGrain grain, string tenant, Pause pause)
    {
        var endedEarly = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var ticket = await grain.StartCycleAsync();
            Assert.False(ticket.Joined);
            var cycle = TenantCycles.WaitAsync(grain, tenant, ticket, Bound);
            var first = await Task.WhenAny(pause.Reached.Task, cycle);
            if (first == pause.Reached.Task)
            {
                // The poller keeps polling the paused activation until its own deadline; its outcome is not this test's.
                _ = cycle.ContinueWith(c => c.Exception, TaskScheduler.Default);
                return ticket;
            }

            var outcome = cycle.IsCompletedSuccessfully ? $"finished: {cycle.Result}" : cycle.Exception!.InnerException!.Message;
            endedEarly.Add($"cycle {ticket.CycleId} on {ticket.Silo} ended before its first meeting lease ({outcome})");
            output.WriteLine(endedEarly[^1]);
        }

        throw new Xunit.Sdk.XunitException($"no cycle reached its first meeting lease: {string.Join("; ", endedEarly)}");
    }

    /// <summary>Awaits <paramref name="task"/> at most <see cref="Bound"/>; past it the test fails naming what it waited for.</summary>
    internal static async Task Within(Task task, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(Bound)) != task)
        {
            throw new Xunit.Sdk.XunitException($"waited {Bound} for {what}; it did not happen");
        }

        await task;
    }

    /// <inheritdoc cref="Within(Task, string)"/>
    internal static async Task<T> Within<T>(Task<T> task, string what)
    {
        await Within((Task)task, what);
        return await task;
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
