namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// Thrown instead of deleting an Exchange organizer's event that has attendees: Exchange would send every
/// attendee a cancellation, and only a decided cancel (<c>CancelEventAsync</c>) may do that.
/// </summary>
public sealed class OrganizerDeleteRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception for one event.</summary>
    public OrganizerDeleteRefusedException(string mailbox, string eventId, int attendees)
        : base($"refusing to DELETE event {eventId} in {mailbox}: the mailbox organizes it and {attendees} attendee(s) would receive a cancellation; only a decided cancel may notify them")
    {
        Mailbox = mailbox;
        EventId = eventId;
    }

    /// <summary>Creates the exception with a message.</summary>
    public OrganizerDeleteRefusedException()
        : this(string.Empty, string.Empty, 0)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OrganizerDeleteRefusedException(string message)
        : base(message)
    {
        Mailbox = EventId = string.Empty;
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public OrganizerDeleteRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Mailbox = EventId = string.Empty;
    }

    /// <summary>The mailbox.</summary>
    public string Mailbox { get; }

    /// <summary>The organizer's event.</summary>
    public string EventId { get; }
}
