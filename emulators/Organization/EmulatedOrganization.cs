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

    private CalendarItem? Live(string email, string iCalUid) =>
        world.Items(email).FirstOrDefault(i => !i.Deleted && i.ICalUid == iCalUid);

    private CalendarItem Required(string email, string iCalUid) =>
        Live(email, iCalUid) ?? throw new InvalidOperationException($"{email} has no live event with UID {iCalUid}.");
}
