using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Cluster;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>Which runner an end-to-end test runs against.</summary>
public enum RunnerKind
{
    /// <summary>The single-process runner over the LiteDB file.</summary>
    Embedded,

    /// <summary>A tenant grain on a 3-silo cluster over PostgreSQL (<see cref="ClusterFixture"/>).</summary>
    Cluster,
}

/// <summary>
/// One tenant under test, whichever runner runs it: the same emulators, options and fake clock
/// (<see cref="RunnerTestHost"/>), its state (the LiteDB file, or its rows in the cluster database, as operators see
/// them) and its cycles (the embedded runner's, or its grain's on the cluster). End-to-end test bodies take a
/// <see cref="RunnerKind"/> and run unchanged against both.
/// </summary>
internal sealed class TenantUnderTest : IAsyncDisposable
{
    private readonly RunnerTestHost? embedded;
    private readonly ClusterRunnerTests.Tenant? onCluster;

    private TenantUnderTest(RunnerTestHost host) => embedded = host;

    private TenantUnderTest(ClusterRunnerTests.Tenant tenant) => onCluster = tenant;

    /// <summary>Both kinds, for <c>[MemberData]</c>.</summary>
    public static TheoryData<RunnerKind> Kinds => new() { RunnerKind.Embedded, RunnerKind.Cluster };

    public RunnerKind Kind => onCluster is null ? RunnerKind.Embedded : RunnerKind.Cluster;

    public RunnerTestHost H => embedded ?? onCluster!.H;

    public ConnectorTestHost T => H.T;

    /// <summary>The tenant's state as operators reach it (unfenced).</summary>
    public IStateStore Store => (IStateStore?)onCluster?.Store ?? embedded!.Store;

    public StateQueries Queries => new(Store);

    public List<OperatorNotice> Notices => H.Notices;

    /// <summary>The tenant's key in the cluster (cluster kind only).</summary>
    public ClusterRunnerTests.Tenant Clustered => onCluster ?? throw new InvalidOperationException("not on a cluster");

    public static async Task<TenantUnderTest> StartAsync(
        RunnerKind kind,
        ClusterFixture cluster,
        string rules = "embedded:default",
        ApiVersion dialect = ApiVersion.V2,
        string[]? mailboxes = null,
        Action<RunnerOptions>? configure = null) => kind switch
        {
            RunnerKind.Embedded => new(await RunnerTestHost.StartAsync(rules, dialect, autoShare: true, mailboxes: mailboxes, configure: configure)),
            _ => new(await ClusterRunnerTests.Tenant.StartAsync(cluster, rules, dialect, mailboxes ?? [ConnectorTestHost.Alice, ConnectorTestHost.Bob], configure)),
        };

    /// <summary>One cycle, advancing the fake clock through every retry the connectors schedule.</summary>
    public async Task<CycleReport> CycleAsync()
    {
        if (embedded is not null)
        {
            return await embedded.CycleAsync();
        }

        var r = await onCluster!.CycleAsync();
        return new CycleReport(r.Synced, r.Skipped, r.Failed, r.Decisions, r.Held, r.ApprovedApplied, r.KillSwitch, r.Error);
    }

    public void Advance(TimeSpan by) => H.Advance(by);

    public async ValueTask DisposeAsync()
    {
        if (embedded is not null)
        {
            await embedded.DisposeAsync();
        }

        if (onCluster is not null)
        {
            await onCluster.DisposeAsync();
        }
    }
}
