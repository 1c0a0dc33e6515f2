namespace RulesSync.Emulators.Organization;

/// <summary>The kind of meeting message a mailbox sent.</summary>
public enum MessageKind
{
    /// <summary>A meeting request to a new attendee.</summary>
    Invitation,

    /// <summary>An updated meeting request (time, subject or attendees changed).</summary>
    Update,

    /// <summary>A meeting cancellation.</summary>
    Cancellation,

    /// <summary>An attendee's response (accept, tentative, decline) to the organizer.</summary>
    Response,
}

/// <summary>
/// One meeting message, recorded when it is sent, whether or not the recipient is an employee.
/// Tests assert on these ("nobody received a cancellation").
/// </summary>
/// <param name="Sequence">Order of sending, from 1.</param>
/// <param name="Kind">Invitation, update, cancellation or response.</param>
/// <param name="From">Sender's email.</param>
/// <param name="To">Recipient's email.</param>
/// <param name="ICalUid">The meeting's iCalendar UID.</param>
/// <param name="Subject">The meeting's subject when sent.</param>
/// <param name="SentAt">The host's TimeProvider time when sent.</param>
/// <param name="Detail">The cancellation comment or the response given, if any.</param>
public sealed record SentMessage(
    long Sequence,
    MessageKind Kind,
    string From,
    string To,
    string ICalUid,
    string Subject,
    DateTimeOffset SentAt,
    string? Detail);
