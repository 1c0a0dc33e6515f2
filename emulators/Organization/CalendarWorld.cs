namespace RulesSync.Emulators.Organization;

/// <summary>Who gets a meeting message for an organizer's change.</summary>
internal enum Notify
{
    /// <summary>Everybody (Exchange always; Google <c>sendUpdates=all</c>).</summary>
    All,

    /// <summary>Nobody (Google <c>sendUpdates=none</c>, the API's default).</summary>
    None,

    /// <summary>Only guests not on Google Calendar (Google <c>sendUpdates=externalOnly</c>).</summary>
    ExternalOnly,
}

/// <summary>A change an organizer (or an attendee, to their own copy) makes to an event.</summary>
internal sealed record EventPatch(
    string? Subject = null,
    DateTimeOffset? Start = null,
    DateTimeOffset? End = null,
    IReadOnlyList<(string Email, string Type)>? Attendees = null,
    SeriesPattern? Pattern = null);

/// <summary>
/// All mailboxes of the organisation and the rules by which a meeting travels between them.
/// <list type="bullet">
/// <item>Within one provider an organizer's change always reaches attendees' copies (Exchange
/// always sends messages; Google shares one calendar store inside a domain).</item>
/// <item>Across providers a change travels only by message: a Google change with
/// <c>sendUpdates=none</c> never reaches an Exchange attendee.</item>
/// <item>Every message is recorded, employee or not.</item>
/// </list>
/// Not thread-safe by itself: handlers run on Kestrel's threads, so every caller holds
/// <see cref="Gate"/> (only <see cref="Messages"/> takes it itself).
/// </summary>
internal sealed partial class CalendarWorld
{
    private readonly Dictionary<string, Employee> employees = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<string, CalendarItem>> mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<SentMessage> messages = [];
    private readonly TimeProvider time;
    private long sequence;

    public CalendarWorld(OrganizationSeed seed, TimeProvider time, int idSeed)
    {
        this.time = time;
        Ids = new DeterministicIds(idSeed);
        foreach (var employee in seed.Employees)
        {
            employees.Add(employee.Email, employee);
            mailboxes.Add(employee.Email, new Dictionary<string, CalendarItem>(StringComparer.Ordinal));
        }
    }

    public Lock Gate { get; } = new();

    /// <summary>Called (under <see cref="Gate"/>) after each item's change: the push emulators queue notifications here.</summary>
    public Action<CalendarItem>? Changed { get; set; }

    public DeterministicIds Ids { get; }

    public DateTimeOffset Now => time.GetUtcNow();

    public IReadOnlyCollection<Employee> Employees => employees.Values;

    /// <summary>The last change sequence handed out (read under the lock).</summary>
    public long Sequence => sequence;

    public Employee? Find(string email) => employees.GetValueOrDefault(email);

    public IReadOnlyList<SentMessage> Messages
    {
        get
        {
            lock (Gate)
            {
                return [.. messages];
            }
        }
    }

    public IEnumerable<CalendarItem> Items(string mailbox) =>
        mailboxes.TryGetValue(mailbox, out var items) ? items.Values : [];

    public CalendarItem? Item(string mailbox, string id) =>
        mailboxes.TryGetValue(mailbox, out var items) ? items.GetValueOrDefault(id) : null;

    /// <summary>The mailbox's event created with Graph <paramref name="transactionId"/>, while it is still there.</summary>
    public CalendarItem? ByTransactionId(string mailbox, string transactionId) =>
        Items(mailbox).FirstOrDefault(i => !i.Deleted && !i.IsOccurrence && string.Equals(i.TransactionId, transactionId, StringComparison.Ordinal));

    public string DisplayName(string email) => employees.GetValueOrDefault(email)?.DisplayName ?? email;

    /// <summary>
    /// The organizer saves a new event and the attendees are invited. <paramref name="id"/> is a client-chosen event id
    /// (Google), checked by the caller; <paramref name="transactionId"/> is kept on the event (Graph).
    /// </summary>
    public CalendarItem Create(
        string organizer,
        MeetingDraft draft,
        IReadOnlyList<(string Email, string Type)> attendees,
        Notify notify,
        string? id = null,
        string? transactionId = null,
        SeriesPattern? pattern = null)
    {
        var owner = employees[organizer];
        id ??= NewId(owner.Provider);
        var uid = owner.Provider == CalendarProvider.Exchange ? Ids.ExchangeUid() : id + "@google.com";
        var master = new CalendarItem
        {
            Id = id,
            Mailbox = owner.Email,
            Provider = owner.Provider,
            ICalUid = uid,
            Organizer = owner.Email,
            Created = Now,
            TransactionId = transactionId,
            Subject = draft.Subject,
            Start = draft.Start,
            End = draft.End,
            Response = AttendeeResponse.Organizer,
            Attendees = [.. attendees.Select(a => new AttendeeState(a.Email, a.Type, AttendeeResponse.None))],
            Pattern = pattern,
        };
        mailboxes[owner.Email][id] = master;
        Touch(master);
        Materialize(master);
        foreach (var attendee in master.Attendees)
        {
            Send(master, attendee.Email, MessageKind.Invitation, notify, detail: null);
        }

        return master;
    }

