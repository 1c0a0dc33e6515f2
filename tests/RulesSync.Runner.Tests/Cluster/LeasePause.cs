using RulesSync.Runner.Cluster;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Pauses a tenant's cycle right after it takes its first meeting lease, on whichever silo that happens, until resumed
/// (observe it through <c>CrashPoints.ScopedObserver</c>); then watches for that silo's activation being fenced off.
/// </summary>
internal sealed class LeasePause(string tenant) : IDisposable
{
    private const string Taken = "meeting lease on ";
    private readonly ManualResetEventSlim resume = new();
    private int fired;

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<string> FencedOff { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The silo (its address) where the cycle took the lease and stands paused.</summary>
    public string? Silo { get; private set; }

    public string? Meeting { get; private set; }

    /// <summary>The meeting lease's token the paused activation holds.</summary>
    public long Token { get; private set; }

    public void Observe(string scope, string label)
    {
        var at = scope.LastIndexOf('@');
        if (scope[..at] != tenant)
        {
            return;
        }

        if (label.StartsWith("fenced off", StringComparison.Ordinal) && scope[(at + 1)..] == Silo)
        {
            FencedOff.TrySetResult(label);
            return;
        }

        if (!label.StartsWith(Taken, StringComparison.Ordinal) || Interlocked.Exchange(ref fired, 1) == 1)
        {
            return;
        }

        // "meeting lease on {key} taken (token {n})"
        Silo = scope[(at + 1)..];
        var rest = label[Taken.Length..];
        var open = rest.LastIndexOf(" taken (token ", StringComparison.Ordinal);
        Meeting = rest[..open];
        Token = long.Parse(rest[(open + " taken (token ".Length)..^1], System.Globalization.CultureInfo.InvariantCulture);
        Reached.TrySetResult();
        resume.Wait();
    }

    public void Resume() => resume.Set();

    public void Dispose() => resume.Dispose();

    /// <summary>
    /// Starts the tenant's cycle until one reaches the pause; the cycle's ticket and its caller's wait for it (its
    /// outcome is the test's to observe). A cycle that ends before it — on a loaded machine the shared database may
    /// refuse or time out a connection, and the cycle fails before its first decision, as it should; that is what hung
    /// a test that awaited the pause alone — is reported and another started (the product's answer to a failed
    /// cycle), at most three times.
    /// </summary>
    public async Task<(CycleTicket Ticket, Task<ClusterCycleReport> Cycle)> StartCycleUntilReachedAsync(ITenantGrain grain, ITestOutputHelper output)
    {
        var endedEarly = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var ticket = await grain.StartCycleAsync();
            Assert.False(ticket.Joined);
            var cycle = TenantCycles.WaitAsync(grain, tenant, ticket, Bounded.Bound);
            var first = await Task.WhenAny(Reached.Task, cycle);
            if (first == Reached.Task)
            {
                return (ticket, cycle);
            }

            var outcome = cycle.IsCompletedSuccessfully ? $"finished: {cycle.Result}" : cycle.Exception!.InnerException!.Message;
            endedEarly.Add($"cycle {ticket.CycleId} on {ticket.Silo} ended before its first meeting lease ({outcome})");
            output.WriteLine(endedEarly[^1]);
        }

        throw new Xunit.Sdk.XunitException($"no cycle reached its first meeting lease: {string.Join("; ", endedEarly)}");
    }
}
