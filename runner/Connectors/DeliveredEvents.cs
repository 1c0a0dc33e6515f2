using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors;

/// <summary>
/// The event ids one mailbox's connector has delivered and not yet seen removed: what a full resync (after a 410
/// on an expired delta link or sync token) is diffed against, so that only events that are really gone become
/// removal notices. One per mailbox; thread-safe. A restarted runner seeds it from the mailbox's persisted sync
/// state (<see cref="Seed"/>), which knows every replica the engine was told about.
/// </summary>
public sealed class DeliveredEvents
{
    private readonly Lock gate = new();
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    /// <summary>Event ids delivered and not removed since.</summary>
    public IReadOnlySet<string> KnownEventIds
    {
        get
        {
            lock (gate)
            {
                return new HashSet<string>(known, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Adds every live replica of a persisted sync state (a restart, or a connector created anew).</summary>
    public void Seed(MailboxSyncState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (gate)
        {
            foreach (var (id, snap) in state.Events)
            {
                if (!snap.Item.Removed)
                {
                    known.Add(id);
                }
            }
        }
    }

    /// <summary>Records what a page delivered: live items become known, removal notices forget their id.</summary>
    public void Observe(IEnumerable<MailboxItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        lock (gate)
        {
            foreach (var item in items)
            {
                if (item.Removed)
                {
                    known.Remove(item.EventId);
                }
                else
                {
                    known.Add(item.EventId);
                }
            }
        }
    }

    /// <summary>Records a write: a created event is known, a deleted one is not.</summary>
    internal void Observe(string eventId, bool live)
    {
        lock (gate)
        {
            if (live)
            {
                known.Add(eventId);
            }
            else
            {
                known.Remove(eventId);
            }
        }
    }
}
