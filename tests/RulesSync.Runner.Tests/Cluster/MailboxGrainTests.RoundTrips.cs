using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// What a no-change cycle costs the cluster database, counted (not timed) by the store's own round-trip counter: with
/// mailbox grains against tenant-local syncs of the same tenant shape.
/// </summary>
public sealed partial class MailboxGrainTests
{
    [Fact]
    public async Task Cycle_NoChangeWithMailboxGrains_RoundTripsNoMoreThanTenantLocalPlusEachGrainsOwnTransaction()
    {
        string[] mailboxes = [Alice, Bob, Carol, Dave];
        using var local = await NoChangeCycleAsync(mailboxes, mailboxGrains: false);
        using var grains = await NoChangeCycleAsync(mailboxes, mailboxGrains: true);
        output.WriteLine($"tenant-local syncs: {local.RoundTrips} round trips, {local.Transactions} transactions{Environment.NewLine}{local.Breakdown()}");
        output.WriteLine($"mailbox grains: {grains.RoundTrips} round trips, {grains.Transactions} transactions{Environment.NewLine}{grains.Breakdown()}");

        Assert.True(grains.Transactions <= local.Transactions + mailboxes.Length, $"{grains.Transactions} transactions with mailbox grains, {local.Transactions} tenant-local:{Environment.NewLine}{grains.Breakdown()}");
    }

    /// <summary>A settled tenant's no-change cycle, its store's round trips counted.</summary>
    private async Task<StoreRoundTripCount> NoChangeCycleAsync(string[] mailboxes, bool mailboxGrains)
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, mailboxes, mailboxGrains: mailboxGrains);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        t.H.T.Organization.ScheduleMeeting(Carol, ConnectorTestHost.Draft("Planning", 2, Dave, Alice));
        for (var i = 0; i < 6 && (await t.CycleAsync()).Decisions > 0; i++)
        {
        }

        var count = new StoreRoundTripCount(t.Key);
        var report = await t.CycleAsync();
        Assert.Equal((mailboxes.Length, 0, 0), (report.Synced, report.Failed, report.Decisions));
        return count;
    }
}
