using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>Version strings (change keys, ETags), cached: they are built on every listing.</summary>
internal static class Versions
{
    private static readonly string[] ChangeKeys = Enumerable.Range(0, 64).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    private static readonly string[] ETags = Enumerable.Range(0, 64).Select(i => "W/\"" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"").ToArray();

    public static string ChangeKey(int version) => version < ChangeKeys.Length ? ChangeKeys[version] : version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string ETag(int version) => version < ETags.Length ? ETags[version] : "W/\"" + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
}

/// <summary>One event in a simulated mailbox: the organizer's event or an attendee's copy. Removed rows stay as tombstones for deltas.</summary>
internal sealed record EventRow(
    string Id,
    string Uid,
    bool IsOrganizer,
    string Organizer,
    ImmutableArray<MeetingAttendee> Attendees,
    bool Cancelled,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    MeetingType Type,
    AttendeeResponse OwnResponse,
    int Version,
    long Changed,
    bool Removed,
    bool RemovedByOwner,
    Engine.Recurrence.OccurrenceId? Occurrence = null,
    bool IsException = false,
    ChangeScope? Scope = null)
{
    // The row's item, built on the first listing and reused by every later one (rows are immutable and shared by
    // clones; a sync lists every changed row). A `with` copy inherits both fields; _itemOf, the row the item was
    // built for, tells the copy the item is not its own. Written item first, owner last; read owner first.
    private MailboxItem? _item;
    private EventRow? _itemOf;

    /// <summary>The row as a mailbox listing returns it (cached: the same instance for every listing of this row).</summary>
    public MailboxItem ToItem()
    {
        if (ReferenceEquals(Volatile.Read(ref _itemOf), this))
        {
            return _item!;
        }

        var item = Removed
            ? new MailboxItem(Id, string.Empty, new(Uid), IsOrganizer, Organizer, [], Cancelled, Subject, Start, End, Type, OwnResponse, Removed: true, Occurrence, IsException, Scope)
            : new MailboxItem(Id, Versions.ChangeKey(Version), new(Uid), IsOrganizer, Organizer, Attendees, Cancelled, Subject, Start, End, Type, OwnResponse, Removed: false, Occurrence, IsException, Scope);
        _item = item;
        Volatile.Write(ref _itemOf, this);
        return item;
    }
}

/// <summary>
/// One CRM appointment row; <see cref="Uid"/> is stored whether or not the dialect exposes it. Deleted rows stay as
/// tombstones. <see cref="Meeting"/> is the simulator's own tag, never read by a sync: the UID of the replica a share
/// created the record from (so the invariants tell two meetings' records apart on v1, which stores no UID).
/// </summary>
internal sealed record CrmRow(
    string ObjectId,
    string? Uid,
    string? GroupwareItemId,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    CrmStatus Status,
    string Owner,
    string Organizer,
    ImmutableArray<CrmParty> Parties,
    MeetingType Type,
    int Version,
    long Changed,
    bool Deleted,
    string? Meeting = null)
{
    public bool Involves(string employee) => CrmRecord.Involves(Owner, Parties, employee);

    // The row's record in the last dialect asked for, reused by later reads (see EventRow.ToItem: _recordOf tells a
    // `with` copy the cached record is not its own).
    private CrmRecord? _record;
    private CrmRow? _recordOf;

    /// <summary>The row as the CRM returns it through <paramref name="dialect"/> (cached per row and dialect).</summary>
    public CrmRecord ToRecord(ApiVersion dialect)
    {
        if (ReferenceEquals(Volatile.Read(ref _recordOf), this) && _record is { } cached && (cached.Uid is not null) == (dialect == ApiVersion.V2 && Uid is not null))
        {
            return cached;
        }

        var record = BuildRecord(dialect);
        _record = record;
        Volatile.Write(ref _recordOf, this);
        return record;
    }

    private CrmRecord BuildRecord(ApiVersion dialect) => new(
        ObjectId,
        Versions.ETag(Version),
        dialect == ApiVersion.V2 && Uid is not null ? new Engine.Meetings.MeetingUid(Uid) : null,
        GroupwareItemId,
        Subject,
        Start,
        End,
        Status,
        Owner,
        Organizer,
        Parties,
        Type);
}

/// <summary>A message a mailbox sent: an invitation, an update, a response, or a cancellation.</summary>
public enum MessageKind : byte
{
    /// <summary>A meeting invitation.</summary>
    Invitation,

    /// <summary>A meeting update (time, subject, attendees).</summary>
    Update,

    /// <summary>An attendee's response (decline) to the organizer.</summary>
    Response,

    /// <summary>A cancellation: what the incident sent nobody meant.</summary>
    Cancellation,
}

/// <summary>One message sent in the simulated world. Immutable.</summary>
/// <param name="Kind">What kind of message.</param>
/// <param name="From">Sender (employee id).</param>
/// <param name="To">Recipient (employee id or external address).</param>
/// <param name="Cause">Who caused it: a user action or an employee's sync.</param>
/// <param name="Uid">The meeting it is about, where one world holds two (the second meeting's <c>m2</c>); null otherwise.</param>
public readonly record struct SimMessage(MessageKind Kind, string From, string To, string Cause, string? Uid = null);

/// <summary>
/// The messages a world sent, oldest first: a persistent list that shares its past with every clone, so sending one
/// message allocates one cell (the explorer sends many and reads them only to report a violation).
/// </summary>
internal sealed class MessageLog : IEnumerable<SimMessage>
{
    public static readonly MessageLog Empty = new(default, null, 0);

    private readonly SimMessage _last;
    private readonly MessageLog? _previous;

    private MessageLog(SimMessage last, MessageLog? previous, int count)
    {
        _last = last;
        _previous = previous;
        Count = count;
    }

    public int Count { get; }

    public MessageLog Add(SimMessage message) => new(message, this, checked(Count + 1));

    public IEnumerator<SimMessage> GetEnumerator()
    {
        var all = new SimMessage[Count];
        var i = Count;
        for (var p = this; p.Count > 0; p = p._previous!)
        {
            all[--i] = p._last;
        }

        return ((IEnumerable<SimMessage>)all).GetEnumerator();
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
