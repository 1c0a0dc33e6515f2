using System.Threading.RateLimiting;

namespace RulesSync.Runner.Connectors.Resilience;

/// <summary>
/// A sliding-window <see cref="RateLimiter"/> on an injected <see cref="TimeProvider"/>: at most <c>permits</c> in any
/// <c>window</c>, a permit coming back exactly one window after it was spent (a log of spend times, as a provider
/// counts). The BCL's window limiters measure time with <c>Stopwatch</c> even when replenished by hand
/// (<c>TryReplenish</c> does nothing until that much real time has passed), so they cannot run on a fake clock; this
/// one waits with <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>. Waiters are not strictly FIFO.
/// Thread-safe.
/// </summary>
internal sealed class ClockWindowLimiter(int permits, TimeSpan window, TimeProvider time) : RateLimiter
{
    private readonly Queue<DateTimeOffset> spent = new();
    private readonly Lock gate = new();

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (gate)
        {
            Prune(time.GetUtcNow());
            return new RateLimiterStatistics { CurrentAvailablePermits = permits - spent.Count };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        TryTake(permitCount, out _) ? Lease.Acquired : Lease.Refused;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, permits);
        while (!TryTake(permitCount, out var wait))
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }

        return Lease.Acquired;
    }

    private bool TryTake(int count, out TimeSpan wait)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            Prune(now);
            if (spent.Count + count <= permits)
            {
                for (var i = 0; i < count; i++)
                {
                    spent.Enqueue(now);
                }

                wait = TimeSpan.Zero;
                return true;
            }

            // The moment enough of the oldest spends have left the window.
            var freeing = spent.ElementAt(spent.Count + count - permits - 1);
            wait = freeing + window - now;
            if (wait <= TimeSpan.Zero)
            {
                wait = TimeSpan.FromTicks(1);
            }

            return false;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        while (spent.Count > 0 && spent.Peek() <= now - window)
        {
            spent.Dequeue();
        }
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true);

        public static readonly Lease Refused = new(false);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
