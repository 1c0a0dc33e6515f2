namespace RulesSync.Runner.Live;

/// <summary>
/// "Sync this mailbox soon": notifications ask here, the sync loop waits here. A wait ends either when the poll
/// is due (every mailbox syncs: the safety net) or a debounce after the first request (the mailboxes asked for
/// meanwhile sync, once each however many notifications arrived). Thread-safe; one waiter at a time.
/// </summary>
internal sealed class SyncTrigger(TimeProvider time, TimeSpan debounce)
{
    private readonly Lock gate = new();
    private readonly HashSet<string> pending = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long requests;
    private DateTimeOffset firstRequestAt;

    /// <summary>Requests so far (each notification that passed its checks).</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Asks for a sync of the mailbox soon.</summary>
    public void Request(string mailbox)
    {
        lock (gate)
        {
            Interlocked.Increment(ref requests);
            if (pending.Count == 0)
            {
                firstRequestAt = time.GetUtcNow();
            }

            pending.Add(mailbox);
            signal.TrySetResult();
        }
    }

    /// <summary>The mailboxes asked for, cleared.</summary>
    public IReadOnlySet<string> Take()
    {
        lock (gate)
        {
            var taken = new HashSet<string>(pending, StringComparer.OrdinalIgnoreCase);
            pending.Clear();
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return taken;
        }
    }

    /// <summary>
    /// Waits until <paramref name="pollAt"/> (returns null: sync everything) or until a debounce after a request
    /// (returns the mailboxes asked for). Requests pending at the poll are served by the poll.
    /// </summary>
    public async Task<IReadOnlySet<string>?> WaitAsync(DateTimeOffset pollAt, CancellationToken cancellationToken)
    {
        Task requested;
        lock (gate)
        {
            requested = pending.Count > 0 ? Task.CompletedTask : signal.Task;
        }

        var untilPoll = pollAt - time.GetUtcNow();
        if (untilPoll > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var poll = Task.Delay(untilPoll, time, stop.Token);
            var first = await Task.WhenAny(poll, requested).ConfigureAwait(false);
            if (first == requested)
            {
                DateTimeOffset firstAt;
                lock (gate)
                {
                    firstAt = firstRequestAt;
                }

                // Measured from the first request, not from when this continuation ran.
                var untilDebounced = Min(firstAt + debounce, pollAt) - time.GetUtcNow();
                await stop.CancelAsync().ConfigureAwait(false);
                if (untilDebounced > TimeSpan.Zero)
                {
                    await Task.Delay(untilDebounced, time, cancellationToken).ConfigureAwait(false);
                }

                if (time.GetUtcNow() < pollAt)
                {
                    return Take();
                }
            }
            else
            {
                await poll.ConfigureAwait(false);
            }
        }

        Take();
        return null;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
