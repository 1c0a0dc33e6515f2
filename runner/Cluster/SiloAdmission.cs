using RulesSync.Runner.Live;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// Admission of a silo's database work, sized to its state connections (<see cref="ClusterConnections"/>): the state
/// store is synchronous, so every store call holds a thread and a pooled connection for its round trip. Unbounded, 100
/// tenants syncing 8 mailboxes each on one silo had ~800 threads wait synchronously for 16 connections; the waits were
/// not first come, first served, and on a loaded machine one outlasted Npgsql's 30 s pool <c>Timeout</c> ("The
/// connection pool has been exhausted"), failing the cycle. Here the work waits first, asynchronously (no thread held,
/// no timeout), for a slot of one of three kinds whose counts add up to the connections, so a thread that reaches the
/// pool finds a connection free:
/// <list type="bullet">
/// <item>a tenant's activation (its lease, schema check, mailbox rows), held only while it opens;</item>
/// <item>a tenant's cycle, held for the whole cycle (its tenant-level reads and writes, one at a time);</item>
/// <item>a mailbox's sync (<see cref="IMailboxAdmission"/>), held while it syncs: one store call at a time.</item>
/// </list>
/// A cycle never holds a mailbox slot and a mailbox sync never waits for a cycle slot, so the kinds cannot deadlock.
/// With fewer than three state connections the kinds share them (one slot each): a wait at the pool is then possible,
/// and short, and the store retries it (<c>PostgresStateStore</c>). Thread-safe; one per silo.
/// </summary>
internal sealed class SiloAdmission : IMailboxAdmission, IDisposable
{
    private readonly SemaphoreSlim activations;
    private readonly SemaphoreSlim cycles;
    private readonly SemaphoreSlim mailboxes;

    /// <param name="connections">The silo's state connections to share out (at least 1).</param>
    public SiloAdmission(int connections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        Activations = Math.Max(1, connections / 8);
        Cycles = Math.Max(1, connections / 4);
        Mailboxes = Math.Max(1, connections - Activations - Cycles);
        activations = new SemaphoreSlim(Activations, Activations);
        cycles = new SemaphoreSlim(Cycles, Cycles);
        mailboxes = new SemaphoreSlim(Mailboxes, Mailboxes);
    }

    /// <summary>Tenant activations opening at once (an eighth of the connections, at least 1).</summary>
    public int Activations { get; }

    /// <summary>Tenant cycles running at once (a quarter, at least 1).</summary>
    public int Cycles { get; }

    /// <summary>Mailbox syncs running at once, over all the silo's tenants (the rest, at least 1).</summary>
    public int Mailboxes { get; }

    /// <summary>A slot for a tenant's activation; dispose it once the activation's store work is done.</summary>
    public Task<IDisposable> ActivationAsync(CancellationToken cancellationToken) => EnterAsync(activations, cancellationToken);

    /// <summary>A slot for a tenant's cycle; dispose it when the cycle ends.</summary>
    public Task<IDisposable> CycleAsync(CancellationToken cancellationToken) => EnterAsync(cycles, cancellationToken);

    /// <summary>A slot for one mailbox's sync; dispose it when the sync ends.</summary>
    public Task<IDisposable> MailboxAsync(CancellationToken cancellationToken) => EnterAsync(mailboxes, cancellationToken);

    Task<IDisposable> IMailboxAdmission.AdmitAsync(CancellationToken cancellationToken) => MailboxAsync(cancellationToken);

    public void Dispose()
    {
        activations.Dispose();
        cycles.Dispose();
        mailboxes.Dispose();
    }

    private static async Task<IDisposable> EnterAsync(SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(gate);
    }

    /// <summary>A slot, given back once (a second dispose does nothing).</summary>
    private sealed class Slot(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
