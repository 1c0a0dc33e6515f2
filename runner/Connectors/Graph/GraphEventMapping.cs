using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Graph.Models;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;
using MailboxItem = RulesSync.Engine.Sync.MailboxItem;
using GraphAttendee = Microsoft.Graph.Models.Attendee;

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>Graph <c>event</c> ⇄ engine <see cref="MailboxItem"/> / <see cref="MeetingContent"/>. Pure.</summary>
internal static class GraphEventMapping
{
    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff";

    public static bool IsRemoved(Event e) => e.AdditionalData?.ContainsKey("@removed") == true;

    /// <summary>A removal notice: only the id is meaningful (the UID slot carries the id, as nothing else is known).</summary>
    public static MailboxItem Removal(string eventId) => FullResync.Removal(eventId);

    /// <summary>
    /// Maps an event. An occurrence or exception of a series (it has <c>seriesMasterId</c> and <c>originalStart</c>)
    /// is keyed by series UID + original start: <paramref name="seriesUid"/> is the series master's iCalUId (each
    /// occurrence has its own iCalUId in Graph, so the master's is asked for once); without it the master id stands in.
    /// </summary>
    public static MailboxItem ToItem(Event e, EmployeeDirectory directory, string visitCategory, string? seriesUid = null)
    {
        var id = e.Id ?? throw new InvalidOperationException("Graph returned an event without an id");
        if (IsRemoved(e))
        {
            return Removal(id);
        }

        var organizer = EmployeeDirectory.IdOf(e.Organizer?.EmailAddress?.Address ?? string.Empty);
        var attendees = ImmutableArray.CreateBuilder<MeetingAttendee>();
        foreach (var a in e.Attendees ?? [])
        {
            var address = EmployeeDirectory.IdOf(a.EmailAddress?.Address ?? string.Empty);
            if (address.Length == 0 || address == organizer)
            {
                continue;
            }

            attendees.Add(new MeetingAttendee(address, directory.IsEmployee(address), Response(a.Status?.Response)));
        }

        attendees.Sort((x, y) => string.CompareOrdinal(x.Address, y.Address));

        // Each occurrence of a series is a meeting of its own, keyed by series UID + original start, the same in every
        // participant's mailbox and provider.
        var occurrence = e is { SeriesMasterId: { } master, OriginalStart: { } original }
            ? new OccurrenceId(new MeetingUid(seriesUid ?? master), original.ToUniversalTime(), e.IsAllDay == true)
            : (OccurrenceId?)null;
        var uid = occurrence?.ToString() ?? e.ICalUId ?? id;
        var type = (e.Categories ?? []).Any(c => string.Equals(c, visitCategory, StringComparison.OrdinalIgnoreCase))
            ? MeetingType.Visit
            : MeetingType.Appointment;
        return new MailboxItem(
            id,
            e.ChangeKey ?? string.Empty,
            new MeetingUid(uid),
            e.IsOrganizer == true,
            organizer,
            attendees.ToImmutable(),
            e.IsCancelled == true,
            e.Subject ?? string.Empty,
            Instant(e.Start),
            Instant(e.End),
            type,
            e.IsOrganizer == true ? AttendeeResponse.None : Response(e.ResponseStatus?.Response),
            Removed: false,
            occurrence,
            IsException: e.Type == EventType.Exception);
    }

    public static Event ToEvent(MeetingContent content, string mailbox, string visitCategory)
    {
        var self = EmployeeDirectory.IdOf(mailbox);
        return new Event
        {
            Subject = content.Subject,
            Start = Zone(content.Start),
            End = Zone(content.End),
            Attendees = [.. content.Attendees
                .Where(a => EmployeeDirectory.IdOf(a) != self)
                .Select(a => new GraphAttendee { EmailAddress = new EmailAddress { Address = a }, Type = AttendeeType.Required })],
            Categories = content.Type == MeetingType.Visit ? [visitCategory] : [],
        };
    }

    public static DateTimeTimeZone Zone(DateTimeOffset value) => new()
    {
        DateTime = value.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture),
        TimeZone = "UTC",
    };

    private static DateTimeOffset Instant(DateTimeTimeZone? value)
    {
        if (value?.DateTime is not { } text)
        {
            return default;
        }

        var local = DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        if (value.TimeZone is null or "UTC" or "Etc/UTC" or "tzone://Microsoft/Utc")
        {
            return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc));
        }

        // We ask for UTC (Prefer: outlook.timezone="UTC"); other zones are converted in case a server ignores that.
        var zone = TimeZoneInfo.FindSystemTimeZoneById(value.TimeZone);
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified)).ToUniversalTime();
    }

    private static AttendeeResponse Response(ResponseType? response) => response switch
    {
        ResponseType.Accepted or ResponseType.TentativelyAccepted => AttendeeResponse.Accepted,
        ResponseType.Declined => AttendeeResponse.Declined,
        _ => AttendeeResponse.None,
    };
}
