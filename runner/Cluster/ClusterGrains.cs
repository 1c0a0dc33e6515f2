using Orleans.Concurrency;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// One tenant of the cluster (key: the tenant's name): its cycles over every mailbox. A cycle is never one long grain
/// call: <see cref="StartCycleAsync"/> starts it (or joins the one running) and answers at once with its id, and
/// <see cref="CycleStatusAsync"/> answers within a short wait whether it has finished, with its report. Callers poll
/// with a deadline of their own (<see cref="TenantCycles"/>); every call stays far below Orleans' response timeout,
/// so a caller never waits long on a silo that died or was cut off.
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts one cycle of the tenant (rule files, CRM poll, approved effects, every due mailbox) and answers at once;
    /// when a cycle is running already (started by another caller or the reminder), answers with that one's id: a
    /// tenant never runs two cycles at once.
    /// </summary>
    Task<CycleTicket> StartCycleAsync();

    /// <summary>
    /// The cycle's state: finished (with its report) or failed as soon as it ends within <paramref name="wait"/>
    /// (capped at <see cref="CycleTicket.LongestWait"/>), else running; lost when this activation never ran it (the
    /// activation that did is gone: its silo died or it was fenced off). Interleaves with every other call. Times out
    /// after <see cref="CycleTicket.PollTimeout"/>, not Orleans' 30 s: a poll whose silo was cut off or died while the
    /// poll was on its way gets no answer, and a caller outside the silos (the CLI, a test's client) is not told the
    /// silo died — Orleans fails such calls only inside the silos — so it waits the timeout out before it asks again.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout(CycleTicket.PollTimeoutText)]
    Task<CycleStatus> CycleStatusAsync(string cycleId, TimeSpan wait);

    /// <summary>The fencing token this activation writes under.</summary>
    Task<long> LeaseTokenAsync();
}

/// <summary>A started (or joined) cycle: its id (unique in the tenant: the activation's lease token and a counter), where it runs, whether it was running already.</summary>
[GenerateSerializer]
[Immutable]
public sealed record CycleTicket(
    [property: Id(0)] string CycleId,
    [property: Id(1)] bool Joined,
    [property: Id(2)] string Silo,
    [property: Id(3)] long LeaseToken)
{
    /// <summary>The longest a <see cref="ITenantGrain.CycleStatusAsync"/> call waits for the cycle (Orleans' response timeout is 30 s).</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    /// <summary><see cref="PollTimeout"/> as Orleans' <c>ResponseTimeout</c> attribute takes it.</summary>
    public const string PollTimeoutText = "00:00:15";

    /// <summary>
    /// When a <see cref="ITenantGrain.CycleStatusAsync"/> call times out: <see cref="LongestWait"/> and 5 s for the
    /// answer to come back from a busy silo (a poll that times out is asked again, so a slow answer costs one more poll).
    /// </summary>
    public static readonly TimeSpan PollTimeout = TimeSpan.Parse(PollTimeoutText, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Where a cycle is.</summary>
[GenerateSerializer]
public enum CycleState
{
    /// <summary>Still running.</summary>
    Running,

    /// <summary>Ended with a report (which may still say that mailboxes failed or the CRM was down).</summary>
    Finished,

    /// <summary>Ended by an error before its report (the database failed, the activation was fenced off).</summary>
    Failed,

    /// <summary>Unknown to the tenant's activation: the one that ran it is gone with its silo, or was fenced off.</summary>
    Lost,
}

/// <summary>A cycle's state; the report when finished, the error's words when failed.</summary>
[GenerateSerializer]
[Immutable]
public sealed record CycleStatus(
    [property: Id(0)] CycleState State,
    [property: Id(1)] ClusterCycleReport? Report,
    [property: Id(2)] string? Error);

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
