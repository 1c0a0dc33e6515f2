namespace RulesSync.Emulators.Organization;

/// <summary>An attendee's response, provider-neutral (Graph and Google spell these differently).</summary>
public enum AttendeeResponse
{
    /// <summary>Not answered (Graph <c>none</c>, Google <c>needsAction</c>).</summary>
    None,

    /// <summary>The organizer's own entry (Graph <c>organizer</c>).</summary>
    Organizer,

    /// <summary>Accepted.</summary>
    Accepted,

    /// <summary>Tentatively accepted.</summary>
    Tentative,

    /// <summary>Declined.</summary>
    Declined,
}

/// <summary>An attendee as one calendar entry shows it.</summary>
public sealed record AttendeeEntry(string Email, string Type, AttendeeResponse Response);

/// <summary>
/// A snapshot of one event in one mailbox, for assertions. A series shows as its master
/// (<see cref="IsSeriesMaster"/>) and one entry per occurrence (<see cref="SeriesMasterId"/>, <see cref="OriginalStart"/>).
/// </summary>
public sealed record CalendarEntry(
    string Mailbox,
    string Id,
    string ICalUid,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Organizer,
    bool IsOrganizer,
    bool IsCancelled,
    AttendeeResponse Response,
    IReadOnlyList<AttendeeEntry> Attendees,
    string? SeriesMasterId = null,
    DateTimeOffset? OriginalStart = null,
    bool IsSeriesMaster = false,
    bool IsException = false);

/// <summary>A meeting to schedule: who, when, what.</summary>
public sealed record MeetingDraft(string Subject, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<string> Attendees);
