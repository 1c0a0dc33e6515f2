using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>
/// One agent's <see cref="MailboxSyncState"/> flattened for the explorer's hot reads (the state hash, "has news"):
/// snapshots in key order in arrays and the cursor position parsed once, instead of walking two immutable sorted
/// dictionaries and parsing the cursor token on every transition. Built once per sync state and shared by clones.
/// </summary>
internal sealed class AgentView
{
    public AgentView(MailboxSyncState state)
        : this(state, null)
    {
    }

    /// <summary>
    /// The view of <paramref name="state"/>; its id arrays are <paramref name="previous"/>'s when the keys are the
    /// same (a sync usually changes snapshots, not which events and records the agent knows). The arrays are never written after construction.
    /// </summary>
    public AgentView(MailboxSyncState state, AgentView? previous)
    {
        State = state;
        CursorPosition = SimCursor.Position(state.Cursor);
        var eventIds = previous is not null && previous.EventIds.Length == state.Events.Count ? previous.EventIds : null;
        var fresh = eventIds is null;
        eventIds ??= new string[state.Events.Count];
        Events = new EventSnapshot[state.Events.Count];
        var i = 0;
        foreach (var (id, snap) in state.Events)
        {
            if (!fresh && !string.Equals(eventIds[i], id, StringComparison.Ordinal))
            {
                eventIds = CopyPrefix(eventIds, i);
                fresh = true;
            }

            if (fresh)
            {
                eventIds[i] = id;
            }

            Events[i++] = snap;
        }

        EventIds = eventIds;

        var recordIds = previous is not null && previous.RecordIds.Length == state.Records.Count ? previous.RecordIds : null;
        fresh = recordIds is null;
        recordIds ??= new string[state.Records.Count];
        Records = new RecordSnapshot[state.Records.Count];
        i = 0;
        foreach (var (id, snap) in state.Records)
        {
            if (!fresh && !string.Equals(recordIds[i], id, StringComparison.Ordinal))
            {
                recordIds = CopyPrefix(recordIds, i);
                fresh = true;
            }

            if (fresh)
            {
                recordIds[i] = id;
            }

            Records[i++] = snap;
        }

        RecordIds = recordIds;
    }

    public MailboxSyncState State { get; }

    /// <summary>A new array of <paramref name="shared"/>'s length holding its first <paramref name="count"/> entries.</summary>
    private static string[] CopyPrefix(string[] shared, int count)
    {
        var copy = new string[shared.Length];
        shared.AsSpan(0, count).CopyTo(copy);
        return copy;
    }

    public string EmployeeId => State.EmployeeId;

    public long CursorPosition { get; }

    public long Watermark => State.Watermark.Value;

    /// <summary>Event ids and their snapshots, in the state's (ordinal) key order.</summary>
    public string[] EventIds { get; }

    public EventSnapshot[] Events { get; }

    /// <summary>ObjectIDs and their snapshots, in the state's (ordinal) key order.</summary>
    public string[] RecordIds { get; }

    public RecordSnapshot[] Records { get; }

    public EventSnapshot? Event(string eventId)
    {
        var ids = EventIds;
        for (var i = 0; i < ids.Length; i++)
        {
            if (string.Equals(ids[i], eventId, StringComparison.Ordinal))
            {
                return Events[i];
            }
        }

        return null;
    }

    public RecordSnapshot? Record(string objectId)
    {
        var ids = RecordIds;
        for (var i = 0; i < ids.Length; i++)
        {
            if (string.Equals(ids[i], objectId, StringComparison.Ordinal))
            {
                return Records[i];
            }
        }

        return null;
    }
}
