using System.Text.RegularExpressions;
using Npgsql;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Issue 17 §4: a silo killed in the middle of a tenant's cycle, at each kind of crash point a cycle passes, on a
/// 3-silo cluster over PostgreSQL; the silo is restarted or not; a user changes meetings meanwhile; the tenant comes
/// back on another silo. After recovery: one CRM record per meeting, one copy per attendee, no cancellation, no effect
/// left planned, and the journal shows the fencing: decisions carry the token of the activation that took them, and
/// nothing was journaled under a token after the lease moved on.
/// </summary>
public sealed partial class ClusterSiloKillTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Carol = ConnectorTestHost.Carol;
    private const string External = ConnectorTestHost.External;

    /// <summary>The crash points of a cycle (runner/Live, runner/Live hooks), by kind: the first of each kind is where the silo dies.</summary>
    public static TheoryData<string> KillPoints => new()
    {
        "^CRM polled$",
        "^approved effects carried out$",
        "^journaled decision .* before its effects$",
        "^effect .* ran, before it is marked applied$",
        "^effect \\S+ marked applied$",
        "^decision .* completed, progress of .* saved$",
        "^sync of .* done, before its state is saved$",
        "^sync of \\S+ saved$",
    };

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task SiloKilledMidCycle_TenantRecoversOnAnotherSilo_NothingLostDuplicatedOrCancelled(string point)
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes);
        var world = ClusterOutcome.Schedule(t);
        var meetings = world.Meetings;
        var first = await cluster.Tenant(t.Key).LeaseTokenAsync();

        var kill = new Kill(cluster, t.Key, new Regex(point, RegexOptions.CultureInvariant));
        CrashPoints.ScopedObserver += kill.Observe;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => t.CycleAsync());
        }
        finally
        {
            CrashPoints.ScopedObserver -= kill.Observe;
        }

        Assert.True(kill.Silo is not null, $"no crash point matching {point} was reached");
        await kill.Done!;
        await cluster.Cluster.WaitForLivenessToStabilizeAsync(didKill: true);
        var restart = cluster.Cluster.GetActiveSilos().Count() < 3 && (point.Length % 2 == 0 || cluster.Cluster.GetActiveSilos().Count() < 2);
        if (restart)
        {
            await cluster.Cluster.StartAdditionalSilosAsync(1);
            await cluster.Cluster.WaitForLivenessToStabilizeAsync();
        }

        // Time passes before the tenant is back (the runner settles effects journaled before its current attempt by
        // their time: on a clock that stood still they would look like this attempt's own).
        t.H.Advance(TimeSpan.FromMinutes(1));

        world.UsersKeepChanging();

        var last = await RecoverAsync(t);

        output.WriteLine($"{point}: killed {kill.Silo} at '{kill.Label}', restarted: {restart}, recovered on {last.Report.Silo} with lease {last.Report.LeaseToken}, {last.Retries} retried call(s)");
        Assert.Equal(0, last.Report.Failed);
        Assert.NotEqual(kill.Silo, last.Report.Silo);

        world.AssertNothingLostDuplicatedOrCancelled();

        // Fencing in the journal: the first activation's decisions carry its token, the successor's carry a later one,
        // and nothing was journaled under the token the kill revoked (nor any other).
        var successor = last.Report.LeaseToken;
        Assert.True(successor > kill.RevokedTo, $"successor token {successor}, revoked to {kill.RevokedTo}");
        var fences = meetings.SelectMany(m => t.Store.DecisionsOfMeeting(m.Uid)).Select(d => d.Fence).ToHashSet();
        Assert.Contains(successor, fences);
        Assert.Subset(new HashSet<long?> { first, successor }, fences);

        world.AssertMeetingFencesOnlyGoUp();
    }

    /// <summary>Three cycles after a fault (the first may retry its call), the last one's result.</summary>
    internal static async Task<ClusterCycleResult> RecoverAsync(ClusterRunnerTests.Tenant t)
    {
        ClusterCycleResult last = default;
        for (var i = 0; i < 3; i++)
        {
            last = await CycleAsync(t);
        }

        return last;
    }

    /// <summary>Back to three silos when an earlier test of the class left fewer.</summary>
    internal static async Task EnsureThreeSilosAsync(Orleans.TestingHost.TestCluster cluster)
    {
        if (cluster.GetActiveSilos().Count() < 3)
        {
            await cluster.StartAdditionalSilosAsync(3 - cluster.GetActiveSilos().Count());
            await cluster.WaitForLivenessToStabilizeAsync();
        }
    }

    internal static async Task<ClusterCycleResult> CycleAsync(ClusterRunnerTests.Tenant t)
    {
        // Right after a kill the first call may still meet the dead silo's directory entries: a few attempts, counted.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new ClusterCycleResult(await t.CycleAsync(), attempt);
            }
            catch (Exception e) when (attempt < 3 && e is not Xunit.Sdk.XunitException)
            {
                // Counted in the report; the next attempt goes through the refreshed directory.
            }
        }
    }

    internal readonly record struct ClusterCycleResult(RulesSync.Runner.Cluster.ClusterCycleReport Report, int Retries);

    /// <summary>
    /// The kill, at the first crash point of the tenant's cycle whose label matches: the lease moves on at once (what
    /// the successor's activation does, done here so that nothing the dying activation still tries is kept), the silo
    /// hosting the tenant is killed (no graceful stop), and the cycle stops there.
    /// </summary>
    private sealed class Kill(ClusterFixture cluster, string tenant, Regex point)
    {
        private int fired;

        public string? Silo { get; private set; }

        public string? Label { get; private set; }

        public long RevokedTo { get; private set; }

        public Task? Done { get; private set; }

        public void Observe(string scope, string label)
        {
            var at = scope.LastIndexOf('@');
            if (scope[..at] != tenant || !point.IsMatch(label) || Interlocked.Exchange(ref fired, 1) == 1)
            {
                return;
            }

            Silo = scope[(at + 1)..];
            Label = label;
            using (var c = new NpgsqlConnection(cluster.ConnectionString))
            {
                c.Open();
                using var revoke = new NpgsqlCommand("UPDATE rulesync_lease SET token = token + 1, holder = @h WHERE tenant = @t RETURNING token", c);
                revoke.Parameters.AddWithValue("h", $"test: silo {Silo} killed at '{label}'");
                revoke.Parameters.AddWithValue("t", tenant);
                RevokedTo = (long)revoke.ExecuteScalar()!;
            }

            var handle = cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.ToString() == Silo);
            Done = Task.Run(() => cluster.Cluster.KillSiloAsync(handle));
            throw new InvalidOperationException($"silo {Silo} killed at crash point '{label}'");
        }
    }
}
