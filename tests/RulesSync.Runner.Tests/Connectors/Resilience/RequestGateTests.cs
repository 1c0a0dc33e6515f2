using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Resilience;

public sealed class RequestGateTests
{
    private static readonly RequestBudgetOptions Budget = new()
    {
        ConcurrentPerMailbox = 4,
        PerMailbox = 3,
        PerMailboxWindow = TimeSpan.FromMinutes(10),
        PerApp = 5,
        PerAppWindow = TimeSpan.FromMinutes(1),
    };

    [Fact]
    public async Task SpendAsync_MailboxBudgetUsedUp_WaitsUntilAWholeWindowHasPassed()
    {
        var time = new FakeTimeProvider();
        using var gate = new RequestGate(Budget with { PerApp = null }, time);
        await gate.SpendAsync("a", 3, CancellationToken.None);

        var fourth = gate.SpendAsync("a", 1, CancellationToken.None).AsTask();
        var other = gate.SpendAsync("b", 1, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        await other;
        Assert.False(fourth.IsCompleted, "a permit came back before its window had passed");

        time.Advance(TimeSpan.FromMinutes(1));
        await fourth;
    }

    [Fact]
    public async Task SpendAsync_AppBudget_IsSharedByEveryMailbox()
    {
        var time = new FakeTimeProvider();
        using var gate = new RequestGate(Budget with { PerMailbox = null }, time);
        for (var i = 0; i < 5; i++)
        {
            await gate.SpendAsync("m" + i, 1, CancellationToken.None);
        }

        var sixth = gate.SpendAsync("m9", 1, CancellationToken.None).AsTask();
        Assert.False(sixth.IsCompleted);

        time.Advance(TimeSpan.FromMinutes(1.2));
        await sixth;
    }

    [Fact]
    public async Task RunAsync_BatchOfThree_HoldsThreeSlotsSoOnlyOneSingleRequestFits()
    {
        using var gate = new RequestGate(Budget, new FakeTimeProvider());
        var release = new TaskCompletionSource<int>();
        var inFlight = 0;
        var peak = 0;
        Task<int> Call(CancellationToken _)
        {
            peak = Math.Max(peak, Interlocked.Increment(ref inFlight));
            return release.Task.ContinueWith(t => { Interlocked.Decrement(ref inFlight); return t.Result; }, TaskScheduler.Default);
        }

        var batch = gate.RunAsync("a", 3, Call, CancellationToken.None);
        var single = gate.RunAsync("a", 1, Call, CancellationToken.None);
        var waiting = gate.RunAsync("a", 1, Call, CancellationToken.None);
        await Task.Yield();

        Assert.Equal(2, Volatile.Read(ref inFlight));
        Assert.False(waiting.IsCompleted);
        release.SetResult(1);
        await Task.WhenAll(batch, single, waiting);
        Assert.Equal(2, peak);
    }
}
