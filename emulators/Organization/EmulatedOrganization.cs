namespace RulesSync.Emulators.Organization;

/// <summary>
/// The organisation behind the Graph and Google emulators: its employees, their calendars and
/// every meeting message sent. The methods act as the employees' own mail clients would
/// (Outlook always sends; Google's UI sends to everybody), for tests, benchmarks and the demo
/// to make the moves that do not come from the sync. Thread-safe.
/// </summary>
public sealed class EmulatedOrganization
{
    private readonly CalendarWorld world;

    internal EmulatedOrganization(CalendarWorld world) => this.world = world;

    /// <summary>The employees, each on Exchange or on Google.</summary>
    public IReadOnlyList<Employee> Employees
    {
        get
        {
            lock (world.Gate)
            {
                return [.. world.Employees];
            }
        }
    }

    /// <summary>Every meeting message sent so far, in order.</summary>
    public IReadOnlyList<SentMessage> Messages => world.Messages;

    /// <summary>Messages received by one address.</summary>
    public IReadOnlyList<SentMessage> MessagesTo(string email) =>
        [.. world.Messages.Where(m => string.Equals(m.To, email, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The events currently in one mailbox's calendar (cancelled Exchange copies included, deleted ones not).</summary>
    public IReadOnlyList<CalendarEntry> Calendar(string email)
    {
        lock (world.Gate)
        {
            return [.. world.Items(email).Where(i => !i.Deleted).OrderBy(i => i.ChangeSequence).Select(i => i.ToEntry())];
        }
    }

    /// <summary>One mailbox's live copy of a meeting, by UID, or null.</summary>
    public CalendarEntry? Find(string email, string iCalUid)
    {
        lock (world.Gate)
        {
            return Live(email, iCalUid)?.ToEntry();
        }
    }

    /// <summary>The organizer schedules a meeting from their own client; invitations go to everybody.</summary>
    public CalendarEntry ScheduleMeeting(string organizer, MeetingDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        lock (world.Gate)
        {
            if (world.Find(organizer) is null)
            {
                throw new ArgumentException($"{organizer} is not an employee.", nameof(organizer));
            }

            return world.Create(organizer, draft, [.. draft.Attendees.Select(a => (a, "required"))], Notify.All).ToEntry();
        }
    }

    /// <summary>The organizer changes the meeting from their own client; updates go to everybody.</summary>
    public void Reschedule(string organizer, string iCalUid, DateTimeOffset start, DateTimeOffset end)
    {
        lock (world.Gate)
        {
            world.Update(Required(organizer, iCalUid), new EventPatch(Start: start, End: end), Notify.All);
        }
    }

    /// <summary>The organizer cancels from their own client; cancellations go to everybody.</summary>
    public void CancelMeeting(string organizer, string iCalUid, string? comment = null)
    {
        lock (world.Gate)
        {
            world.CancelByOrganizer(Required(organizer, iCalUid), Notify.All, comment);
        }
    }

    /// <summary>An attendee answers from their own client, sending the response.</summary>
    public void Respond(string attendee, string iCalUid, AttendeeResponse response)
    {
        lock (world.Gate)
        {
            world.Respond(Required(attendee, iCalUid), response, sendMessage: true, comment: null);
        }
    }

    /// <summary>An attendee deletes their own copy without answering.</summary>
    public void RemoveFromCalendar(string email, string iCalUid)
    {
        lock (world.Gate)
        {
            world.RemoveCopy(Required(email, iCalUid));
        }
    }

    /// <summary>
    /// The organizer schedules a recurring meeting from their own client: <paramref name="rule"/> is an RRULE value,
    /// its wall clock runs in <paramref name="timeZone"/> (IANA or Windows id); invitations go to everybody.
    /// </summary>
    public CalendarEntry ScheduleSeries(string organizer, MeetingDraft draft, string rule, string timeZone = "UTC", bool allDay = false)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var canonical = SeriesPattern.TryCanonical(rule, out var error) ?? throw new ArgumentException(error, nameof(rule));
        lock (world.Gate)
        {
            if (world.Find(organizer) is null)
            {
                throw new ArgumentException($"{organizer} is not an employee.", nameof(organizer));
            }

            return world.Create(organizer, draft, [.. draft.Attendees.Select(a => (a, "required"))], Notify.All, pattern: new SeriesPattern(canonical, timeZone, allDay)).ToEntry();
        }
    }

    /// <summary>The live occurrences of a series (by its master's UID) in one mailbox, by original start.</summary>
    public IReadOnlyList<CalendarEntry> Occurrences(string email, string seriesUid)
    {
        lock (world.Gate)
        {
            return Live(email, seriesUid) is { } master ? [.. world.Occurrences(master).Where(o => !o.Deleted).Select(o => o.ToEntry())] : [];
        }
    }

    /// <summary>The organizer cancels one occurrence from their own client; cancellations go to everybody.</summary>
    public void CancelOccurrence(string organizer, string seriesUid, DateTimeOffset originalStart)
    {
        lock (world.Gate)
        {
            world.CancelByOrganizer(RequiredOccurrence(organizer, seriesUid, originalStart), Notify.All, comment: null);
        }
    }

    /// <summary>The organizer moves one occurrence from their own client (it becomes an exception); updates go to everybody.</summary>
    public void MoveOccurrence(string organizer, string seriesUid, DateTimeOffset originalStart, DateTimeOffset start, DateTimeOffset end)
    {
        lock (world.Gate)
        {
            world.Update(RequiredOccurrence(organizer, seriesUid, originalStart), new EventPatch(Start: start, End: end), Notify.All);
        }
    }

    /// <summary>The organizer ends the series before <paramref name="cut"/> (an UNTIL just before it); updates go to everybody.</summary>
    public void EndSeries(string organizer, string seriesUid, DateTimeOffset cut)
    {
        lock (world.Gate)
        {
            var master = Required(organizer, seriesUid);
            var rule = new Ical.Net.DataTypes.RecurrencePattern(master.Pattern!.Rule) { Count = null };
            rule.Until = master.Pattern.IsAllDay
                ? new Ical.Net.DataTypes.CalDateTime(DateOnly.FromDateTime(cut.UtcDateTime).AddDays(-1))
                : new Ical.Net.DataTypes.CalDateTime(cut.UtcDateTime.AddSeconds(-1), "UTC");
            world.Update(master, new EventPatch(Pattern: master.Pattern with { Rule = rule.ToString()! }), Notify.All);
        }
    }

    private CalendarItem RequiredOccurrence(string email, string seriesUid, DateTimeOffset originalStart) =>
        (Live(email, seriesUid) is { } master ? world.Occurrences(master).FirstOrDefault(o => !o.Deleted && o.OriginalStart == originalStart) : null)
        ?? throw new InvalidOperationException($"{email} has no live occurrence of {seriesUid} at {originalStart:o}.");

    private CalendarItem? Live(string email, string iCalUid) =>
        world.Items(email).FirstOrDefault(i => !i.Deleted && !i.IsOccurrence && i.ICalUid == iCalUid);

    private CalendarItem Required(string email, string iCalUid) =>
        Live(email, iCalUid) ?? throw new InvalidOperationException($"{email} has no live event with UID {iCalUid}.");
}
