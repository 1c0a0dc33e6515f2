using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Live;

/// <summary>
/// The in-process meeting serializer (<see cref="IMeetingSerializer"/>): one async lock per meeting key, shared by
/// every mailbox's sync in the tenant and by approved effects: two decisions about the same meeting never run at
/// once, whichever mailbox observed the change, so "who syncs first" cannot change an outcome by timing. A cluster
/// puts a lease with fencing tokens in the database behind it (<c>runner/Cluster/MeetingLeases.cs</c>). Its own
/// leases carry token 0: in one process a lock cannot go stale, and the journal fences nothing. Locks are dropped when
/// nobody holds or waits for them. Thread-safe.
/// </summary>
internal sealed class MeetingLocks : IMeetingSerializer
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>How many meetings are locked or awaited now (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Waits for the meeting's lock; dispose the result to release it.</summary>
    public async ValueTask<IMeetingLease> EnterAsync(string meetingKey, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (gate)
        {
            if (!entries.TryGetValue(meetingKey, out entry!))
            {
                entry = new Entry();
                entries[meetingKey] = entry;
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(meetingKey, entry, release: false);
            throw;
        }

        return new Releaser(this, meetingKey, entry);
    }

    private void Leave(string meetingKey, Entry entry, bool release)
    {
        lock (gate)
        {
            if (release)
            {
                entry.Semaphore.Release();
            }

            if (--entry.Users == 0)
            {
                entries.Remove(meetingKey);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Releaser(MeetingLocks owner, string meetingKey, Entry entry) : IMeetingLease
    {
        private int released;

        public string MeetingKey => meetingKey;

        public long FencingToken => 0;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                owner.Leave(meetingKey, entry, release: true);
            }

            return ValueTask.CompletedTask;
        }
    }
}
