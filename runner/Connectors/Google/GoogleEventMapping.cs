using System.Collections.Immutable;
using System.Globalization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>Calendar v3 event ⇄ engine <see cref="MailboxItem"/> / <see cref="MeetingContent"/>. Pure.</summary>
internal static class GoogleEventMapping
{
    public const string Cancelled = "cancelled";

    /// <summary>
    /// A deleted event: "cancelled" with nothing but its id (Google only guarantees the id of a deleted event).
    /// A cancelled event that still carries its content is an event marked cancelled, not a removal.
    /// </summary>
    public static bool IsDeleted(CalendarEvent e) => e.Status == Cancelled && e.Start is null && e.ICalUID is null;

    public static MailboxItem Removal(string eventId) => FullResync.Removal(eventId);

    public static MailboxItem ToItem(CalendarEvent e, EmployeeDirectory directory, string typeProperty)
    {
        var id = e.Id ?? throw new InvalidOperationException("Google returned an event without an id");
        if (IsDeleted(e))
        {
            return Removal(id);
        }

        var organizer = EmployeeDirectory.IdOf(e.Organizer?.Email ?? string.Empty);
        var isOrganizer = e.Organizer?.Self == true;
        var attendees = ImmutableArray.CreateBuilder<MeetingAttendee>();
        var own = AttendeeResponse.None;
        foreach (var a in e.Attendees ?? [])
        {
            var address = EmployeeDirectory.IdOf(a.Email ?? string.Empty);
            if (a.Self == true && !isOrganizer)
            {
                own = Response(a.ResponseStatus);
            }

            if (address.Length == 0 || address == organizer || a.Organizer == true)
            {
                continue;
            }

            attendees.Add(new MeetingAttendee(address, directory.IsEmployee(address), Response(a.ResponseStatus)));
        }

        attendees.Sort((x, y) => string.CompareOrdinal(x.Address, y.Address));
        var type = e.ExtendedProperties?.Private?.TryGetValue(typeProperty, out var t) == true && string.Equals(t, "visit", StringComparison.OrdinalIgnoreCase)
            ? MeetingType.Visit
            : MeetingType.Appointment;
        // An instance of a recurring event (singleEvents=true): every instance shares the series' iCalUID and is
        // identified by its originalStartTime, so it is synced as a meeting of its own under series UID + original start.
        var occurrence = e is { RecurringEventId: not null, OriginalStartTime: { } original, ICalUID: { } seriesUid }
            ? new OccurrenceId(new MeetingUid(seriesUid), Instant(original), original.Date is not null)
            : (OccurrenceId?)null;
        return new MailboxItem(
            id,
            e.ETag ?? string.Empty,
            occurrence?.Key ?? new MeetingUid(e.ICalUID ?? id),
            isOrganizer,
            organizer,
            attendees.ToImmutable(),
            e.Status == Cancelled,
            e.Summary ?? string.Empty,
            Instant(e.Start),
            Instant(e.End),
            type,
            own,
            Removed: false,
            occurrence,
            // Calendar v3 has no exception flag: an instance whose start differs from its original start was moved.
            // Other own edits (subject, attendees) are not visible on the instance alone and are not flagged.
            IsException: occurrence is not null && Instant(e.Start) != occurrence.Value.OriginalStart);
    }

    public static CalendarEvent ToEvent(MeetingContent content, string mailbox, string typeProperty)
    {
        var self = EmployeeDirectory.IdOf(mailbox);
        return new CalendarEvent
        {
            Summary = content.Subject,
            Start = Zone(content.Start),
            End = Zone(content.End),
            Attendees = [.. content.Attendees.Where(a => EmployeeDirectory.IdOf(a) != self).Select(a => new EventAttendee { Email = a })],
            ExtendedProperties = new EventExtendedProperties
            {
                Private = new Dictionary<string, string> { [typeProperty] = content.Type == MeetingType.Visit ? "visit" : "appointment" },
            },
        };
    }

    private static EventDateTime Zone(DateTimeOffset value) => new()
    {
        DateTime = value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        TimeZone = "UTC",
    };

    /// <summary>A <c>dateTime</c> as an instant; an all-day <c>date</c> as UTC midnight (as the engine keys whole days).</summary>
    internal static DateTimeOffset Instant(EventDateTime? value) =>
        value?.DateTime is { Length: > 0 } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime()
            : value?.Date is { Length: > 0 } day && DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                : default;

    private static AttendeeResponse Response(string? status) => status switch
    {
        "accepted" or "tentative" => AttendeeResponse.Accepted,
        "declined" => AttendeeResponse.Declined,
        _ => AttendeeResponse.None,
    };
}
