using RulesSync.Engine.Changes;
using RulesSync.Runner.Diagnostics;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Issue 17 §4, a network partition of one silo, by the network itself: the silo holding a tenant's meeting lease
/// mid-cycle has its sockets cut (<see cref="LoopbackProxy"/>: its silo links both ways or one way only, its gateway,
/// and its database link or not) while it keeps running; the other silos declare it dead on their own (missed
/// probes), a successor takes the tenant over and syncs while users change meetings; the cut-off activation, resumed,
/// writes nothing more: the journal refuses it (fenced off), nothing is journaled under its tokens after the takeover,
/// and the outcome is the kill campaign's (0 lost, 0 duplicated, 0 spurious, nothing left planned).
/// </summary>
public sealed class ClusterPartitionTests(PartitionClusterFixture cluster, ITestOutputHelper output) : IClassFixture<PartitionClusterFixture>
{
    /// <summary>
    /// Cut off from the other silos and from PostgreSQL, silently (packets dropped): it cannot write while cut, and once
    /// healed — it reaches the database again — its first write is refused.
    /// </summary>
    [Fact]
    public Task SiloCutOffFromSilosAndDatabase_SuccessorTakesOver_HealedSiloWritesNothingMore() =>
        PartitionAsync("silos and database, blackhole", database: true, oneWay: false, s => cluster.Network.Partition(s, database: true, CutMode.Blackhole));

    /// <summary>
    /// Cut off from the other silos only (connections reset, new ones refused): it still reaches PostgreSQL the whole
    /// time (and renews the meeting lease it holds), and the fence alone stops it — its write is refused by the database
    /// while it is still partitioned.
    /// </summary>
    [Fact]
    public Task SiloCutOffFromSilosOnly_StillReachesDatabase_FencingRefusesItsWrites() =>
        PartitionAsync("silos only, refused", database: false, oneWay: false, s => cluster.Network.Partition(s, database: false, CutMode.Refuse));

    /// <summary>
    /// An asymmetric partition: what it sends the other silos is lost (silently), what they send still reaches it — their
    /// probes among it. They hear nothing from it, so Orleans' connection liveness check does not suppress their votes
    /// and they declare it dead; it reads so through its database link (reachable the whole time), and the fence refuses
    /// its write, as when cut off both ways (docs/scale-out.md, "A link cut one way").
    /// </summary>
    [Fact]
    public Task SiloWhoseMessagesToSilosAreLost_StillHearingThem_IsDeclaredDeadAndFenced() =>
        PartitionAsync("one way: its messages to the silos lost, theirs still arriving", database: false, oneWay: true, s => cluster.Network.PartitionOneWay(s, itsOutbound: true));

    /// <summary>
    /// The tenant's grain syncs its mailboxes itself (no mailbox grains), so the silo that holds the paused lease holds
    /// the tenant's cycle too, and its caller is told the cycle was lost. (With mailbox grains the paused mailbox's silo
    /// may not be the tenant's, and a mailbox of the same meeting on a connected silo waits for the cut-off silo's lease
    /// until Orleans' 30-second response timeout fails its order: the known limit of a mailbox order being one grain
    /// call; runs took 73 to 86 s that way.) The cut-off silo is told it was declared dead — through its own database
    /// link, during the partition or after the heal — and runs on (<see cref="PartitionClusterFixture"/>).
    /// </summary>
    private async Task PartitionAsync(string cut, bool database, bool oneWay, Action<SiloNetwork.SiloLinks> partition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ClusterSiloKillTests.EnsureThreeSilosAsync(cluster.Cluster);
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes, mailboxGrains: false);
        var world = ClusterOutcome.Schedule(t);
        var grain = cluster.Tenant(t.Key);
        var first = await grain.LeaseTokenAsync();
        using var pause = new LeasePause(t.Key);
        CrashPoints.ScopedObserver += pause.Observe;
        Orleans.TestingHost.SiloHandle? partitioned = null;
        try
        {
            var (_, cutOffCycle) = await pause.StartCycleUntilReachedAsync(grain, output);
            var paused = clock.Elapsed;

            // The silo that holds the lease loses its sockets; its threads run on (the paused one waits for the test).
            var handle = partitioned = cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.ToString() == pause.Silo);
            var cutOff = cluster.Network.Of(handle.SiloAddress);
            var passedBefore = cluster.Network.PassedOneWay;
            partition(cutOff);
            await Bounded.Until(() => cluster.DeclaredDeadAsync(handle.SiloAddress), $"the other silos to declare {pause.Silo} dead once cut off");
            var dead = clock.Elapsed;
            t.H.Advance(TimeSpan.FromMinutes(1));
            world.UsersKeepChanging();

