using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Decisions;

/// <summary>
/// The content of a meeting as one replica shows it: what the stores must agree on. Immutable.
/// Times are UTC instants supplied by the providers; the engine never reads a clock.
/// </summary>
/// <param name="Uid">The meeting's iCalendar UID.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="Start">Start instant (UTC).</param>
/// <param name="End">End instant (UTC).</param>
/// <param name="Organizer">The organizing employee's id, or an external address.</param>
/// <param name="Attendees">Employee ids and external addresses invited, sorted ordinally.</param>
/// <param name="Cancelled">Whether the meeting is cancelled.</param>
/// <param name="Type">Appointment or visit.</param>
public sealed record MeetingContent(
    MeetingUid Uid,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Organizer,
    System.Collections.Immutable.ImmutableArray<string> Attendees,
    bool Cancelled,
    Changes.MeetingType Type)
{
    /// <summary>Value equality that compares the attendee lists element by element.</summary>
    public bool Equals(MeetingContent? other) =>
        other is not null
        && Uid == other.Uid
        && Subject == other.Subject
        && Start == other.Start
        && End == other.End
        && Organizer == other.Organizer
        && Cancelled == other.Cancelled
        && Type == other.Type
        && Attendees.SequenceEqual(other.Attendees);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Uid);
        hash.Add(Subject);
        hash.Add(Start);
        hash.Add(End);
        hash.Add(Organizer);
        hash.Add(Cancelled);
        hash.Add(Type);
        foreach (var a in Attendees)
        {
            hash.Add(a);
        }

        return hash.ToHashCode();
    }
}

/// <summary>
/// A command the shell (runner or simulator) must carry out as the result of a decision. Effects are data:
/// the engine plans them, the shell executes them through its ports, journaled, with
/// <see cref="IdempotencyKey"/> so a retried effect is applied at most once.
/// </summary>
/// <param name="IdempotencyKey">A key derived from the change and the decision, never from a clock or random source.</param>
public abstract record Effect(string IdempotencyKey);
