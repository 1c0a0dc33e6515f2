using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Sync;

/// <summary>An attendee's answer to an invitation, as a mailbox reports it.</summary>
public enum AttendeeResponse : byte
{
    /// <summary>No answer yet.</summary>
    None,

    /// <summary>Accepted.</summary>
    Accepted,

    /// <summary>Declined (the organizer's event shows it).</summary>
    Declined,
}

/// <summary>One invitee of a meeting as a mailbox lists it. Immutable.</summary>
/// <param name="Address">The employee id, or the external address.</param>
/// <param name="IsEmployee">Whether the invitee is an employee of the tenant.</param>
/// <param name="Response">The invitee's answer as this replica shows it.</param>
public readonly record struct MeetingAttendee(string Address, bool IsEmployee, AttendeeResponse Response);

/// <summary>
/// A position in a mailbox's change stream: the provider's own token (a Graph deltaLink, a Google nextSyncToken),
/// opaque to the engine and stored as it is, so a restarted runner continues exactly where it stopped.
/// </summary>
/// <param name="Token">The provider's token; null means "from the beginning" (a full listing).</param>
public readonly record struct MailboxCursor(string? Token)
{
    /// <summary>The cursor of a mailbox that has never been read: the next read is a full listing.</summary>
    public static MailboxCursor Start => default;

    /// <summary>Whether the next read from here is a full listing.</summary>
    public bool IsStart => Token is null;
}

/// <summary>
/// One item of a mailbox listing or delta page: an event (the organizer's or an attendee's copy) or a removal
/// notice (<see cref="Removed"/>; then only <see cref="EventId"/> is meaningful). Immutable.
/// </summary>
/// <param name="EventId">The provider's id of this replica (unique within the tenant).</param>
/// <param name="ChangeKey">The provider's version of this replica (Graph changeKey, Google etag).</param>
/// <param name="Uid">The meeting's iCalendar UID (the same on every participant's copy).</param>
/// <param name="IsOrganizer">Whether this mailbox's owner organizes the meeting.</param>
/// <param name="Organizer">The organizer's employee id or external address.</param>
/// <param name="Attendees">The invitees with their answers, sorted by address.</param>
/// <param name="Cancelled">Whether the event is cancelled (Graph <c>isCancelled</c>, Google status).</param>
/// <param name="Subject">Subject line.</param>
/// <param name="Start">Start (UTC).</param>
/// <param name="End">End (UTC).</param>
/// <param name="Type">Appointment or visit (a category on the event).</param>
/// <param name="OwnResponse">This mailbox owner's own answer (attendee copies).</param>
/// <param name="Removed">Whether this is a removal notice (Graph <c>@removed</c>).</param>
/// <param name="Occurrence">
/// For one occurrence of a recurring series: its series UID and original start. The connectors then key the item by
/// <see cref="Recurrence.OccurrenceId.ToString"/> in <see cref="Uid"/>, so each occurrence is a meeting of its own
/// everywhere (one CRM record per occurrence); null for a single meeting.
/// </param>
/// <param name="IsException">Whether the occurrence was changed on its own (Graph <c>exception</c>, a Google instance with its own changes).</param>
/// <param name="Scope">
/// How far the change that produced this item reaches, when the connector could tell from the provider (a removal
/// notice of an occurrence: its series master gone or cancelled → <see cref="ChangeScope.Series"/>; the series ended
/// before it → <see cref="ChangeScope.Following"/>; the master still there → <see cref="ChangeScope.One"/>). Null
/// leaves it to the engine: an exception's change is its own, a regular occurrence created or updated changes with
/// its series, and anything else counts as this occurrence's alone. Meaningless for a single meeting.
/// </param>
public sealed record MailboxItem(
    string EventId,
    string ChangeKey,
    MeetingUid Uid,
    bool IsOrganizer,
    string Organizer,
    ImmutableArray<MeetingAttendee> Attendees,
    bool Cancelled,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    MeetingType Type,
    AttendeeResponse OwnResponse,
    bool Removed,
    Recurrence.OccurrenceId? Occurrence = null,
    bool IsException = false,
    ChangeScope? Scope = null)
{
    /// <summary>The meeting content this replica shows (attendee answers are not content).</summary>
    public MeetingContent ToContent()
    {
        var names = ImmutableArray.CreateBuilder<string>(Attendees.Length);
        foreach (var a in Attendees)
        {
            names.Add(a.Address);
        }

        names.Sort(StringComparer.Ordinal);
        return new MeetingContent(Uid, Subject, Start, End, Organizer, names.MoveToImmutable(), Cancelled, Type);
    }

    /// <summary>Value equality comparing attendees element by element.</summary>
    public bool Equals(MailboxItem? other) =>
        other is not null && EventId == other.EventId && ChangeKey == other.ChangeKey && Uid == other.Uid
        && IsOrganizer == other.IsOrganizer && Organizer == other.Organizer && Cancelled == other.Cancelled
        && Subject == other.Subject && Start == other.Start && End == other.End && Type == other.Type
        && OwnResponse == other.OwnResponse && Removed == other.Removed && Occurrence == other.Occurrence
        && IsException == other.IsException && Scope == other.Scope && Attendees.SequenceEqual(other.Attendees);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(EventId, ChangeKey, Uid, Removed);
}

/// <summary>One page of a mailbox listing or delta: changed items and removal notices since a cursor. Immutable.</summary>
/// <param name="Items">Changed events and removal notices, oldest change first.</param>
/// <param name="Next">The cursor to read from next time.</param>
public sealed record MailboxPage(ImmutableArray<MailboxItem> Items, MailboxCursor Next);

/// <summary>What a mailbox write returned: the replica's id and its new version (for echo suppression).</summary>
/// <param name="EventId">The event's id.</param>
/// <param name="ChangeKey">The event's version after the write.</param>
/// <param name="Item">The event as it now stands (null when it was removed).</param>
public sealed record MailboxWrite(string EventId, string ChangeKey, MailboxItem? Item);

/// <summary>
/// The port to one employee's mailbox: Microsoft Graph (Exchange) or Google Calendar in the runner, the simulator's
/// in-memory mailbox there. Bound to one mailbox. Asynchronous because the runner's are network calls; the
/// simulator's complete synchronously. Writes return the new version so the sync can recognise its own writes when
/// they come back through the delta.
/// </summary>
public interface IMailboxPort
{
    /// <summary>The provider behind this mailbox.</summary>
    Provider Provider { get; }

    /// <summary>Events changed or removed since <paramref name="cursor"/> (everything from <see cref="MailboxCursor.Start"/>).</summary>
    ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the organizer's event and invites its attendees. <paramref name="idempotencyKey"/> identifies this
    /// create: asked again with the same key (a retry, a restart after a crash) the port returns the event it already
    /// created instead of creating a second one.
    /// </summary>
    ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Changes the organizer's event (time, subject, attendees); attendees get an update.</summary>
    ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels the organizer's event: the only write that sends cancellations to attendees. Returns the organizer's
    /// event as it stands after the cancel: cancelled (Graph keeps it, <c>isCancelled</c>) or removed
    /// (<see cref="MailboxWrite.Item"/> null where the provider deletes a cancelled organizer's event, as Google does).
    /// </summary>
    ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a replica without notifying anyone (an attendee's copy; or on Google, <c>sendUpdates=none</c>). The
    /// planner never asks this for an organizer's Exchange event with attendees: Exchange would send cancellations.
    /// Removing a replica that is already gone succeeds.
    /// </summary>
    ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default);
}
