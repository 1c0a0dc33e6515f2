namespace RulesSync.Runner.State;

/// <summary>
/// A finished sync waiting to be written (<see cref="IStateStore.CompleteSync"/>): the mailbox (its key), its sync
/// state as <c>SyncStateJson</c>, when it finished and how long it took, and when its attempt began (the mailbox's
/// effects journaled before then and still planned are settled as interrupted; <see cref="long.MinValue"/>: none), and
/// whether its state is the one the store knows the row holds already (<paramref name="Unchanged"/>: a store may then
/// leave a clean row as it is).
/// </summary>
internal sealed record PendingSync(string Mailbox, string Json, long At, long Milliseconds, long AttemptStarted, bool Unchanged = false);

/// <summary>
/// The finished syncs a store has not written yet, in order. A store writes them at the start of its next transaction
/// (so the order of writes is kept), at a cycle's end (<see cref="IStateStore.WritePending"/>), or when
/// <see cref="Limit"/> wait. Each store takes them for a transaction (<see cref="Take"/>) and gives them back when the
/// transaction rolls back (<see cref="Restore"/>). Thread-safe.
/// </summary>
internal sealed class PendingSyncs
{
    /// <summary>How many finished syncs may wait before the store writes them without waiting for the cycle's end.</summary>
    public const int Limit = 1024;

    private readonly Lock gate = new();
    private readonly List<PendingSync> waiting = [];

    /// <summary>Adds a finished sync; true when <see cref="Limit"/> syncs now wait (the store writes them).</summary>
    public bool Add(PendingSync sync)
    {
        lock (gate)
        {
            waiting.Add(sync);
            return waiting.Count >= Limit;
        }
    }

    public bool IsEmpty
    {
        get
        {
            lock (gate)
            {
                return waiting.Count == 0;
            }
        }
    }

    /// <summary>Every waiting sync, oldest first, no longer waiting (empty when none).</summary>
    public PendingSync[] Take()
    {
        lock (gate)
        {
            if (waiting.Count == 0)
            {
                return [];
            }

            var taken = waiting.ToArray();
            waiting.Clear();
            return taken;
        }
    }

    /// <summary>Syncs taken for a transaction that rolled back: waiting again, before any added since.</summary>
    public void Restore(PendingSync[] taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        if (taken.Length > 0)
        {
            lock (gate)
            {
                waiting.InsertRange(0, taken);
            }
        }
    }
}
