using RulesSync.Emulators.Crm;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Issue 17 item 1: one tenant's mailboxes synced by mailbox grains spread over a 3-silo cluster over PostgreSQL, the
/// tenant grain keeping the CRM poll, the rule set and the kill switch; the mass-change budget shared by the silos.
/// </summary>
public sealed partial class MailboxGrainTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Carol = ConnectorTestHost.Carol;
    private const string Dave = ConnectorTestHost.Dave;
    private const string External = ConnectorTestHost.External;

    [Fact]
    public async Task Cycle_MailboxGrains_OneTenantsMailboxesSyncOnMoreThanOneSiloOnceEach()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob, Carol, Dave], mailboxGrains: true);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        t.H.T.Organization.ScheduleMeeting(Carol, ConnectorTestHost.Draft("Planning", 2, Dave, Alice));

        var first = await t.CycleAsync();
        await t.CycleAsync();

        Assert.Equal((4, 0), (first.Synced, first.Failed));
        var silos = await t.MailboxSilosAsync(Alice, Bob, Carol, Dave);
        Assert.True(silos.Distinct(StringComparer.Ordinal).Count() > 1, $"every mailbox on {silos[0]}");
        Assert.Equal(["Planning", "Review"], t.H.T.Host.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject).Order(StringComparer.Ordinal));
        Assert.Single(t.H.T.Organization.Calendar(Bob), e => e.Subject == "Review");
        Assert.Single(t.H.T.Organization.Calendar(Alice), e => e.Subject == "Planning");
        Assert.Single(t.H.T.Organization.Calendar(Dave), e => e.Subject == "Planning");
        var lease = t.Store.Lease()!.Value.Token;
        var decisions = t.Store.Decisions(0, long.MaxValue);
        Assert.NotEmpty(decisions);
        Assert.All(decisions, d => Assert.True(d.Fence == lease && d.MeetingFence > 0, $"decision {d.MeetingKey}: fence {d.Fence}, meeting fence {d.MeetingFence}"));
        Assert.Empty(t.Store.Effects(EffectStatus.Planned));
    }

    [Fact]
    public async Task Cycle_MailboxGrainsOnTwoSilosTogetherBeyondTenantBudget_NoMoreThanTheBudgetCarriedOut()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(
            cluster, "embedded:default", ApiVersion.V2, [Alice, Bob], o => o.Guards.MaxDestructivePerTenant = 1, mailboxGrains: true);
        var a = t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Alice's visit", 1, External));
        var b = t.H.T.Organization.ScheduleMeeting(Bob, ConnectorTestHost.Draft("Bob's visit", 2, External));
        await t.CycleAsync();
        Assert.Equal(2, t.H.T.Host.Crm.All(CrmActivityKind.Appointment).Count);

        t.H.T.Organization.CancelMeeting(Alice, a.ICalUid);
        t.H.T.Organization.CancelMeeting(Bob, b.ICalUid);
        await t.CycleAsync();

        var silos = await t.MailboxSilosAsync(Alice, Bob);
        Assert.NotEqual(silos[0], silos[1]);
        var applied = t.Store.Effects(EffectStatus.Applied).Where(e => e.Destructive).ToList();
        var held = t.Store.Effects(EffectStatus.Held).Where(e => e.Destructive).ToList();
        Assert.True(applied.Count <= 1, $"{applied.Count} destructive effects carried out: {string.Join("; ", applied.Select(e => e.Description))}");
        Assert.NotEmpty(held);
        Assert.All(held, h => Assert.Contains("across the tenant (limit 1)", h.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cycle_MailboxGrainsOff_TenantsOwnActivationSyncsEveryMailboxOnItsSilo()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob, Carol], mailboxGrains: false);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob, Carol));

        var first = await t.CycleAsync();
        await t.CycleAsync();

        Assert.Equal((3, 0), (first.Synced, first.Failed));
        Assert.Equal(["Review"], t.H.T.Host.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject));
        Assert.Single(t.H.T.Organization.Calendar(Carol), e => e.Subject == "Review");
        // Every decision journaled under the tenant's activation: its silo is the one the cycle report names.
        Assert.All(t.Store.Decisions(0, long.MaxValue), d => Assert.Equal(first.LeaseToken, d.Fence));
    }
}
