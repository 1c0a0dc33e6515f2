using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace RulesSync.Runner.Connectors.Resilience;

/// <summary>
/// Admits a connector's requests within the provider's limits (<see cref="RequestBudgetOptions"/>), so that a healthy
/// tenant is not throttled in steady state: a per-mailbox <see cref="ConcurrencyLimiter"/> (a <c>$batch</c> of n
/// sub-requests takes n slots at once, as Graph runs them in parallel; waiters are served in order), and
/// sliding-window budgets per mailbox and per app (<see cref="ClockWindowLimiter"/>, a <see cref="RateLimiter"/> on
/// the injected clock: a permit comes back exactly one window after it was spent). One gate is shared by every
/// connector of one app. Thread-safe; dispose when done.
/// </summary>
public sealed class RequestGate : IDisposable
{
    private readonly RequestBudgetOptions options;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<string, ConcurrencyLimiter> concurrency = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ClockWindowLimiter> mailboxBudgets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ClockWindowLimiter? appBudget;

    /// <summary>Creates the gate; the windows slide on <paramref name="time"/>.</summary>
    public RequestGate(RequestBudgetOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConcurrentPerMailbox, 1);
        this.options = options;
        this.time = time;
        if (options.PerApp is { } perApp)
        {
            appBudget = new ClockWindowLimiter(perApp, options.PerAppWindow, time);
        }
    }

    /// <summary>The most requests allowed in flight per mailbox.</summary>
    public int PerMailbox => options.ConcurrentPerMailbox;

    /// <summary>Runs <paramref name="call"/> once a slot for <paramref name="mailbox"/> is free (budgets already spent by <see cref="SpendAsync"/>).</summary>
    public Task<T> RunAsync<T>(string mailbox, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        RunAsync(mailbox, 1, call, cancellationToken);

    /// <summary>Runs <paramref name="call"/> holding <paramref name="slots"/> of the mailbox's concurrent slots (at most all of them).</summary>
    public async Task<T> RunAsync<T>(string mailbox, int slots, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var limiter = concurrency.GetOrAdd(mailbox, _ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.ConcurrentPerMailbox,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
        using var lease = await limiter.AcquireAsync(Math.Clamp(slots, 1, options.ConcurrentPerMailbox), cancellationToken).ConfigureAwait(false);
        return await call(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until <paramref name="requests"/> more requests for <paramref name="mailbox"/> fit the mailbox's and the app's budgets, and spends them.</summary>
    public async ValueTask SpendAsync(string mailbox, int requests, CancellationToken cancellationToken)
    {
        if (options.PerMailbox is { } perMailbox)
        {
            var budget = mailboxBudgets.GetOrAdd(mailbox, _ => new ClockWindowLimiter(perMailbox, options.PerMailboxWindow, time));
            using var lease = await budget.AcquireAsync(Math.Min(requests, perMailbox), cancellationToken).ConfigureAwait(false);
        }

        if (appBudget is not null)
        {
            using var lease = await appBudget.AcquireAsync(Math.Min(requests, options.PerApp!.Value), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Requests <paramref name="mailbox"/> may still send in its current window (null: no per-mailbox budget).</summary>
    public long? AvailableFor(string mailbox) => options.PerMailbox is { } perMailbox
        ? mailboxBudgets.TryGetValue(mailbox, out var budget) ? budget.GetStatistics()!.CurrentAvailablePermits : perMailbox
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        appBudget?.Dispose();
        foreach (var limiter in mailboxBudgets.Values)
        {
            limiter.Dispose();
        }

        foreach (var limiter in concurrency.Values)
        {
            limiter.Dispose();
        }
    }
}
