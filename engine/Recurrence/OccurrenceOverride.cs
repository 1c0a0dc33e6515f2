using System.Collections.Immutable;

namespace RulesSync.Engine.Recurrence;

/// <summary>
/// An occurrence exception (RFC 5545: an overridden instance): how one occurrence of a series departs from its rule, keyed by the occurrence's original start (RECURRENCE-ID).
/// A closed set: <see cref="OccurrenceModified"/> (moved and/or edited), <see cref="OccurrenceCancelled"/> (still
/// listed, cancelled: Graph <c>isCancelled</c> on the occurrence, Google an instance with status cancelled) and
/// <see cref="OccurrenceDeleted"/> (gone from the series: an EXDATE). Immutable and thread-safe.
/// </summary>
/// <param name="OriginalStart">The occurrence's original start (UTC; a day: UTC midnight).</param>
public abstract record OccurrenceOverride(DateTimeOffset OriginalStart);

/// <summary>
/// One occurrence moved or edited (an "exception" in Graph's words). Every field is an override: null means the
/// occurrence follows the series there, so a later series-level subject change still reaches a merely moved
/// occurrence.
/// </summary>
/// <param name="OriginalStart">The occurrence's original start.</param>
/// <param name="Start">The new start, or null when not moved.</param>
/// <param name="End">The new end, or null when not moved.</param>
/// <param name="Subject">The occurrence's own subject, or null.</param>
/// <param name="Attendees">The occurrence's own attendee list, or null.</param>
public sealed record OccurrenceModified(
    DateTimeOffset OriginalStart,
    CalendarTime? Start = null,
    CalendarTime? End = null,
    string? Subject = null,
    ImmutableArray<string>? Attendees = null) : OccurrenceOverride(OriginalStart)
{
    /// <summary>Whether the occurrence was moved (its times are overridden).</summary>
    public bool IsMoved => Start is not null || End is not null;

    /// <summary>Value equality comparing attendee lists element by element.</summary>
    public bool Equals(OccurrenceModified? other) =>
        other is not null && OriginalStart == other.OriginalStart && Start == other.Start && End == other.End
        && Subject == other.Subject && Attendees.HasValue == other.Attendees.HasValue
        && (!Attendees.HasValue || Attendees.Value.SequenceEqual(other.Attendees!.Value));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(OriginalStart, Start, End, Subject);
}

/// <summary>One occurrence cancelled by the organizer: it stays listed (and in the CRM) as cancelled.</summary>
/// <param name="OriginalStart">The occurrence's original start.</param>
public sealed record OccurrenceCancelled(DateTimeOffset OriginalStart) : OccurrenceOverride(OriginalStart);

/// <summary>One occurrence deleted from the series (an EXDATE): it no longer exists anywhere.</summary>
/// <param name="OriginalStart">The occurrence's original start.</param>
public sealed record OccurrenceDeleted(DateTimeOffset OriginalStart) : OccurrenceOverride(OriginalStart);
