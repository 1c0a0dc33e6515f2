using System.Collections.Immutable;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What one employee's sync last saw of one of its mailbox's replicas, and the CRM record it is linked to in the
/// local link table. A removed replica stays as a tombstone (<see cref="MailboxItem.Removed"/>), so a later CRM
/// record for the same meeting is recognised as the one whose copy this employee removed. Immutable.
/// </summary>
/// <param name="Item">The replica as last decided on (its <see cref="MailboxItem.ChangeKey"/> is the last seen version).</param>
/// <param name="LinkedRecord">The CRM ObjectID this replica is linked to, if any.</param>
/// <param name="OutOfWindow">
/// Whether this replica was first seen beyond the sync window and every decision on it since was taken there, unlinked:
/// to the rules it has not been seen yet, so when it enters the window (moved, or carried in by the clock) it is observed
/// as <c>created</c>. A replica decided on inside the window, or linked, never is again (a CRM user's deletion of its
/// record is not undone by the window).
/// </param>
public sealed record EventSnapshot(MailboxItem Item, string? LinkedRecord, bool OutOfWindow = false);

/// <summary>
/// What one employee's sync knows of a CRM record: the latest version read, and the version it last decided on.
/// They differ while a CRM change is pending (deferred because the meeting's mailbox change went first). Immutable.
/// </summary>
/// <param name="Latest">The record as last read or written.</param>
/// <param name="Seen">The version last decided on; null when no decision has been made about it yet.</param>
/// <param name="OutOfWindow">
/// Whether every decision on this record was taken while it lay beyond the sync window: when it enters the window
/// (rescheduled, or carried in by the clock) it is observed as <c>created</c>, as if not seen before.
/// </param>
public sealed record RecordSnapshot(CrmRecord Latest, CrmRecord? Seen, bool OutOfWindow = false)
{
    /// <summary>Whether a change to this record still awaits a decision.</summary>
    public bool Pending => Seen is null || Seen.ETag != Latest.ETag;
}

/// <summary>
/// The whole sync state of one employee's mailbox: the mailbox cursor, the CRM watermark, and per replica the
/// snapshot and link. Explicit and serializable (System.Text.Json), one object per mailbox — later one Orleans grain
/// per mailbox. Immutable; every sync returns a new state.
/// </summary>
/// <param name="EmployeeId">The employee whose mailbox this is.</param>
/// <param name="Cursor">Where the mailbox delta continues.</param>
/// <param name="Watermark">Where the CRM change poll continues.</param>
/// <param name="Events">Replica snapshots by event id.</param>
/// <param name="Records">CRM record snapshots by ObjectID.</param>
public sealed record MailboxSyncState(
    string EmployeeId,
    MailboxCursor Cursor,
    CrmWatermark Watermark,
    ImmutableSortedDictionary<string, EventSnapshot> Events,
    ImmutableSortedDictionary<string, RecordSnapshot> Records)
{
    /// <summary>The state of a mailbox that has never synced.</summary>
    public static MailboxSyncState Initial(string employeeId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(employeeId);
        return new(
            employeeId,
            default,
            default,
            ImmutableSortedDictionary.Create<string, EventSnapshot>(StringComparer.Ordinal),
            ImmutableSortedDictionary.Create<string, RecordSnapshot>(StringComparer.Ordinal));
    }

    /// <summary>
    /// How many meetings the state knows: distinct UIDs of live replicas and of records (a record whose dialect hides
    /// the UID counts as its own meeting). What the mass-change guard's shares are of.
    /// </summary>
    public int MeetingCount()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, e) in Events)
        {
            if (!e.Item.Removed)
            {
                keys.Add(e.Item.Uid.Value);
            }
        }

        foreach (var (_, r) in Records)
        {
            keys.Add(r.Latest.Uid?.Value ?? ReconciliationStep.RecordKey(r.Latest.ObjectId));
        }

        return keys.Count;
    }
}

/// <summary>Tenant settings one employee's sync runs with. Immutable.</summary>
/// <param name="EmployeeId">The employee whose mailbox is synced.</param>
/// <param name="AutoShare">Whether the tenant auto-shares meetings with the CRM.</param>
/// <param name="WindowPast">How far back from "now" meetings are in the sync window.</param>
/// <param name="WindowFuture">How far ahead of "now" meetings are in the sync window.</param>
public sealed record SyncSettings(string EmployeeId, bool AutoShare, TimeSpan WindowPast, TimeSpan WindowFuture)
{
    /// <summary>Settings with a window of 30 days back and 365 days ahead.</summary>
    public static SyncSettings For(string employeeId, bool autoShare) =>
        new(employeeId, autoShare, TimeSpan.FromDays(30), TimeSpan.FromDays(365));
}
