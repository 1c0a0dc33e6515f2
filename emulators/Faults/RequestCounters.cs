using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace RulesSync.Emulators.Faults;

/// <summary>
/// Requests seen, per route name and per mailbox (a Graph <c>$batch</c> counts once as
/// <c>graph.batch</c> and once per sub-request under the sub-request's route). Thread-safe.
/// </summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<string, long> byRoute = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> byMailbox = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Route, string Mailbox), long> byRouteAndMailbox = new();
    private readonly Dictionary<string, int> inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> peaks = new(StringComparer.Ordinal);
    private readonly Lock concurrencyGate = new();
    private long throttled;

    /// <summary>Requests refused by an enforced provider limit (concurrency or request budget), injected faults not included.</summary>
    public long Throttled => Interlocked.Read(ref throttled);

    /// <summary>Requests seen on one route.</summary>
    public long ForRoute(string route) => byRoute.GetValueOrDefault(route);

    /// <summary>Requests seen for one mailbox, across routes.</summary>
    public long ForMailbox(string mailbox) => byMailbox.GetValueOrDefault(mailbox);

    /// <summary>Requests seen on one route for one mailbox.</summary>
    public long For(string route, string mailbox) => byRouteAndMailbox.GetValueOrDefault((route, mailbox.ToLowerInvariant()));

    /// <summary>All routes seen so far with their counts.</summary>
    public ImmutableSortedDictionary<string, long> Routes => byRoute.ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>All mailboxes seen so far with their counts.</summary>
    public ImmutableSortedDictionary<string, long> Mailboxes => byMailbox.ToImmutableSortedDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The most requests one mailbox ever had in flight at once (admitted or refused), so a test
    /// can assert a client kept within Exchange's 4 concurrent requests per mailbox.
    /// </summary>
    public int PeakConcurrency(string mailbox) => peaks.GetValueOrDefault(mailbox.ToLowerInvariant());

    /// <summary>Every request, all routes.</summary>
    public long Total => byRoute.Values.Sum();

    /// <summary>Forget all counts (benchmarks reset between iterations).</summary>
    public void Reset()
    {
        byRoute.Clear();
        byMailbox.Clear();
        byRouteAndMailbox.Clear();
        Interlocked.Exchange(ref throttled, 0);
        lock (concurrencyGate)
        {
            peaks.Clear();
        }
    }

    /// <summary>A request for a mailbox starts; returns how many are now in flight for it.</summary>
    internal int Enter(string? mailbox)
    {
        if (mailbox is null)
        {
            return 0;
        }

        var key = mailbox.ToLowerInvariant();
        lock (concurrencyGate)
        {
            var now = inFlight.GetValueOrDefault(key) + 1;
            inFlight[key] = now;
            peaks[key] = Math.Max(peaks.GetValueOrDefault(key), now);
            return now;
        }
    }

    internal void Exit(string? mailbox)
    {
        if (mailbox is null)
        {
            return;
        }

        var key = mailbox.ToLowerInvariant();
        lock (concurrencyGate)
        {
            inFlight[key] = inFlight.GetValueOrDefault(key) - 1;
        }
    }

    internal void RecordThrottled() => Interlocked.Increment(ref throttled);

    internal void Record(string route, string? mailbox)
    {
        byRoute.AddOrUpdate(route, 1, (_, n) => n + 1);
        if (mailbox is not null)
        {
            byMailbox.AddOrUpdate(mailbox, 1, (_, n) => n + 1);
            byRouteAndMailbox.AddOrUpdate((route, mailbox.ToLowerInvariant()), 1, (_, n) => n + 1);
        }
    }
}
