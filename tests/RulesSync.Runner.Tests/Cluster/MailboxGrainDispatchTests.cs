using System.Diagnostics;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// A 3-silo cluster whose calls between grains time out after <see cref="ResponseTimeout"/> (Orleans' default is 30 s):
/// a mailbox sync held longer than that shows that no call waits for a sync.
/// </summary>
public sealed class ShortResponseTimeoutClusterFixture : ClusterFixture
{
    /// <summary>The silos' response timeout.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(3);

    protected override TimeSpan? SiloResponseTimeout => ResponseTimeout;
}

/// <summary>
/// A tenant grain's orders to its mailbox grains are started, then polled (<see cref="MailboxGrainDispatch"/>): a
/// mailbox's sync may outlast Orleans' response timeout, and a sync past the order's own limit fails the cycle naming
/// the mailbox while it runs on and saves its work.
/// </summary>
public sealed class MailboxGrainDispatchTests(ShortResponseTimeoutClusterFixture cluster) : IClassFixture<ShortResponseTimeoutClusterFixture>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;

    /// <summary>
    /// Alice's first Graph request is held (the emulator's SlowResponse fault, on the fake clock: held until the test
    /// moves it) for twice the silos' response timeout. On the code that ordered a sync in one grain call, the call timed
    /// out and the tenant's cycle failed ("mailbox sync order(s) failed"); now the order is polled and the cycle succeeds.
    /// </summary>
    [Fact]
    public async Task Cycle_MailboxSyncLongerThanTheResponseTimeout_CompletesAndTheCycleSucceeds()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob], mailboxGrains: true);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        t.H.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Route = "graph.*", Mailbox = Alice, Delay = TimeSpan.FromSeconds(10) });

        var cycle = TenantCycles.RunAsync(cluster.Cluster.Client, t.Key, ClusterRunnerTests.Tenant.Deadline);
        await Bounded.Within(t.H.T.Host.Faults.NextDelayedRequestAsync(), "Alice's first Graph request to be held");
        var held = Stopwatch.StartNew();
        // Real time on purpose: the sync must outlast the silos' response timeout (no outcome depends on how much longer).
        await Task.Delay(2 * ShortResponseTimeoutClusterFixture.ResponseTimeout);
        t.H.T.Time.Advance(TimeSpan.FromSeconds(10));
        var report = await Bounded.Within(t.H.T.CompleteWithRetriesAsync(cycle), "the tenant's cycle after Alice's request was let go");

        Assert.True(held.Elapsed > ShortResponseTimeoutClusterFixture.ResponseTimeout, $"held {held.Elapsed}");
        Assert.Equal((2, 0), (report.Synced, report.Failed));
        Assert.Equal(["Review"], t.H.T.Host.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject));
        Assert.Single(t.H.T.Organization.Calendar(Bob), e => e.Subject == "Review");
        Assert.Empty(t.Store.Effects(EffectStatus.Planned));
        Assert.All(t.Store.Decisions(0, long.MaxValue), d => Assert.Equal(report.LeaseToken, d.Fence));
    }

    /// <summary>
    /// A sync held past its order's limit (2 s here; an hour unless the tenant says otherwise) fails the tenant's cycle
    /// with a message naming the mailbox; the sync runs on in its grain and, once let go, ends, its decisions saved: one
    /// CRM record, nothing left planned.
    /// </summary>
    [Fact]
    public async Task Cycle_MailboxSyncPastItsOrdersLimit_CycleFailsNamingTheMailboxAndTheSyncRunsOnToTheEnd()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(
            cluster, "embedded:default", ApiVersion.V2, [Alice, Bob], mailboxGrains: true, mailboxSyncLimit: TimeSpan.FromSeconds(2));
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        t.H.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Route = "graph.*", Mailbox = Alice, Delay = TimeSpan.FromSeconds(10) });
        var saved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var label = $"sync of {StateStore.Key(Alice)} handed back by its mailbox grain";
        void Observe(string scope, string reached)
        {
            if (scope.StartsWith(t.Key + "@", StringComparison.Ordinal) && reached == label)
            {
                saved.TrySetResult();
            }
        }

        CrashPoints.ScopedObserver += Observe;
        try
        {
            var cycle = TenantCycles.RunAsync(cluster.Cluster.Client, t.Key, ClusterRunnerTests.Tenant.Deadline);
            await Bounded.Within(t.H.T.Host.Faults.NextDelayedRequestAsync(), "Alice's first Graph request to be held");
            var failure = await Assert.ThrowsAsync<ClusterCycleException>(() => Bounded.Within(cycle, "the tenant's cycle to fail past the order's limit"));

            Assert.Equal(CycleState.Failed, failure.State);
            Assert.Contains($"mailbox {Alice}: sync ", failure.Message, StringComparison.Ordinal);
            Assert.Contains("still running after 00:00:02", failure.Message, StringComparison.Ordinal);
            Assert.False(saved.Task.IsCompleted, "Alice's sync ended while its request was held");

            t.H.T.Time.Advance(TimeSpan.FromSeconds(10));
            await Bounded.Within(saved.Task, "Alice's sync, let go, to end in its grain");
        }
        finally
        {
            CrashPoints.ScopedObserver -= Observe;
        }

        Assert.Equal(["Review"], t.H.T.Host.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject));
        Assert.Empty(t.Store.Effects(EffectStatus.Planned));
    }
}
