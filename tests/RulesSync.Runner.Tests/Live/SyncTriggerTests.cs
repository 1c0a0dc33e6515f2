using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Tests.Live;

public sealed class SyncTriggerTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WaitAsync_BurstOfRequests_OneSetAfterTheDebounce()
    {
        var time = new FakeTimeProvider(Epoch);
        var trigger = new SyncTrigger(time, TimeSpan.FromSeconds(5));
        var wait = trigger.WaitAsync(Epoch.AddMinutes(5), CancellationToken.None);

        trigger.Request("alice@contoso.example");
        trigger.Request("ALICE@contoso.example");
        trigger.Request("bob@contoso.example");
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var only = await wait;

        Assert.NotNull(only);
        Assert.Equal(2, only.Count);
        Assert.Contains("alice@contoso.example", only);
        Assert.Equal(3, trigger.Requests);
        Assert.Empty(trigger.Take());
    }

    [Fact]
    public async Task WaitAsync_NoRequestUntilThePoll_ReturnsNullForEveryMailbox()
    {
        var time = new FakeTimeProvider(Epoch);
        var trigger = new SyncTrigger(time, TimeSpan.FromSeconds(5));
        var wait = trigger.WaitAsync(Epoch.AddMinutes(5), CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromTicks(1));

        Assert.Null(await wait);
    }

    [Fact]
    public async Task WaitAsync_RequestWithinTheDebounceOfThePoll_ThePollServesIt()
    {
        var time = new FakeTimeProvider(Epoch);
        var trigger = new SyncTrigger(time, TimeSpan.FromSeconds(5));
        var wait = trigger.WaitAsync(Epoch.AddSeconds(2), CancellationToken.None);

        trigger.Request("alice@contoso.example");
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(await wait);
        Assert.Empty(trigger.Take());
    }
}
