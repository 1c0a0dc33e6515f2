using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Recurrence;

/// <summary>How an expanded occurrence stands against its series' rule.</summary>
public enum OccurrenceState : byte
{
    /// <summary>Exactly as the rule and the series say (Graph <c>occurrence</c>).</summary>
    Regular,

    /// <summary>Moved or edited on its own (Graph <c>exception</c>, Google an instance with its own changes).</summary>
    Modified,

    /// <summary>Cancelled on its own; the series goes on.</summary>
    Cancelled,
}

/// <summary>
/// One occurrence of a series as it stands: its id (series UID + original start), its actual times and content.
/// Produced by <see cref="MeetingSeries.Expand"/>. Immutable and thread-safe.
/// </summary>
/// <param name="Id">Series UID and original start.</param>
/// <param name="Start">Actual start (a moved occurrence: its new start).</param>
/// <param name="End">Actual end.</param>
/// <param name="Subject">Subject (the occurrence's own, or the series').</param>
/// <param name="Attendees">Attendees, sorted ordinally.</param>
/// <param name="State">Regular, modified or cancelled.</param>
public sealed record Occurrence(
    OccurrenceId Id,
    CalendarTime Start,
    CalendarTime End,
    string Subject,
    ImmutableArray<string> Attendees,
    OccurrenceState State)
{
    /// <summary>Whether the occurrence was moved off its original start.</summary>
    public bool IsMoved => Start.ToUtc() != Id.OriginalStart;

    /// <summary>The content one occurrence record or event shows, under the series' UID.</summary>
    public MeetingContent ToContent(string organizer, MeetingType type) =>
        new(Id.SeriesUid, Subject, Start.ToUtc(), End.ToUtc(), organizer, Attendees, State == OccurrenceState.Cancelled, type);

    /// <summary>Value equality comparing attendees element by element.</summary>
    public bool Equals(Occurrence? other) =>
        other is not null && Id == other.Id && Start == other.Start && End == other.End && Subject == other.Subject
        && State == other.State && Attendees.SequenceEqual(other.Attendees);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Start, End, Subject, State);
}
