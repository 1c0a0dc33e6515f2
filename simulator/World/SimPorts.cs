using System.Collections.Immutable;
using System.Runtime.InteropServices;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>One employee's mailbox in the simulated world, behind the engine's <see cref="IMailboxPort"/>.</summary>
internal sealed class SimMailboxPort(SimWorld world, int employee) : IMailboxPort
{
    private SimWorld world = world;

    /// <summary>Points this port at <paramref name="w"/>: the explorer reuses one port per employee and thread across syncs.</summary>
    public SimMailboxPort Bind(SimWorld? w)
    {
        world = w!;
        return this;
    }

    private string Owner => world.Mailboxes[employee].Owner;

    private string Cause => SimWorld.AgentCause(employee);

    public Provider Provider => world.Mailboxes[employee].Provider;

    public ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default)
    {
        var mb = world.Mailboxes[employee];
        var position = SimCursor.Position(cursor);
        var count = 0;
        foreach (var r in mb.Rows)
        {
            count += r.Changed > position ? 1 : 0;
        }

        if (count == 0)
        {
            return new(SimCursor.EmptyPage(mb.Seq));
        }

        var items = new MailboxItem[count];
        var i = 0;
        foreach (var r in mb.Rows)
        {
            if (r.Changed > position)
            {
                items[i++] = r.ToItem();
            }
        }

        return new(new MailboxPage(ImmutableCollectionsMarshal.AsImmutableArray(items), SimCursor.At(mb.Seq)));
    }

    public ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var row = world.CreateMeeting(employee, content.Uid.Value, content.Subject, content.Start, content.End, content.Attendees, content.Type, Cause);
        return new(Result(row));
    }

    public ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default)
    {
        var ev = world.FindEvent(employee, eventId);
        if (ev is null || ev.Removed || !ev.IsOrganizer)
        {
            throw new InvalidOperationException($"{Owner} cannot update {eventId}: not the organizer's live event");
        }

        return new(Result(world.UpdateMeeting(employee, eventId, content.Subject, content.Start, content.End, content.Attendees, Cause)));
    }

    public ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        var ev = world.FindEvent(employee, eventId);
        if (ev is null || ev.Removed || !ev.IsOrganizer)
        {
            // Graph answers 400 when an attendee tries to cancel.
            throw new InvalidOperationException($"{Owner} cannot cancel {eventId}: only the organizer can");
        }

        world.ExternalMeetingCancelled |= world.Scenario.ExternalOrganizer;

        return new(Result(world.CancelMeeting(employee, eventId, Cause)));
    }

    public ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        var ev = world.FindEvent(employee, eventId);
        if (ev is null)
        {
            return ValueTask.CompletedTask;
        }

        // Exchange: DELETE of an organizer's event sends cancellations. Google: sendUpdates=none sends nothing.
        world.ExternalMeetingCancelled |= world.Scenario.ExternalOrganizer && !ev.Removed;
        world.RemoveEvent(employee, eventId, byOwner: false, notifyAttendees: Provider == Provider.Exchange, Cause);
        return ValueTask.CompletedTask;
    }

    private static MailboxWrite Result(EventRow row) => new(row.Id, row.ToItem().ChangeKey, row.ToItem());
}

/// <summary>The CRM as one employee's sync sees it through the tenant's dialect, behind the engine's <see cref="ICrmPort"/>.</summary>
internal sealed class SimCrmPort(SimWorld world, int employee) : ICrmPort
{
    private SimWorld world = world;

    /// <summary>Points this port at <paramref name="w"/>: the explorer reuses one port per employee and thread across syncs.</summary>
    public SimCrmPort Bind(SimWorld? w)
    {
        world = w!;
        return this;
    }

    private string Me => world.Mailboxes[employee].Owner;

    private string Cause => SimWorld.AgentCause(employee);

    public ApiVersion Dialect => world.Scenario.ApiVersion;

