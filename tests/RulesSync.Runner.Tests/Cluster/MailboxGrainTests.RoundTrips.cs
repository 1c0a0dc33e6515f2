using RulesSync.Engine.Changes;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// What a no-change cycle costs the cluster database, counted (not timed) by the store's own round-trip counter: with
/// mailbox grains against tenant-local syncs of the same tenant shape.
/// </summary>
public sealed partial class MailboxGrainTests
{
    /// <summary>
    /// A settled tenant of three mailboxes, one no-change cycle each way: with mailbox grains the orders carry the sync
    /// state the cycle read and the grains hand their finished syncs back for the tenant's one write, so the cycle costs
    /// the database no more transactions than when the tenant grain syncs its mailboxes itself, and one more round trip
    /// only: the deletion of the earlier cycles' budget counts (mailbox grains count destructive effects against the
    /// tenant's budget in the database), in the same transaction. On the code before, each grain read its mailbox's row
    /// and wrote its sync in a transaction of its own: 6 round trips and 2 transactions more per mailbox.
    /// </summary>
    [Fact]
    public async Task Cycle_NoChangeWithMailboxGrains_NoMoreDatabaseRoundTripsThanTenantLocalSyncs()
    {
        string[] mailboxes = [Alice, Bob, Carol];
        using var local = await NoChangeCycleAsync(mailboxes, mailboxGrains: false);
        using var grains = await NoChangeCycleAsync(mailboxes, mailboxGrains: true);
        var both = $"mailbox grains: {grains.RoundTrips} round trips, {grains.Transactions} transactions{Environment.NewLine}{grains.Breakdown()}{Environment.NewLine}"
            + $"tenant-local syncs: {local.RoundTrips} round trips, {local.Transactions} transactions{Environment.NewLine}{local.Breakdown()}";
        output.WriteLine(both);

        Assert.True(local.RoundTrips > 0, "no round trip of the tenant-local cycle counted");
        Assert.True(grains.Transactions <= local.Transactions, both);
        Assert.True(grains.RoundTrips <= local.RoundTrips + 1, both);
    }

    /// <summary>A settled tenant's no-change cycle, its store's round trips counted.</summary>
    private async Task<StoreRoundTripCount> NoChangeCycleAsync(string[] mailboxes, bool mailboxGrains)
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, mailboxes, mailboxGrains: mailboxGrains);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob, Carol));
        for (var i = 0; i < 6 && (await t.CycleAsync()).Decisions > 0; i++)
        {
        }

        var count = new StoreRoundTripCount(t.Key);
        var report = await t.CycleAsync();
        Assert.Equal((mailboxes.Length, 0, 0), (report.Synced, report.Failed, report.Decisions));
        return count;
    }
}
