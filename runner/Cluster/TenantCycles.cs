using System.Diagnostics;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A caller's side of a tenant's cycle (<see cref="ITenantGrain"/>): start it (or join the one running), then poll with
/// short calls until it ends or the caller's deadline passes. A poll that cannot reach the tenant's silo (it died, or
/// is being declared dead) is tried again until the deadline: once the cluster has noticed, the poll reaches a new
/// activation, which does not know the cycle, and the caller learns it was lost (<see cref="ClusterCycleException"/>
/// with <see cref="CycleState.Lost"/>) and may start another, which the new activation runs under its own lease.
/// </summary>
public static class TenantCycles
{
    /// <summary>How long each poll may wait for the cycle to end (well below Orleans' 30 s response timeout).</summary>
    public static readonly TimeSpan PollWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan UnreachablePause = TimeSpan.FromMilliseconds(250);

    /// <summary>Starts (or joins) the tenant's cycle and waits for its report, at most <paramref name="deadline"/> (<see cref="Timeout.InfiniteTimeSpan"/>: until cancelled).</summary>
    public static async Task<ClusterCycleReport> RunAsync(IGrainFactory grains, string tenant, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var grain = grains.GetGrain<ITenantGrain>(tenant);
        var started = Stopwatch.GetTimestamp();
        CycleTicket ticket;
        while (true)
        {
            try
            {
                ticket = await grain.StartCycleAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (Unreachable(e) && (deadline == Timeout.InfiniteTimeSpan || Stopwatch.GetElapsedTime(started) < deadline))
            {
                // The start did not answer in time (an activation slow to come up on a busy silo), or could not reach
                // the silo the directory still names (one that died or was cut off, not yet declared dead). Asking
                // again is safe: a start that did begin the cycle is joined, never run twice.
                await Task.Delay(UnreachablePause, cancellationToken).ConfigureAwait(false);
            }
        }

        var left = deadline == Timeout.InfiniteTimeSpan ? deadline : deadline - Stopwatch.GetElapsedTime(started);
        return await WaitAsync(grain, tenant, ticket, left > TimeSpan.Zero || deadline == Timeout.InfiniteTimeSpan ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for a started cycle's report, at most <paramref name="deadline"/>. Throws <see cref="ClusterCycleException"/>
    /// when the cycle failed, was lost, or is still running at the deadline (it runs on: the caller only stops waiting).
    /// </summary>
    public static async Task<ClusterCycleReport> WaitAsync(ITenantGrain grain, string tenant, CycleTicket ticket, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grain);
        ArgumentNullException.ThrowIfNull(ticket);
        var started = Stopwatch.GetTimestamp();
        var status = await PollAsync(
            wait => grain.CycleStatusAsync(ticket.CycleId, wait), s => s.State == CycleState.Running,
            () => deadline == Timeout.InfiniteTimeSpan ? PollWait : deadline - Stopwatch.GetElapsedTime(started), PollWait, onGrainScheduler: false, cancellationToken).ConfigureAwait(false);
        switch (status?.State)
        {
            case null:
                throw new ClusterCycleException(CycleState.Running, $"tenant {tenant}: cycle {ticket.CycleId} on {ticket.Silo} still running after {deadline}; it runs on, the caller stopped waiting");
            case CycleState.Finished:
                return status.Report!;
            case CycleState.Failed:
                throw new ClusterCycleException(CycleState.Failed, $"tenant {tenant}: cycle {ticket.CycleId} on {ticket.Silo} failed: {status.Error}");
            default:
                throw new ClusterCycleException(CycleState.Lost, $"tenant {tenant}: cycle {ticket.CycleId} on {ticket.Silo} was lost ({status.Error}); start another");
        }
    }

    /// <summary>
    /// Polls a started cycle or mailbox sync (<paramref name="poll"/>, given how long it may wait: <paramref name="pollWait"/>
    /// or what <paramref name="left"/> says is left, if less) until it is no longer <paramref name="running"/> (that
    /// status is returned) or nothing is left (null). A poll that cannot reach the grain's silo (it died, or is being
    /// declared dead) or times out is asked again after a short pause: once the cluster has noticed, the poll reaches a
    /// new activation, which answers lost. <paramref name="onGrainScheduler"/>: continue on the caller's scheduler (a grain's).
    /// </summary>
    internal static async Task<TStatus?> PollAsync<TStatus>(
        Func<TimeSpan, Task<TStatus>> poll, Func<TStatus, bool> running, Func<TimeSpan> left, TimeSpan pollWait, bool onGrainScheduler, CancellationToken cancellationToken)
        where TStatus : class
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = left();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            TStatus status;
            try
            {
                status = await poll(remaining < pollWait ? remaining : pollWait).WaitAsync(cancellationToken).ConfigureAwait(onGrainScheduler);
            }
            catch (Exception e) when (Unreachable(e))
            {
                await Task.Delay(UnreachablePause, cancellationToken).ConfigureAwait(onGrainScheduler);
                continue;
            }

            if (!running(status))
            {
                return status;
            }
        }
    }

    /// <summary>A call that did not reach its grain's silo or did not answer in time: once the cluster has noticed a dead silo, asking again reaches a new activation.</summary>
    private static bool Unreachable(Exception e) =>
        e is Orleans.Runtime.OrleansMessageRejectionException or Orleans.Runtime.SiloUnavailableException or TimeoutException;
}

/// <summary>A tenant's cycle that gave no report: failed, lost with its activation, or still running at the caller's deadline (<see cref="State"/>).</summary>
public sealed class ClusterCycleException : Exception
{
    public ClusterCycleException(CycleState state, string message)
        : base(message) => State = state;

    public ClusterCycleException()
    {
    }

    public ClusterCycleException(string message)
        : base(message)
    {
    }

    public ClusterCycleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Failed, Lost, or Running (the deadline passed).</summary>
    public CycleState State { get; }
}
