namespace RulesSync.Emulators.Organization;

/// <summary>One attendee line inside one mailbox's copy of a meeting.</summary>
internal sealed class AttendeeState(string email, string type, AttendeeResponse response)
{
    public string Email { get; } = email;

    public string Type { get; set; } = type;

    public AttendeeResponse Response { get; set; } = response;

    public AttendeeState Clone() => new(Email, Type, Response);
}

/// <summary>
/// One event in one mailbox. The organizer's item is the master; each attendee's item is a
/// copy with its own id and the same UID, refreshed when a message (or, within Google, the shared
/// calendar store) delivers the organizer's change. Deleted items stay as tombstones so that
/// delta and sync tokens can report them. Guarded by <see cref="CalendarWorld"/>'s lock.
/// </summary>
internal sealed class CalendarItem
{
    private readonly bool allDay;

    public required string Id { get; init; }

    public required string Mailbox { get; init; }

    public required CalendarProvider Provider { get; init; }

    public required string ICalUid { get; init; }

    public required string Organizer { get; init; }

    public required DateTimeOffset Created { get; init; }

    /// <summary>Graph <c>transactionId</c>: the client's key for the create that made this event (organizer's event only).</summary>
    public string? TransactionId { get; init; }

    public string Subject { get; set; } = "";

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset End { get; set; }

    public List<AttendeeState> Attendees { get; set; } = [];

    public bool IsOrganizer => string.Equals(Mailbox, Organizer, StringComparison.OrdinalIgnoreCase);

    /// <summary>This mailbox's own response (Organizer for the organizer).</summary>
    public AttendeeResponse Response { get; set; }

    /// <summary>Exchange: the attendee copy of a cancelled meeting stays, marked cancelled.</summary>
    public bool IsCancelled { get; set; }

    /// <summary>Gone from the calendar (deleted, cancelled by its organizer, declined on Exchange).</summary>
    public bool Deleted { get; set; }

    /// <summary>The world's change sequence at this item's last change: delta and sync tokens compare it.</summary>
    public long ChangeSequence { get; set; }

    /// <summary>Times this item changed, from 0; part of etags and change keys.</summary>
    public int Version { get; set; }

    public DateTimeOffset LastModified { get; set; }

    public string ChangeKey { get; set; } = "";

    /// <summary>A series master's recurrence (Graph <c>seriesMaster</c>, Google's recurring event); null otherwise.</summary>
    public SeriesPattern? Pattern { get; set; }

    /// <summary>An occurrence's series master in this mailbox (Graph <c>seriesMasterId</c>, Google <c>recurringEventId</c>).</summary>
    public string? SeriesMasterId { get; init; }

    /// <summary>An occurrence's start as the rule gives it (Graph <c>originalStart</c>, Google <c>originalStartTime</c>).</summary>
    public DateTimeOffset? OriginalStart { get; init; }

    /// <summary>An occurrence changed on its own (Graph <c>exception</c>): series changes no longer rewrite it.</summary>
    public bool IsException { get; set; }

    /// <summary>An occurrence of an all-day series (a master says so in its pattern).</summary>
    public bool IsAllDay { get => Pattern?.IsAllDay ?? allDay; init => allDay = value; }

    public bool IsSeriesMaster => Pattern is not null;

    public bool IsOccurrence => SeriesMasterId is not null;

    public CalendarEntry ToEntry() => new(
        Mailbox,
        Id,
        ICalUid,
        Subject,
        Start,
        End,
        Organizer,
        IsOrganizer,
        IsCancelled,
        Response,
        [.. Attendees.Select(a => new AttendeeEntry(a.Email, a.Type, a.Response))],
        SeriesMasterId,
        OriginalStart,
        IsSeriesMaster,
        IsException);
}
