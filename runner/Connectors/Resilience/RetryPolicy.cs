using Microsoft.Extensions.Logging;
using RulesSync.Runner.Connectors;

namespace RulesSync.Runner.Connectors.Resilience;

/// <summary>How a connector retries transient failures. Immutable; bind from configuration.</summary>
public sealed record RetryOptions
{
    /// <summary>Attempts per operation, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first backoff when the server names no Retry-After; doubles per attempt.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest computed backoff (a server's Retry-After is honoured even when longer).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one attempt may take before it is abandoned (and retried when that is safe).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Share of a computed backoff drawn at random (0: none, 1: full jitter): the delay is uniform in
    /// [backoff × (1 − Jitter), backoff], so mailboxes throttled together do not all come back together. A server's
    /// Retry-After is honoured exactly.
    /// </summary>
    public double Jitter { get; init; } = 0.5;
}

/// <summary>What a connector makes of one failed attempt.</summary>
/// <param name="Retry">Whether another attempt may follow.</param>
/// <param name="RetryAfter">The server's Retry-After, when it named one.</param>
/// <param name="Reason">A short, secret-free reason for the log.</param>
internal readonly record struct FailureVerdict(bool Retry, TimeSpan? RetryAfter, string Reason)
{
    public static FailureVerdict Fail(string reason) => new(false, null, reason);
}

/// <summary>
/// The connectors' retry loop: per-attempt timeout and backoff on the injected clock, the server's Retry-After
/// honoured exactly. A hand-written loop rather than a Polly pipeline so that the delay's timer exists before the
/// "retry scheduled" log line is written: a test on a fake clock waits for that line, then advances exactly the
/// logged delay, with no sleeping and no race. Ambiguous failures (a timeout, an unreadable answer) are retried
/// only for idempotent operations: a create whose answer was lost may already have happened.
/// </summary>
internal sealed partial class RetryPolicy(RetryOptions options, TimeProvider time, ILogger logger, Random? random = null)
{
    private readonly Random random = random ?? Random.Shared;

    public TimeProvider Time => time;

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, is refused for good, or runs out of attempts.</summary>
    /// <param name="operation">What is done, for the log.</param>
    /// <param name="target">On what (a mailbox), for the log.</param>
    /// <param name="idempotent">Whether an ambiguous failure may be retried.</param>
    /// <param name="attempt">One attempt, given a token that fires at the attempt timeout.</param>
    /// <param name="classify">What a failure means.</param>
    /// <param name="cancellationToken">Cancels the whole operation.</param>
    /// <param name="admit">Awaited before each attempt, outside its timeout: waiting for a request budget is not a slow answer.</param>
    public async Task<T> RunAsync<T>(
        string operation,
        string target,
        bool idempotent,
        Func<CancellationToken, Task<T>> attempt,
        Func<Exception, bool, FailureVerdict> classify,
        CancellationToken cancellationToken,
        Func<CancellationToken, ValueTask>? admit = null)
    {
        for (var n = 1; ; n++)
        {
            if (admit is not null)
            {
                await admit(cancellationToken).ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(options.AttemptTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            FailureVerdict verdict;
            try
            {
                return await attempt(linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                verdict = timeout.IsCancellationRequested
                    ? new FailureVerdict(idempotent, null, $"no answer within {options.AttemptTimeout}")
                    : classify(e, idempotent);
                if (!verdict.Retry || n >= options.MaxAttempts)
                {
                    LogGaveUp(logger, operation, target, n, verdict.Reason);
                    throw;
                }
            }

            var delay = verdict.RetryAfter ?? Backoff(n);
            var wait = Task.Delay(delay, time, cancellationToken);
            LogRetryScheduled(logger, operation, target, n, verdict.Reason, delay);
            await wait.ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int failedAttempts)
    {
        var ticks = Math.Min(options.BaseDelay.Ticks * Math.Pow(2, failedAttempts - 1), options.MaxDelay.Ticks);
        double share;
        lock (random)
        {
            share = random.NextDouble();
        }

        var jitter = Math.Clamp(options.Jitter, 0, 1);
        return TimeSpan.FromTicks((long)(ticks * (1 - (jitter * share))));
    }

    /// <summary>
    /// A <c>Retry-After</c> value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), the latter measured from
    /// <paramref name="now"/>; null when absent or unreadable; a date in the past is no wait.
    /// </summary>
    internal static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(1).TotalSeconds));
        }

        if (DateTimeOffset.TryParseExact(text, "r", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Operation} {Target}: attempt {Attempt} failed ({Reason}); retrying in {Delay}")]
    private static partial void LogRetryScheduled(ILogger logger, string operation, string target, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "{Operation} {Target}: giving up after attempt {Attempt} ({Reason})")]
    private static partial void LogGaveUp(ILogger logger, string operation, string target, int attempt, string reason);
}
