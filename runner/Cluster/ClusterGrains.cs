namespace RulesSync.Runner.Cluster;

/// <summary>One tenant of the cluster (key: the tenant's name): its cycles over every mailbox.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Runs one cycle of the tenant (rule files, CRM poll, approved effects, every due mailbox).</summary>
    Task<ClusterCycleReport> RunCycleAsync();

    /// <summary>The fencing token this activation writes under.</summary>
    Task<long> LeaseTokenAsync();
}

/// <summary>What one cluster cycle did (the embedded runner's cycle report), with the silo (its address, unique per silo start) and lease token that ran it.</summary>
[GenerateSerializer]
[Immutable]
public sealed record ClusterCycleReport(
    [property: Id(0)] int Synced,
    [property: Id(1)] int Skipped,
    [property: Id(2)] int Failed,
    [property: Id(3)] int Decisions,
    [property: Id(4)] int Held,
    [property: Id(5)] int ApprovedApplied,
    [property: Id(6)] bool KillSwitch,
    [property: Id(7)] string? Error,
    [property: Id(8)] string Silo,
    [property: Id(9)] long LeaseToken);