    public void Update(CalendarItem item, EventPatch patch, Notify notify)
    {
        var removed = new List<string>();
        var added = new List<string>();
        if (patch.Subject is not null)
        {
            item.Subject = patch.Subject;
        }

        if (patch.Start is not null)
        {
            item.Start = patch.Start.Value;
        }

        if (patch.End is not null)
        {
            item.End = patch.End.Value;
        }

        if (patch.Attendees is not null)
        {
            var before = item.Attendees.ToDictionary(a => a.Email, StringComparer.OrdinalIgnoreCase);
            removed.AddRange(before.Keys.Where(e => !patch.Attendees.Any(a => string.Equals(a.Email, e, StringComparison.OrdinalIgnoreCase))));
            item.Attendees = [.. patch.Attendees.Select(a => before.TryGetValue(a.Email, out var old)
                ? new AttendeeState(old.Email, a.Type, old.Response)
                : new AttendeeState(a.Email, a.Type, AttendeeResponse.None))];
            added.AddRange(item.Attendees.Select(a => a.Email).Where(e => !before.ContainsKey(e)));
        }

        if (patch.Pattern is not null && item.IsSeriesMaster)
        {
            item.Pattern = patch.Pattern;
        }

        // An occurrence changed on its own becomes an exception; series changes reach the regular occurrences.
        item.IsException |= item.IsOccurrence;
        Touch(item);
        if (item.IsSeriesMaster && item.IsOrganizer)
        {
            Materialize(item);
        }

        if (!item.IsOrganizer)
        {
            // An attendee's own edit stays in their copy.
            return;
        }

        foreach (var attendee in item.Attendees)
        {
            Send(item, attendee.Email, added.Contains(attendee.Email, StringComparer.OrdinalIgnoreCase) ? MessageKind.Invitation : MessageKind.Update, notify, null);
        }

        foreach (var email in removed)
        {
            Send(item, email, MessageKind.Cancellation, notify, null);
        }
    }

    /// <summary>
    /// The organizer cancels (Graph <c>cancel</c>, Graph <c>DELETE</c> of the organizer's event,
    /// Google <c>DELETE</c> of the organizer's event): the master leaves the organizer's calendar;
    /// attendees the cancellation reaches see their copy cancelled.
    /// </summary>
    public void CancelByOrganizer(CalendarItem master, Notify notify, string? comment)
    {
        master.Deleted = true;
        master.IsCancelled = true;
        Touch(master);
        foreach (var occurrence in Occurrences(master).Where(o => !o.Deleted))
        {
            occurrence.Deleted = true;
            occurrence.IsCancelled = true;
            Touch(occurrence);
        }

        foreach (var attendee in master.Attendees)
        {
            Send(master, attendee.Email, MessageKind.Cancellation, notify, comment);
        }
    }

    /// <summary>An attendee removes their own copy: nobody else is told.</summary>
    public void RemoveCopy(CalendarItem copy)
    {
        copy.Deleted = true;
        Touch(copy);
        foreach (var occurrence in Occurrences(copy).Where(o => !o.Deleted))
        {
            occurrence.Deleted = true;
            Touch(occurrence);
        }
    }

