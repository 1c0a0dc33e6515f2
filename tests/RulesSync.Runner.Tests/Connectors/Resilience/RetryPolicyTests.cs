using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Resilience;

public sealed class RetryPolicyTests
{
    private static readonly RetryOptions Options = new() { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(3), Jitter = 0 };

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

    [Fact]
    public async Task RunAsync_WithJitter_DrawsEachBackoffBetweenHalfAndAllOfTheDoubledDelay()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturedLogs();
        var policy = new RetryPolicy(Options with { Jitter = 0.5, MaxAttempts = 3, MaxDelay = TimeSpan.FromSeconds(60) }, time, logs.CreateLogger("test"), new Random(7));
        var delays = new List<TimeSpan>();

        var run = policy.RunAsync<int>("op", "mbx", true, _ => throw new TimeoutException(), Transient, CancellationToken.None);
        for (var n = 0; n < 2; n++)
        {
            var delay = (await logs.NextAsync(ConnectorLogEvents.RetryScheduled)).Delay;
            delays.Add(delay);
            time.Advance(delay);
        }

        await Assert.ThrowsAsync<TimeoutException>(() => run);
        Assert.InRange(delays[0], TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
        Assert.InRange(delays[1], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.NotEqual(TimeSpan.FromSeconds(1), delays[0]);
    }

    [Theory]
    [InlineData("120", 120)]
    [InlineData("Mon, 05 Jan 2026 08:00:30 GMT", 30)]
    [InlineData("Mon, 05 Jan 2026 07:59:00 GMT", 0)]
    public void ParseRetryAfter_SecondsOrHttpDate_IsTheWaitFromNow(string value, int seconds)
    {
        var now = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryPolicy.ParseRetryAfter(value, now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    public void ParseRetryAfter_AbsentOrUnreadable_IsNull(string? value) =>
        Assert.Null(RetryPolicy.ParseRetryAfter(value, DateTimeOffset.UnixEpoch));
}
