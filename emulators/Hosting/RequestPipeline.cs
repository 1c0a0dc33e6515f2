using System.Text;
using RulesSync.Emulators.Faults;

namespace RulesSync.Emulators.Hosting;

/// <summary>
/// Counts each request, applies the fault plan, runs the handler. Graph <c>$batch</c> sends each
/// sub-request through here too, so each one is counted and may be throttled on its own.
/// </summary>
internal sealed class RequestPipeline(RequestCounters counters, FaultPlan faults, TimeProvider time, EmulatorOptions options, CancellationToken stopping)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> budgets = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask<EmulatorResponse> ExecuteAsync(
        IProtocolEmulator protocol, EmulatorRoute route, EmulatorRequest request, CancellationToken cancellationToken)
    {
        counters.Record(route.Name, route.Mailbox);
        var inFlight = counters.Enter(route.Mailbox);
        try
        {
            // Exchange allows 4 concurrent requests per app per mailbox; beyond that, 429
            // (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits).
            if (options.GraphConcurrentRequestsPerMailbox is { } limit && inFlight > limit && route.Mailbox is not null
                && route.Name.StartsWith("graph.", StringComparison.Ordinal))
            {
                counters.RecordThrottled();
                return protocol.FaultResponse(new FaultRule { Kind = FaultKind.Throttle, RetryAfter = TimeSpan.FromSeconds(1) }, request);
            }

            if (OverBudget(route) is { } refusal)
            {
                counters.RecordThrottled();
                return protocol.FaultResponse(refusal, request);
            }

            return await ExecuteCountedAsync(protocol, route, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or TimeZoneNotFoundException or System.Text.Json.JsonException)
        {
            // What a real service says about a body it cannot read: 400 in its own words, not a 500.
            return protocol.BadRequest(e.Message);
        }
        finally
        {
            counters.Exit(route.Mailbox);
        }
    }

    /// <summary>Holds one of <paramref name="mailbox"/>'s concurrency slots (a batch sub-request waiting its turn); null holds nothing.</summary>
    public void Hold(string? mailbox) => counters.Enter(mailbox);

    /// <summary>Gives back a slot taken by <see cref="Hold"/>.</summary>
    public void Release(string? mailbox) => counters.Exit(mailbox);

    private async ValueTask<EmulatorResponse> ExecuteCountedAsync(
        IProtocolEmulator protocol, EmulatorRoute route, EmulatorRequest request, CancellationToken cancellationToken)
    {
        var fault = faults.Next(route.Name, route.Mailbox);
        if (fault is null)
        {
            return await route.Handle(request, cancellationToken).ConfigureAwait(false);
        }

        switch (fault.Kind)
        {
            case FaultKind.SlowResponse:
                await DelayAsync(route, fault, cancellationToken).ConfigureAwait(false);
                return await route.Handle(request, cancellationToken).ConfigureAwait(false);
            case FaultKind.Timeout:
                // Longer than any sane client timeout: the client gives up first; if it does not, a gateway would.
                await DelayAsync(route, fault, cancellationToken).ConfigureAwait(false);
                return protocol.FaultResponse(fault, request);
            case FaultKind.MalformedJson:
                var whole = await route.Handle(request, cancellationToken).ConfigureAwait(false);
                return whole with { Body = Malform(whole.Body) };
            case FaultKind.ShortPage:
                return await route.Handle(request with { PageSizeCap = fault.PageSize }, cancellationToken).ConfigureAwait(false);
            case FaultKind.LostAnswer:
                _ = await route.Handle(request, cancellationToken).ConfigureAwait(false);
                await DelayAsync(route, fault, cancellationToken).ConfigureAwait(false);
                return protocol.FaultResponse(fault with { Kind = FaultKind.Timeout }, request);
            case FaultKind.TruncatedBody:
                var full = await route.Handle(request, cancellationToken).ConfigureAwait(false);
                return full with { Truncate = true };
            default:
                return protocol.FaultResponse(fault, request);
        }
    }

    /// <summary>
    /// The providers' request budgets, as a sliding log per mailbox: Graph answers 429 with the seconds until the
    /// oldest request leaves the window (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits);
    /// Google answers 403 userRateLimitExceeded (https://developers.google.com/workspace/calendar/api/guides/errors).
    /// A refused request does not count.
    /// </summary>
    private FaultRule? OverBudget(EmulatorRoute route)
    {
        if (route.Mailbox is null)
        {
            return null;
        }

        var (limit, window, kind, prefix) = route.Name.StartsWith("graph.", StringComparison.Ordinal)
            ? (options.GraphRequestsPerMailbox, options.GraphRequestWindow, FaultKind.Throttle, "graph:")
            : route.Name.StartsWith("google.", StringComparison.Ordinal)
                ? (options.GoogleRequestsPerUser, options.GoogleRequestWindow, FaultKind.RateLimitForbidden, "google:")
                : (null, TimeSpan.Zero, FaultKind.Throttle, string.Empty);
        if (limit is not { } max)
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (budgets)
        {
            if (!budgets.TryGetValue(prefix + route.Mailbox, out var log))
            {
                budgets[prefix + route.Mailbox] = log = new Queue<DateTimeOffset>();
            }

            while (log.Count > 0 && log.Peek() <= now - window)
            {
                log.Dequeue();
            }

            if (log.Count >= max)
            {
                var wait = log.Peek() + window - now;
                return new FaultRule { Kind = kind, RetryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds))) };
            }

            log.Enqueue(now);
            return null;
        }
    }

    private async Task DelayAsync(EmulatorRoute route, FaultRule fault, CancellationToken cancellationToken)
    {
        // A held request ends when the client leaves or the host stops, whatever the clock says.
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        var delay = Task.Delay(fault.Delay, time, either.Token);
        faults.ReportDelayed(route.Name);
        await delay.ConfigureAwait(false);
    }

    // Valid framing, invalid JSON: half the document and a stray token. Clients must fail to parse, not hang.
    private static string Malform(string? body)
    {
        var text = body ?? "{}";
        var builder = new StringBuilder(text.AsSpan(0, text.Length / 2).ToString());
        builder.Append("<!-- upstream error -->");
        return builder.ToString();
    }
}
