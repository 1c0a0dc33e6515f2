using System.Collections.Concurrent;

namespace RulesSync.Runner.Connectors.Resilience;

/// <summary>
/// Limits how many requests are in flight per mailbox (Exchange allows 4 concurrent requests per app per
/// mailbox; a fifth is answered 429). One gate is shared by every connector of one app. Thread-safe.
/// </summary>
public sealed class MailboxGate(int perMailbox = 4)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The most requests allowed in flight per mailbox.</summary>
    public int PerMailbox { get; } = perMailbox > 0 ? perMailbox : throw new ArgumentOutOfRangeException(nameof(perMailbox));

    /// <summary>Runs <paramref name="call"/> once a slot for <paramref name="mailbox"/> is free.</summary>
    public async Task<T> RunAsync<T>(string mailbox, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var gate = gates.GetOrAdd(mailbox, _ => new SemaphoreSlim(PerMailbox, PerMailbox));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