    public ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default)
    {
        // Counted first, so the page is one exact array (no list to grow and copy).
        var me = Me;
        var rows = world.Crm.Rows;
        var count = 0;
        foreach (var r in rows)
        {
            count += !r.Deleted && r.Changed > since.Value && r.Involves(me) ? 1 : 0;
        }

        if (count == 0)
        {
            return new(SimCursor.EmptyCrmPage(world.Crm.Seq));
        }

        var records = new CrmRecord[count];
        var i = 0;
        var dialect = Dialect;
        foreach (var r in rows)
        {
            if (!r.Deleted && r.Changed > since.Value && r.Involves(me))
            {
                records[i++] = r.ToRecord(dialect);
            }
        }

        return new(new CrmChangePage(ImmutableCollectionsMarshal.AsImmutableArray(records), new CrmWatermark(world.Crm.Seq)));
    }

    public ValueTask<ImmutableArray<string>> ListIdsAsync(CancellationToken cancellationToken = default)
    {
        var me = Me;
        var rows = world.Crm.Rows;
        var count = 0;
        foreach (var r in rows)
        {
            count += !r.Deleted && r.Involves(me) ? 1 : 0;
        }

        if (count == 0)
        {
            return new(ImmutableArray<string>.Empty);
        }

        var ids = new string[count];
        var i = 0;
        foreach (var r in rows)
        {
            if (!r.Deleted && r.Involves(me))
            {
                ids[i++] = r.ObjectId;
            }
        }

        return new(ImmutableCollectionsMarshal.AsImmutableArray(ids));
    }

    public ValueTask<CrmWrite> CreateAsync(MeetingContent content, string owner, string groupwareItemId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        world.SharedWhileAutoShareOff |= !world.Scenario.AutoShare;
        world.MutableCrm().NextId++;
        var id = "R" + world.Crm.NextId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var row = world.PutRecord(new CrmRow(
            id,
            Dialect == ApiVersion.V2 ? content.Uid.Value : null,
            groupwareItemId,
            content.Subject,
            content.Start,
            content.End,
            content.Cancelled ? CrmStatus.Cancelled : CrmStatus.Open,
            owner,
            content.Organizer,
            world.Parties(content.Organizer, content.Attendees),
            content.Type,
            1,
            0,
            false,
            world.FindEvent(employee, groupwareItemId)?.Uid));
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {id} created, owned by {owner}, linked to {groupwareItemId}");
        }

        return new(new CrmWrite(row.ToRecord(Dialect)));
    }

    public ValueTask<CrmWrite> UpdateAsync(string objectId, string ifMatch, MeetingContent content, string? relinkTo, CancellationToken cancellationToken = default)
    {
        var row = Live(objectId, ifMatch);
        row = world.PutRecord(row with
        {
            Subject = content.Subject,
            Start = content.Start,
            End = content.End,
            Status = content.Cancelled ? CrmStatus.Cancelled : row.Status == CrmStatus.Completed ? CrmStatus.Completed : CrmStatus.Open,
            Parties = SameParties(row.Parties, row.Organizer, content.Attendees) ? row.Parties : world.Parties(row.Organizer, content.Attendees),
            GroupwareItemId = relinkTo ?? row.GroupwareItemId,
            Uid = row.Uid ?? (Dialect == ApiVersion.V2 ? content.Uid.Value : null),
            Version = row.Version + 1,
        });
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {objectId} updated{(relinkTo is null ? string.Empty : $", linked to {relinkTo}")}");
        }

        return new(new CrmWrite(row.ToRecord(Dialect)));
    }

    public ValueTask<CrmWrite> CancelAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default)
    {
        var live = Live(objectId, ifMatch);
        var row = world.PutRecord(live with { Status = CrmStatus.Cancelled, Version = live.Version + 1 });
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {objectId} cancelled");
        }

        return new(new CrmWrite(row.ToRecord(Dialect)));
    }

    public ValueTask DeleteAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default)
    {
        var row = world.FindRecord(objectId);
        if (row is null || row.Deleted)
        {
            return ValueTask.CompletedTask;
        }

        CheckETag(row, ifMatch);

        world.PutRecord(row with { Deleted = true, Version = row.Version + 1 });
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {objectId} deleted");
        }

        return ValueTask.CompletedTask;
    }

    private static bool SameParties(ImmutableArray<CrmParty> parties, string organizer, ImmutableArray<string> attendees)
    {
        var expected = 1;
        foreach (var a in attendees)
        {
            if (a == organizer)
            {
                continue;
            }

            expected++;
            var found = false;
            foreach (var p in parties)
            {
                found |= p.Party == a;
            }

            if (!found)
            {
                return false;
            }
        }

        return expected == parties.Length;
    }

    private CrmRow Live(string objectId, string ifMatch)
    {
        var row = world.FindRecord(objectId);
        if (row is not { Deleted: false })
        {
            throw new CrmConflictException(objectId, null);
        }

        CheckETag(row, ifMatch);
        return row;
    }

    /// <summary>If-Match, as the CRM checks it: a write decided on an older version is refused with the current one.</summary>
    private void CheckETag(CrmRow row, string ifMatch)
    {
        if (Versions.ETag(row.Version) != ifMatch)
        {
            throw new CrmConflictException(row.ObjectId, row.ToRecord(Dialect));
        }
    }
}

/// <summary>
/// The simulated mailboxes' delta tokens: the mailbox's change sequence number as a string, as opaque to the engine
/// as a Graph deltaLink. Tokens are cached so a listing allocates none.
/// </summary>
internal static class SimCursor
{
    private static readonly string[] Tokens = Enumerable.Range(0, 256).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The token for sequence number <paramref name="seq"/>.</summary>
    public static MailboxCursor At(long seq) =>
        new(seq >= 0 && seq < Tokens.Length ? Tokens[seq] : seq.ToString(System.Globalization.CultureInfo.InvariantCulture));

    // "Nothing new" pages by sequence number, shared (pages are immutable): most syncs read no change from one side.
    private static readonly MailboxPage[] EmptyPages = [.. Enumerable.Range(0, Tokens.Length).Select(i => new MailboxPage([], At(i)))];
    private static readonly CrmChangePage[] EmptyCrmPages = [.. Enumerable.Range(0, Tokens.Length).Select(i => new CrmChangePage([], new CrmWatermark(i)))];

    /// <summary>An empty mailbox page whose next cursor is <paramref name="seq"/>.</summary>
    public static MailboxPage EmptyPage(long seq) => seq >= 0 && seq < EmptyPages.Length ? EmptyPages[seq] : new MailboxPage([], At(seq));

    /// <summary>An empty CRM page whose next watermark is <paramref name="seq"/>.</summary>
    public static CrmChangePage EmptyCrmPage(long seq) => seq >= 0 && seq < EmptyCrmPages.Length ? EmptyCrmPages[seq] : new CrmChangePage([], new CrmWatermark(seq));

    /// <summary>The sequence number a token stands for; 0 for the start.</summary>
    public static long Position(MailboxCursor cursor)
    {
        var token = cursor.Token;
        if (token is null)
        {
            return 0;
        }

        long value = 0;
        foreach (var c in token)
        {
            value = (value * 10) + (c - '0');
        }

        return value;
    }
}
