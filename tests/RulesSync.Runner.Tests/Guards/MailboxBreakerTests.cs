using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Guards;

namespace RulesSync.Runner.Tests.Guards;

public sealed class MailboxBreakerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OnFailure_BelowThreshold_BacksOffExponentiallyUpToTheMaximum()
    {
        var time = new FakeTimeProvider(Now);
        var breaker = new MailboxBreaker(new BreakerOptions { FailuresBeforeSuspend = 10, BackoffBase = TimeSpan.FromMinutes(1), BackoffMax = TimeSpan.FromMinutes(5) }, time);

        Assert.Equal([1, 2, 4, 5], new[] { 1, 2, 3, 4 }.Select(n => (breaker.OnFailure(n).RetryAt!.Value - Now).TotalMinutes));
        Assert.False(breaker.OnFailure(9).Suspend);
    }

    [Fact]
    public void OnFailure_AtThreshold_Suspends()
    {
        var breaker = new MailboxBreaker(new BreakerOptions { FailuresBeforeSuspend = 3 }, new FakeTimeProvider(Now));

        Assert.Equal(new BreakerVerdict(true, null), breaker.OnFailure(3));
    }

    [Fact]
    public async Task Pipeline_TransientError_IsRetriedThenSucceeds()
    {
        var breaker = new MailboxBreaker(new BreakerOptions { RetryAttempts = 2, RetryDelay = TimeSpan.Zero }, new FakeTimeProvider(Now));
        var attempts = 0;

        var result = await breaker.Pipeline.ExecuteAsync(_ => ++attempts < 3 ? throw new ODataCrmException(503, "x", "busy") : ValueTask.FromResult(attempts));

        Assert.Equal(3, result);
    }

    [Fact]
    public async Task Pipeline_PermanentError_IsNotRetried()
    {
        var breaker = new MailboxBreaker(new BreakerOptions { RetryAttempts = 2, RetryDelay = TimeSpan.Zero }, new FakeTimeProvider(Now));
        var attempts = 0;

        await Assert.ThrowsAsync<ODataCrmException>(async () =>
            await breaker.Pipeline.ExecuteAsync<int>(_ => { attempts++; throw new ODataCrmException(400, "bad", "refused"); }));

        Assert.Equal(1, attempts);
    }

    [Theory]
    [InlineData(429, true)]
    [InlineData(503, true)]
    [InlineData(404, false)]
    public void IsTransient_CrmStatus_Classified(int status, bool transient) =>
        Assert.Equal(transient, MailboxBreaker.IsTransient(new ODataCrmException(status, null, "m")));

    [Fact]
    public void PlainWords_MalformedAnswer_SaysSoWithoutInternals() =>
        Assert.Equal("a service sent an answer that could not be read (malformed JSON)", MailboxBreaker.PlainWords(new JsonException("'x' is invalid after a value. LineNumber: 0")));
}
