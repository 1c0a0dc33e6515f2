using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Resilience;

public sealed class RetryPolicyTests
{
    private static readonly RetryOptions Options = new() { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(3) };

    private static FailureVerdict Transient(Exception e, bool idempotent) =>
        e is TimeoutException ? new(true, null, "refused") : new(idempotent, e is InvalidDataException ? TimeSpan.FromSeconds(10) : null, "ambiguous");

    [Fact]
    public async Task RunAsync_RepeatedRefusals_BacksOffDoublingUpToTheCapThenGivesUp()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturedLogs();
        var policy = new RetryPolicy(Options, time, logs.CreateLogger("test"));
        var attempts = 0;
        var delays = new List<TimeSpan>();

        var run = policy.RunAsync<int>("op", "target", idempotent: false, _ => { attempts++; throw new TimeoutException(); }, Transient, CancellationToken.None);
        while (!run.IsCompleted)
        {
            var wait = logs.AvailableAsync(ConnectorLogEvents.RetryScheduled);
            if (await Task.WhenAny(run, wait) == run)
            {
                break;
            }

            var delay = logs.Take(ConnectorLogEvents.RetryScheduled).Delay;
            delays.Add(delay);
            time.Advance(delay);
        }

        await Assert.ThrowsAsync<TimeoutException>(() => run);
        Assert.Equal(5, attempts);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], delays);
        Assert.Single(logs.Entries, e => e.EventId == ConnectorLogEvents.GaveUp);
    }

    [Fact]
    public async Task RunAsync_AmbiguousFailureOfANonIdempotentCall_IsNotRepeated()
    {
        var logs = new CapturedLogs();
        var policy = new RetryPolicy(Options, new FakeTimeProvider(), logs.CreateLogger("test"));
        var attempts = 0;

        await Assert.ThrowsAsync<IOException>(() =>
            policy.RunAsync<int>("op", "target", idempotent: false, _ => { attempts++; throw new IOException(); }, Transient, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
    }

    [Fact]
    public async Task RunAsync_RetryAfterLongerThanTheCap_IsHonouredExactly()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturedLogs();
        var policy = new RetryPolicy(Options, time, logs.CreateLogger("test"));
        var attempts = 0;

        var run = policy.RunAsync("op", "target", idempotent: true, _ => ++attempts == 1 ? throw new InvalidDataException() : Task.FromResult(attempts), Transient, CancellationToken.None);
        var entry = await logs.NextAsync(ConnectorLogEvents.RetryScheduled);
        time.Advance(TimeSpan.FromSeconds(9));
        await Task.Yield();
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, await run);
        Assert.Equal(TimeSpan.FromSeconds(10), entry.Delay);
    }
}
