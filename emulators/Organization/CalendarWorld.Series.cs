using System.Globalization;

namespace RulesSync.Emulators.Organization;

/// <summary>
/// Recurring meetings. A series lives in each mailbox as its master (the recurrence) and one item per occurrence,
/// materialized from the rule by Ical.Net up to <see cref="SeriesPattern.Horizon"/>: so an occurrence has its own id,
/// version and change sequence, and delta and sync tokens report exactly the occurrences a change touched. An
/// occurrence changed on its own is an exception; one cancelled or removed stays as a tombstone (Graph delta reports
/// it <c>@removed</c>, Google a cancelled exception). Attendees' copies mirror the organizer's occurrences when a
/// message (or, within Google, the shared store) delivers the change.
/// </summary>
internal sealed partial class CalendarWorld
{
    /// <summary>Every occurrence item of a master in its mailbox, live and tombstoned, by original start.</summary>
    public IEnumerable<CalendarItem> Occurrences(CalendarItem master) =>
        Items(master.Mailbox).Where(i => i.SeriesMasterId == master.Id).OrderBy(i => i.OriginalStart);

    /// <summary>The master of an occurrence item (in the same mailbox).</summary>
    public CalendarItem? SeriesOf(CalendarItem occurrence) =>
        occurrence.SeriesMasterId is { } id ? Item(occurrence.Mailbox, id) : null;

    /// <summary>
    /// Brings the organizer's occurrence items in line with the master's rule and times: new original starts get an
    /// occurrence, regular occurrences follow the series' subject, times and attendees, exceptions keep theirs,
    /// cancelled ones stay cancelled, and occurrences the rule no longer gives are removed (tombstoned).
    /// </summary>
    private void Materialize(CalendarItem master)
    {
        if (master.Pattern is not { } pattern)
        {
            return;
        }

        var existing = Occurrences(master).ToDictionary(o => o.OriginalStart!.Value);
        var planned = pattern.Expand(master.Start, master.End);
        var kept = new HashSet<DateTimeOffset>();
        foreach (var p in planned)
        {
            kept.Add(p.OriginalStart);
            if (!existing.TryGetValue(p.OriginalStart, out var occurrence))
            {
                occurrence = NewOccurrence(master, master.Mailbox, master.Provider, master.Id, p.OriginalStart);
                SetContent(occurrence, master.Subject, p.Start, p.End, master.Attendees, isException: false);
                Touch(occurrence);
                continue;
            }

            if (occurrence.IsCancelled || occurrence.IsException)
            {
                continue;
            }

            var revived = occurrence.Deleted;
            occurrence.Deleted = false;
            if (SetContent(occurrence, master.Subject, p.Start, p.End, master.Attendees, isException: false) || revived)
            {
                Touch(occurrence);
            }
        }

        foreach (var (originalStart, occurrence) in existing)
        {
            if (!kept.Contains(originalStart) && !occurrence.Deleted)
            {
                occurrence.Deleted = true;
                Touch(occurrence);
            }
        }
    }

    /// <summary>An attendee's copy of a series takes the organizer's occurrences: each one created, changed, cancelled or removed as there.</summary>
    private void MirrorOccurrences(CalendarItem master, CalendarItem copy, Employee recipient)
    {
        var organizers = Occurrences(master).ToList();
        foreach (var occurrence in organizers)
        {
            MirrorOccurrence(occurrence, copy, recipient);
        }

        var starts = organizers.Select(o => o.OriginalStart).ToHashSet();
        foreach (var stale in Occurrences(copy).Where(o => !o.Deleted && !starts.Contains(o.OriginalStart)).ToList())
        {
            stale.Deleted = true;
            Touch(stale);
        }
    }

    /// <summary>A message about one occurrence: the recipient's copy of the series takes that occurrence (or the whole series, if it has none yet).</summary>
    private void DeliverOccurrence(CalendarItem occurrence, Employee recipient)
    {
        if (SeriesOf(occurrence) is not { } master)
        {
            return;
        }

        var copy = Items(recipient.Email).FirstOrDefault(i => !i.Deleted && !i.IsOccurrence && i.ICalUid == master.ICalUid);
        if (copy is null)
        {
            if (!occurrence.Deleted)
            {
                Deliver(master, recipient, MessageKind.Invitation);
            }

            return;
        }

        MirrorOccurrence(occurrence, copy, recipient);
    }

