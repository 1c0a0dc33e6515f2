using RulesSync.Engine.Changes;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Tests.Cluster;

public sealed partial class ClusterSiloKillTests
{
    /// <summary>
    /// A network partition of one silo: the silo hosting the tenant is paused mid-cycle while it holds a meeting's
    /// lease, and the other silos declare it dead (its membership ends, as when it is cut off); its paused activation
    /// still runs, as a partitioned process does. A successor activation on another silo takes the tenant's lease by
    /// itself (nobody helps it here), breaks the leases the old activation held and syncs. When the paused activation
    /// resumes, its next write is refused: nothing it journals or records after the takeover is kept.
    /// </summary>
    [Fact]
    public async Task SiloCutOffWhileHoldingAMeetingLease_SuccessorTakesOver_CutOffGrainWritesNothingMore()
    {
        await EnsureThreeSilosAsync();
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes);
        var world = ClusterOutcome.Schedule(t);
        var first = await cluster.Tenant(t.Key).LeaseTokenAsync();
        using var pause = new Pause(t.Key);
        CrashPoints.ScopedObserver += pause.Observe;
        try
        {
            var cutOffCycle = RulesSync.Runner.Cluster.TenantCycles.RunAsync(cluster.Cluster.Client, t.Key, ClusterRunnerTests.Tenant.Deadline);
            await Within(pause.Reached.Task, "the cycle to take its first meeting lease");
            var journaledBefore = world.Meetings.SelectMany(m => t.Store.DecisionsOfMeeting(m.Uid)).Select(d => d.Id).ToHashSet();

            // The others declare the paused silo dead; its threads are not stopped (in process, as across a partition).
            var handle = cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.ToString() == pause.Silo);
            var declaredDead = Task.Run(() => cluster.Cluster.KillSiloAsync(handle));
            await cluster.Cluster.WaitForLivenessToStabilizeAsync(didKill: true);
            t.H.Advance(TimeSpan.FromMinutes(1));
            world.UsersKeepChanging();

            var last = await RecoverAsync(t);

            Assert.Equal(0, last.Report.Failed);
            Assert.NotEqual(pause.Silo, last.Report.Silo);
            var successor = last.Report.LeaseToken;
            Assert.True(successor > first, $"successor token {successor}, first {first}");
            var paused = t.Store.DecisionsOfMeeting(pause.Meeting!);
            Assert.Contains(paused, d => d.Fence == successor && d.MeetingFence > pause.Token);

            // The paused activation resumes after the takeover: its next write is refused, and it leaves.
            pause.Resume();
            var fencedOff = await Within(pause.FencedOff.Task, $"the paused activation on {pause.Silo} (holding {pause.Meeting}) to be fenced off once resumed");
            await Assert.ThrowsAnyAsync<Exception>(() => cutOffCycle);
            await Within(declaredDead, $"the kill of silo {pause.Silo}");
            output.WriteLine($"cut off {pause.Silo} holding {pause.Meeting} (meeting token {pause.Token}, tenant token {first}); successor on {last.Report.Silo} with tenant token {successor}; resumed and refused: '{fencedOff}'");

            Assert.Contains($"token {first}", fencedOff, StringComparison.Ordinal);
            var after = world.Meetings.SelectMany(m => t.Store.DecisionsOfMeeting(m.Uid)).Where(d => !journaledBefore.Contains(d.Id)).ToList();
            Assert.DoesNotContain(after, d => d.Fence == first);
            Assert.DoesNotContain(t.Store.DecisionsOfMeeting(pause.Meeting!), d => d.MeetingFence == pause.Token);
            world.AssertNothingLostDuplicatedOrCancelled();
            world.AssertMeetingFencesOnlyGoUp();
        }
        finally
        {
            CrashPoints.ScopedObserver -= pause.Observe;
            pause.Resume();
        }
    }

    /// <summary>Pauses the tenant's cycle right after it takes its first meeting lease, until resumed; then watches for its fencing off.</summary>
    private sealed class Pause(string tenant) : IDisposable
    {
        private const string Taken = "meeting lease on ";
        private readonly ManualResetEventSlim resume = new();
        private int fired;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> FencedOff { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Silo { get; private set; }

        public string? Meeting { get; private set; }

        public long Token { get; private set; }

        public void Observe(string scope, string label)
        {
            var at = scope.LastIndexOf('@');
            if (scope[..at] != tenant)
            {
                return;
            }

            if (label.StartsWith("fenced off", StringComparison.Ordinal) && scope[(at + 1)..] == Silo)
            {
                FencedOff.TrySetResult(label);
                return;
            }

            if (!label.StartsWith(Taken, StringComparison.Ordinal) || Interlocked.Exchange(ref fired, 1) == 1)
            {
                return;
            }

            // "meeting lease on {key} taken (token {n})"
            Silo = scope[(at + 1)..];
            var rest = label[Taken.Length..];
            var open = rest.LastIndexOf(" taken (token ", StringComparison.Ordinal);
            Meeting = rest[..open];
            Token = long.Parse(rest[(open + " taken (token ".Length)..^1], System.Globalization.CultureInfo.InvariantCulture);
            Reached.TrySetResult();
            resume.Wait();
        }

        public void Resume() => resume.Set();

        public void Dispose() => resume.Dispose();
    }
}
