using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Operators acting on the cluster database (<see cref="PostgresStateStore"/>, as the CLI does in cluster mode) while a
/// tenant grain on a 3-silo cluster over PostgreSQL runs: suspend and resume, the kill switch. The incident orderings,
/// held effects and fault campaigns run here too, from the live runner's own test bodies
/// (<see cref="LiveRunnerTests"/>, <see cref="RunnerKind.Cluster"/>).
/// </summary>
public sealed class ClusterRunnerTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Regression = "embedded:regressions/2020-02-ordering";

    [Fact]
    public async Task SuspendResume_ChangesWhileSuspended_AreSettledOnResumeWithNothingLost()
    {
        await using var t = await Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob]);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("First", 1, Bob));
        await t.CycleAsync();
        var cursor = t.Store.SyncState(Alice).Cursor;
        new TenantOperations(t.Store, t.H.T.Time).Suspend(Alice, "ops", "investigating");

        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("While suspended", 3, Bob));
        var suspended = await t.CycleAsync();

        Assert.Equal(1, suspended.Skipped);
        Assert.Equal(cursor, t.Store.SyncState(Alice).Cursor);

        new TenantOperations(t.Store, t.H.T.Time).Resume(Alice, "ops");
        await t.CycleAsync();
        await t.CycleAsync();

        var subjects = t.H.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment).Select(a => a.Subject).Order().ToArray();
        Assert.Equal(["First", "While suspended"], subjects);
        Assert.Equal(MailboxStatus.Active, t.Store.Mailbox(Alice)!.Status);
    }

    [Fact]
    public async Task KillSwitch_OnInTheDatabase_NoMailboxSyncsOnAnySilo()
    {
        await using var t = await Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob]);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        new TenantOperations(t.Store, t.H.T.Time).Suspend(null, "ops", "incident");

        var report = await t.CycleAsync();

        Assert.True(report.KillSwitch);
        Assert.Equal(0, report.Synced);
        Assert.Empty(t.H.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));
    }

    /// <summary>The 2020-02 regression rules, the attendee syncing first, three cycles: the guard has held the spurious cancellation.</summary>
    internal static async Task<Tenant> WithHeldEffectsAsync(ClusterFixture cluster)
    {
        var t = await Tenant.StartAsync(cluster, Regression, ApiVersion.V2, [Bob, Alice], o => o.Guards.MaxDestructivePerMailbox = 0);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob));
        for (var i = 0; i < 3; i++)
        {
            await t.CycleAsync();
        }

        Assert.NotEmpty(t.Queries.HeldEffects());
        return t;
    }

    /// <summary>A test's tenant in the cluster: its emulators and connections, its grain, its rows in the cluster database.</summary>
    internal sealed class Tenant : IAsyncDisposable
    {
        private Tenant(ClusterFixture cluster, RunnerTestHost host, bool mailboxGrains, TimeSpan? mailboxSyncLimit = null)
        {
            Cluster = cluster;
            H = host;
            Key = cluster.Host(host, mailboxGrains: mailboxGrains, mailboxSyncLimit: mailboxSyncLimit);
            Store = PostgresStateStore.Open(cluster.TestConnections, Key);
        }

        public ClusterFixture Cluster { get; }

        public RunnerTestHost H { get; }

        public string Key { get; }

        /// <summary>The tenant's rows, unfenced: what an operator command reads and writes.</summary>
        public PostgresStateStore Store { get; }

        public StateQueries Queries => new(Store);

        /// <summary>A tenant of <paramref name="mailboxes"/>; with <paramref name="mailboxGrains"/> they sync in mailbox grains over the silos.</summary>
        public static async Task<Tenant> StartAsync(
            ClusterFixture cluster, string rules, ApiVersion dialect, string[] mailboxes, Action<RulesSync.Runner.Configuration.RunnerOptions>? configure = null, bool mailboxGrains = true,
            TimeSpan? mailboxSyncLimit = null) =>
            new(cluster, await RunnerTestHost.StartAsync(rules, dialect, autoShare: true, mailboxes: mailboxes, configure: configure), mailboxGrains, mailboxSyncLimit);

        /// <summary>The silo each mailbox's grain runs on (the grains' activations of the last cycle).</summary>
        public async Task<string[]> MailboxSilosAsync(params string[] mailboxes) =>
            await Task.WhenAll(mailboxes.Select(m => Cluster.Cluster.Client.GetGrain<IMailboxGrain>(MailboxGrainKey.Of(Key, m)).SiloAsync()));

        /// <summary>How long a test waits for one cycle (polled: a cycle lost with its silo is seen long before).</summary>
        public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

        /// <summary>One cycle by the tenant's grain, wherever it lives, advancing the fake clock through the connectors' retries.</summary>
        public async Task<ClusterCycleReport> CycleAsync() => await H.T.CompleteWithRetriesAsync(TenantCycles.RunAsync(Cluster.Cluster.Client, Key, Deadline));

        public async ValueTask DisposeAsync()
        {
            Store.Dispose();
            await H.DisposeAsync();
        }
    }
}