    private void MirrorOccurrence(CalendarItem occurrence, CalendarItem copy, Employee recipient)
    {
        var mine = Occurrences(copy).FirstOrDefault(o => o.OriginalStart == occurrence.OriginalStart);
        if (occurrence.Deleted)
        {
            if (mine is null || mine.Deleted || (mine.IsCancelled && occurrence.IsCancelled))
            {
                return;
            }

            if (occurrence.IsCancelled)
            {
                CancelCopy(mine, occurrence.Subject, recipient);
            }
            else
            {
                mine.Deleted = true;
                Touch(mine);
            }

            return;
        }

        if (mine is null)
        {
            mine = NewOccurrence(copy, recipient.Email, recipient.Provider, copy.Id, occurrence.OriginalStart!.Value);
            mine.Response = copy.Response;
        }
        else if (mine.Deleted)
        {
            // The attendee removed this occurrence from their calendar; an update does not bring it back.
            return;
        }

        if (SetContent(mine, occurrence.Subject, occurrence.Start, occurrence.End, occurrence.Attendees, occurrence.IsException) || mine.Version == 0)
        {
            var own = mine.Attendees.FirstOrDefault(a => string.Equals(a.Email, recipient.Email, StringComparison.OrdinalIgnoreCase));
            own?.Response = mine.Response;
            Touch(mine);
        }
    }

    private CalendarItem NewOccurrence(CalendarItem master, string mailbox, CalendarProvider provider, string masterId, DateTimeOffset originalStart)
    {
        var occurrence = new CalendarItem
        {
            // Google instance ids are the recurring event's id and the original start; Graph ids are opaque.
            Id = provider == CalendarProvider.Google ? string.Concat(masterId, "_", GoogleInstanceSuffix(originalStart, master.Pattern!.IsAllDay)) : Ids.GraphEventId(),
            Mailbox = mailbox,
            Provider = provider,
            ICalUid = provider == CalendarProvider.Exchange ? ExchangeOccurrenceUid(master.ICalUid, originalStart) : master.ICalUid,
            Organizer = master.Organizer,
            Created = Now,
            SeriesMasterId = masterId,
            OriginalStart = originalStart,
            IsAllDay = master.Pattern!.IsAllDay,
            Response = master.Response,
        };
        mailboxes[mailbox][occurrence.Id] = occurrence;
        return occurrence;
    }

    /// <summary>Sets an occurrence's content; true when anything changed.</summary>
    private static bool SetContent(CalendarItem item, string subject, DateTimeOffset start, DateTimeOffset end, List<AttendeeState> attendees, bool isException)
    {
        var same = item.Subject == subject && item.Start == start && item.End == end && item.IsException == isException
            && item.Attendees.Count == attendees.Count
            && item.Attendees.Zip(attendees).All(p => string.Equals(p.First.Email, p.Second.Email, StringComparison.OrdinalIgnoreCase) && p.First.Type == p.Second.Type);
        if (same)
        {
            return false;
        }

        item.Subject = subject;
        item.Start = start;
        item.End = end;
        item.IsException = isException;
        item.Attendees = [.. attendees.Select(a => a.Clone())];
        return true;
    }

    /// <summary>Google's instance id suffix: the original start in basic format, UTC (a day for all-day series).</summary>
    internal static string GoogleInstanceSuffix(DateTimeOffset originalStart, bool isAllDay) =>
        originalStart.UtcDateTime.ToString(isAllDay ? "yyyyMMdd" : "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Exchange gives each occurrence its own iCalUId (Graph event resource: "different for each occurrence in a recurring
    /// series"): the series' GlobalObjectId with the occurrence's date in its instance-date bytes ([MS-OXOCAL] 2.2.1.27).
    /// </summary>
    internal static string ExchangeOccurrenceUid(string seriesUid, DateTimeOffset originalStart)
    {
        const int DateAt = 32;
        if (seriesUid.Length < DateAt + 8)
        {
            return seriesUid + "-" + GoogleInstanceSuffix(originalStart, isAllDay: false);
        }

        var date = originalStart.UtcDateTime;
        var stamp = string.Create(CultureInfo.InvariantCulture, $"{date.Year:X4}{date.Month:X2}{date.Day:X2}");
        return string.Concat(seriesUid.AsSpan(0, DateAt), stamp, seriesUid.AsSpan(DateAt + 8));
    }
}
