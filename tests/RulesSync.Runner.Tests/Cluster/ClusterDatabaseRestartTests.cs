using System.Text.RegularExpressions;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Diagnostics;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Issue 17 §4: the cluster's PostgreSQL stopped by its PID in the middle of a tenant's cycle (immediate shutdown, as
/// a crash would), and started again at once or only after the cycle failed, on a 3-silo cluster of its own; users
/// change meetings meanwhile. After recovery: nothing lost, duplicated or cancelled, nothing left planned, meeting
/// tokens only going up. Restarted at once, the cycle goes on unharmed: a transaction that finds its pooled
/// connection dead before its commit, and a meeting lease's statements, run again on a fresh one.
/// </summary>
public sealed class ClusterDatabaseRestartTests(PrivateServerClusterFixture cluster, ITestOutputHelper output) : IClassFixture<PrivateServerClusterFixture>
{
    /// <summary>Where the database goes down, and whether it is back at once (true) or only after the cycle gave up.</summary>
    public static TheoryData<string, bool> Restarts => new()
    {
        { "^journaled decision .* before its effects$", true },
        { "^journaled decision .* before its effects$", false },
        { "^effect \\S+ marked applied$", false },
    };

    [Theory]
    [MemberData(nameof(Restarts))]
    public async Task DatabaseStoppedMidCycle_ClusterRecoversAfterTheRestart_NothingLostDuplicatedOrCancelled(string point, bool atOnce)
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, ClusterOutcome.Mailboxes);
        var world = ClusterOutcome.Schedule(t);
        var stop = new Regex(point, RegexOptions.CultureInvariant);
        var fired = 0;
        string? where = null;
        void Observe(string scope, string label)
        {
            if (!scope.StartsWith(t.Key + "@", StringComparison.Ordinal) || !stop.IsMatch(label) || Interlocked.Exchange(ref fired, 1) == 1)
            {
                return;
            }

            where = label;
            cluster.Server.StopKeepingData();
            if (atOnce)
            {
                cluster.Server.RestartAsync().GetAwaiter().GetResult();
            }
        }

        CrashPoints.ScopedObserver += Observe;
        Exception? failed = null;
        RulesSync.Runner.Cluster.ClusterCycleReport? first = null;
        try
        {
            first = await t.CycleAsync();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            failed = e;
        }
        finally
        {
            CrashPoints.ScopedObserver -= Observe;
        }

        Assert.True(
            where is not null,
            $"no crash point matching {point} was reached; the cycle {(failed is null ? $"synced {first?.Synced}, failed {first?.Failed}" : $"threw {failed.GetType().Name}: {failed.Message}")}");
        if (atOnce)
        {
            // Back before the cycle's next statement: every pooled connection is dead, and each statement that meets
            // one (a transaction before its commit, a lease taken, renewed or released) runs again on a fresh one.
            Assert.True(failed is null && first is { Failed: 0, Synced: 3 }, $"a restart between two statements failed the cycle: {failed?.Message ?? $"synced {first?.Synced}, failed {first?.Failed}"}");
        }
        else
        {
            // The database stayed down for the rest of the cycle: it cannot have synced every mailbox.
            Assert.True(failed is not null || first is { Failed: > 0 }, "the cycle synced every mailbox with its database down");
        }
        if (!atOnce)
        {
            await cluster.Server.RestartAsync();
        }

        world.UsersKeepChanging();

        // Cycles until one syncs every mailbox; each after the breaker's back-off (a failed mailbox waits it out).
        var cycles = 0;
        RulesSync.Runner.Cluster.ClusterCycleReport? last = null;
        while (cycles < 6 && last is not { Failed: 0, Synced: 3 })
        {
            t.H.Advance(TimeSpan.FromMinutes(5));
            cycles++;
            try
            {
                last = await t.CycleAsync();
                output.WriteLine($"recovery cycle {cycles}: synced {last.Synced}, failed {last.Failed}, skipped {last.Skipped}");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                output.WriteLine($"recovery cycle {cycles}: {e}");
                last = null;
            }
        }

        // And two more, for the users' last moves to settle everywhere.
        last = await t.CycleAsync();
        last = await t.CycleAsync();
        output.WriteLine($"database stopped at '{where}', restarted {(atOnce ? "at once" : "after the cycle")}; the cycle {(failed is null ? $"synced {first?.Synced}, failed {first?.Failed}" : "failed: " + failed.GetType().Name + ": " + failed.Message)}; {cycles} cycle(s) to recover");
        Assert.Equal(0, last.Failed);
        Assert.Equal(3, last.Synced);
        world.AssertNothingLostDuplicatedOrCancelled();
        world.AssertMeetingFencesOnlyGoUp();
    }
    [Fact]
    public async Task Transaction_OnAPoolOfConnectionsTheRestartKilled_RunsAgainOnAFreshOneAndIsKept()
    {
        using var store = RulesSync.Runner.State.PostgresStateStore.Open(cluster.ConnectionString, $"restart-{Guid.NewGuid():N}");
        store.UpdateTenant(t => t.KillSwitchBy = "before the restart");

        // Every connection this store's pool holds dies with the server; the next write's first statement meets one.
        cluster.Server.StopKeepingData();
        await cluster.Server.RestartAsync();

        store.UpdateTenant(t => t.KillSwitchBy = "after the restart");
        using var again = RulesSync.Runner.State.PostgresStateStore.Open(cluster.ConnectionString, store.Tenant().Tenant!);
        Assert.Equal("after the restart", again.Tenant().KillSwitchBy);
    }
}