            var last = await ClusterSiloKillTests.RecoverAsync(t);

            Assert.Equal(0, last.Report.Failed);
            Assert.NotEqual(pause.Silo, last.Report.Silo);
            var successor = last.Report.LeaseToken;
            Assert.True(successor > first, $"successor token {successor}, first {first}");
            Assert.Contains(t.Store.DecisionsOfMeeting(pause.Meeting!), d => d.Fence == successor && d.MeetingFence > pause.Token);

            // Cut off from the silos only, it is resumed still partitioned: the database refuses it. Cut off from the
            // database too, it is healed first: it reaches the database again and is refused there.
            if (database)
            {
                cluster.Network.Heal();
            }

            var recovered = clock.Elapsed;
            var reachedBefore = cutOff.Database.ForwardedBytes;
            pause.Resume();
            var fencedOff = await Bounded.Within(pause.FencedOff.Task, $"the cut-off activation on {pause.Silo} (holding {pause.Meeting}) to be fenced off once resumed");
            var reached = cutOff.Database.ForwardedBytes - reachedBefore;
            var told = await Bounded.Within(cutOff.Fatal.Task, $"{pause.Silo} to read that it was declared dead");
            var passed = cluster.Network.PassedOneWay - passedBefore;
            cluster.Network.Heal();
            var cycleEnded = await Bounded.Within(cutOffCycle.ContinueWith(c => c, TaskScheduler.Default), "the cut-off cycle's caller to see it end");
            await StopAsync(handle);
            partitioned = null;
            output.WriteLine(
                $"paused at {paused.TotalSeconds:F1} s, declared dead at {dead.TotalSeconds:F1} s, recovered at {recovered.TotalSeconds:F1} s, done at {clock.Elapsed.TotalSeconds:F1} s: " +
                $"cut off {cutOff.Name} ({pause.Silo}, {cut}, database {(database ? "cut" : "reachable")}; {passed} bytes passed one way) holding {pause.Meeting} (meeting token {pause.Token}, tenant token {first}); " +
                $"declared dead; successor on {last.Report.Silo} with tenant token {successor} after {last.Retries} retried call(s); cut dropped {cluster.Network.DroppedBytes} bytes, reset {cluster.Network.Refused} connections; " +
                $"told '{told[..Math.Min(told.Length, 60)]}...'; resumed and refused through its own database link ({reached} bytes): '{fencedOff}'; its cycle's caller: {(cycleEnded.IsFaulted ? cycleEnded.Exception!.InnerException!.Message : "finished")}");

            Assert.Contains($"token {first}", fencedOff, StringComparison.Ordinal);
            Assert.True(reached > 0, "the refused write did not go through the cut-off silo's own database link");
            Assert.True(cycleEnded.IsFaulted, "the cut-off cycle finished as if nothing happened");
            Assert.True(cluster.Network.DroppedBytes + cluster.Network.Refused > 0, "the cut hit no connection");
            if (!database)
            {
                Assert.Equal(0, cutOff.Database.DroppedBytes + cutOff.Database.Refused);
            }

            // One way, the other silos' messages still reached it while its own were lost; both ways, nothing passed.
            Assert.Equal(oneWay, passed > 0);

            // Per meeting, in journal order, the tenant's token only goes up: nothing was journaled under the cut-off
            // activation's token after its successor's (what it wrote before the takeover, it wrote in its right).
            foreach (var (uid, _, _) in world.Meetings)
            {
                var fences = t.Store.DecisionsOfMeeting(uid).Select(d => d.Fence ?? 0).ToList();
                Assert.Equal(fences.Order(), fences);
            }

            Assert.DoesNotContain(t.Store.DecisionsOfMeeting(pause.Meeting!), d => d.MeetingFence == pause.Token);
            world.AssertNothingLostDuplicatedOrCancelled();
            world.AssertMeetingFencesOnlyGoUp();
        }
        finally
        {
            CrashPoints.ScopedObserver -= pause.Observe;
            pause.Resume();
            cluster.Network.Heal();
            if (partitioned is not null)
            {
                // A failed test leaves the next one three live silos.
                await StopAsync(partitioned);
            }
        }
    }

    /// <summary>Stops the partitioned silo (it is stopping itself once it learned it was declared dead) and drops it from the test cluster.</summary>
    private Task StopAsync(Orleans.TestingHost.SiloHandle silo) =>
        Bounded.Within(Task.Run(() => cluster.Cluster.KillSiloAsync(silo)), $"silo {silo.SiloAddress} to be stopped after the partition");
}
