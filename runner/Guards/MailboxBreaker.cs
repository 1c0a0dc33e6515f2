using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Google;
using Microsoft.Kiota.Abstractions;
using Polly;
using Polly.Retry;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Guards;

/// <summary>What the breaker makes of a mailbox's failed cycle.</summary>
/// <param name="Suspend">Whether the mailbox is now suspended (too many consecutive failures).</param>
/// <param name="RetryAt">When it is tried again, if not suspended.</param>
internal readonly record struct BreakerVerdict(bool Suspend, DateTimeOffset? RetryAt);

/// <summary>
/// The per-mailbox circuit breaker, split as Polly splits it: this class only answers "what now?" — retry within
/// the cycle (a Polly.Core retry pipeline with exponential backoff on transient errors), skip the mailbox for an
/// exponentially growing backoff after a failed cycle, or suspend it after N consecutive failures. The state (the
/// failure count, the next attempt, the suspension) lives in the state file, owned by the runner. Thread-safe.
/// </summary>
internal sealed class MailboxBreaker(BreakerOptions options, TimeProvider time)
{
    /// <summary>The in-cycle retry pipeline: transient errors only, exponential backoff on the injected clock.</summary>
    public ResiliencePipeline Pipeline { get; } = options.RetryAttempts == 0
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.RetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
            })
            .Build();

    /// <summary>The verdict after the mailbox's <paramref name="consecutiveFailures"/>-th failed cycle in a row.</summary>
    public BreakerVerdict OnFailure(int consecutiveFailures)
    {
        if (consecutiveFailures >= options.FailuresBeforeSuspend)
        {
            return new BreakerVerdict(true, null);
        }

        var ticks = options.BackoffBase.Ticks * Math.Pow(2, Math.Max(0, consecutiveFailures - 1));
        var delay = ticks >= options.BackoffMax.Ticks ? options.BackoffMax : TimeSpan.FromTicks((long)ticks);
        return new BreakerVerdict(false, time.GetUtcNow() + delay);
    }

    /// <summary>Whether an error may go away by itself (throttling, outages, timeouts, broken answers).</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        // An operator has to act: a refused sign-in, or a link off the service root, never mends itself.
        OperationCanceledException or RulesSync.Runner.Connectors.SignIn.CredentialRefusedException or RulesSync.Runner.Connectors.ForeignLinkException => false,
        HttpRequestException or SocketException or IOException or TimeoutException or JsonException => true,
        ODataCrmException c => c.Status is 408 or 429 or >= 500,
        ApiException a => a.ResponseStatusCode is 408 or 429 or >= 500,
        GoogleApiException g => g.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError
            || (g.HttpStatusCode == HttpStatusCode.Forbidden && g.Error?.Errors?.Any(x => x.Reason is "rateLimitExceeded" or "userRateLimitExceeded") == true),
        AggregateException { InnerExceptions.Count: > 0 } ag => ag.InnerExceptions.All(IsTransient),
        _ => e.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>An error in plain words for the operator: who answered what, without stack traces or secrets.</summary>
    public static string PlainWords(Exception e) => e switch
    {
        ODataCrmException c => First(c.Message),
        ApiException a => $"Microsoft Graph answered {a.ResponseStatusCode}: {First(a.Message)}",
        GoogleApiException g => $"Google Calendar answered {(int)g.HttpStatusCode}: {First(g.Error?.Message ?? g.Message)}",
        HttpRequestException h => $"the service could not be reached: {First(h.Message)}",
        JsonException => "a service sent an answer that could not be read (malformed JSON)",
        TimeoutException => "a service did not answer in time",
        _ => First(e.Message),
    };

    private static string First(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
