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
    {
        State = state;
        CursorPosition = SimCursor.Position(state.Cursor);
        EventIds = new string[state.Events.Count];
        Events = new EventSnapshot[state.Events.Count];
        var i = 0;
        foreach (var (id, snap) in state.Events)
        {
            EventIds[i] = id;
            Events[i++] = snap;
        }

        RecordIds = new string[state.Records.Count];
        Records = new RecordSnapshot[state.Records.Count];
        i = 0;
        foreach (var (id, snap) in state.Records)
        {
            RecordIds[i] = id;
            Records[i++] = snap;
        }
    }

    public MailboxSyncState State { get; }

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