    /// <summary>
    /// An attendee answers. The organizer's master shows the answer when the response message is
    /// sent, or (within Google) always, because the event is shared. An Exchange decline removes
    /// the attendee's copy from the calendar, as Outlook does (EWS: "to remove a MeetingRequest
    /// and the associated CalendarItem, use the DeclineItem response object",
    /// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/removeitem).
    /// </summary>
    public void Respond(CalendarItem copy, AttendeeResponse response, bool sendMessage, string? comment)
    {
        copy.Response = response;
        var own = copy.Attendees.FirstOrDefault(a => string.Equals(a.Email, copy.Mailbox, StringComparison.OrdinalIgnoreCase));
        own?.Response = response;

        if (copy.Provider == CalendarProvider.Exchange && response == AttendeeResponse.Declined)
        {
            copy.Deleted = true;
            foreach (var occurrence in Occurrences(copy).Where(o => !o.Deleted))
            {
                occurrence.Deleted = true;
                Touch(occurrence);
            }
        }

        Touch(copy);
        if (sendMessage)
        {
            Record(MessageKind.Response, copy.Mailbox, copy.Organizer, copy, response.ToString());
        }

        var master = Master(copy);
        if (master is null || !(sendMessage || (master.Provider == CalendarProvider.Google && copy.Provider == CalendarProvider.Google)))
        {
            return;
        }

        var line = master.Attendees.FirstOrDefault(a => string.Equals(a.Email, copy.Mailbox, StringComparison.OrdinalIgnoreCase));
        if (line is not null)
        {
            line.Response = response;
            Touch(master);
        }
    }

    public CalendarItem? Master(CalendarItem copy) =>
        Items(copy.Organizer).FirstOrDefault(i => !i.Deleted && i.IsOrganizer && i.ICalUid == copy.ICalUid && i.OriginalStart == copy.OriginalStart);

    private void Send(CalendarItem master, string to, MessageKind kind, Notify notify, string? detail)
    {
        var recipient = employees.GetValueOrDefault(to);
        var messaged = notify switch
        {
            Notify.All => true,
            Notify.None => false,
            _ => recipient is null || recipient.Provider != CalendarProvider.Google,
        };
        if (messaged)
        {
            Record(kind, master.Organizer, to, master, detail);
        }

        // A copy changes when a message reaches it, or when the organizer shares the recipient's store.
        if (recipient is null || !(messaged || recipient.Provider == master.Provider))
        {
            return;
        }

        Deliver(master, recipient, kind);
    }

    private void Deliver(CalendarItem master, Employee recipient, MessageKind kind)
    {
        if (master.IsOccurrence)
        {
            DeliverOccurrence(master, recipient);
            return;
        }

        var copy = Items(recipient.Email).FirstOrDefault(i => !i.Deleted && !i.IsOccurrence && i.ICalUid == master.ICalUid);
        if (kind == MessageKind.Cancellation)
        {
            if (copy is null)
            {
                return;
            }

            CancelCopy(copy, master.Subject, recipient);
            foreach (var occurrence in Occurrences(copy).Where(o => !o.Deleted && !o.IsCancelled))
            {
                CancelCopy(occurrence, occurrence.Subject, recipient);
            }

            return;
        }

        if (copy is null)
        {
            var id = NewId(recipient.Provider);
            copy = new CalendarItem
            {
                Id = id,
                Mailbox = recipient.Email,
                Provider = recipient.Provider,
                ICalUid = master.ICalUid,
                Organizer = master.Organizer,
                Created = Now,
                Response = AttendeeResponse.None,
            };
            mailboxes[recipient.Email][id] = copy;
        }

        copy.Subject = master.Subject;
        copy.Start = master.Start;
        copy.End = master.End;
        copy.Pattern = master.Pattern;
        copy.Attendees = [.. master.Attendees.Select(a => a.Clone())];
        var own = copy.Attendees.FirstOrDefault(a => string.Equals(a.Email, recipient.Email, StringComparison.OrdinalIgnoreCase));
        own?.Response = copy.Response;
        Touch(copy);
        if (master.IsSeriesMaster)
        {
            MirrorOccurrences(master, copy, recipient);
        }
    }

    /// <summary>
    /// A cancellation reaching an attendee's copy: Outlook keeps the cancelled meeting in the attendee's calendar until
    /// they remove it; Google removes it.
    /// </summary>
    private void CancelCopy(CalendarItem copy, string subject, Employee recipient)
    {
        copy.IsCancelled = true;
        if (recipient.Provider == CalendarProvider.Exchange)
        {
            copy.Subject = "Canceled: " + subject;
        }
        else
        {
            copy.Deleted = true;
        }

        Touch(copy);
    }

    private void Record(MessageKind kind, string from, string to, CalendarItem item, string? detail) =>
        messages.Add(new SentMessage(messages.Count + 1, kind, from, to, item.ICalUid, item.Subject, Now, detail));

    private string NewId(CalendarProvider provider) =>
        provider == CalendarProvider.Exchange ? Ids.GraphEventId() : Ids.GoogleEventId();

    private void Touch(CalendarItem item)
    {
        item.ChangeSequence = ++sequence;
        item.Version++;
        item.LastModified = Now;
        item.ChangeKey = Ids.ChangeKey("change-key");
        Changed?.Invoke(item);
    }
}
