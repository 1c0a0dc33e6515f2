using System.Collections.Immutable;
using System.Runtime.InteropServices;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>One employee's mailbox in the simulated world, behind the engine's <see cref="IMailboxPort"/>.</summary>
internal sealed class SimMailboxPort(SimWorld world, int employee) : IMailboxPort
{
    private string Owner => world.Mailboxes[employee].Owner;

    private string Cause => SimWorld.AgentCause(employee);

    public Provider Provider => world.Mailboxes[employee].Provider;

    public MailboxPage ReadChanges(MailboxCursor cursor)
    {
        var mb = world.Mailboxes[employee];
        var count = 0;
        foreach (var r in mb.Rows)
        {
            count += r.Changed > cursor.Position ? 1 : 0;
        }

        var items = new MailboxItem[count];
        var i = 0;
        foreach (var r in mb.Rows)
        {
            if (r.Changed > cursor.Position)
            {
                items[i++] = r.ToItem();
            }
        }

        return new MailboxPage(ImmutableCollectionsMarshal.AsImmutableArray(items), new MailboxCursor(mb.Seq));
    }

    public MailboxWrite CreateEvent(MeetingContent content)
    {
        var row = world.CreateMeeting(employee, content.Uid.Value, content.Subject, content.Start, content.End, content.Attendees, content.Type, Cause);
        return Result(row);
    }

    public MailboxWrite UpdateEvent(string eventId, MeetingContent content)
    {
        var ev = world.FindEvent(employee, eventId);
        if (ev is null || ev.Removed || !ev.IsOrganizer)
        {
            throw new InvalidOperationException($"{Owner} cannot update {eventId}: not the organizer's live event");
        }

        return Result(world.UpdateMeeting(employee, eventId, content.Subject, content.Start, content.End, content.Attendees, Cause));
    }

    public MailboxWrite CancelEvent(string eventId)
    {
        var ev = world.FindEvent(employee, eventId);
        if (ev is null || ev.Removed || !ev.IsOrganizer)
        {
            // Graph answers 400 when an attendee tries to cancel.
            throw new InvalidOperationException($"{Owner} cannot cancel {eventId}: only the organizer can");
        }

        return Result(world.CancelMeeting(employee, eventId, Cause));
    }

    public void DeleteEvent(string eventId)
    {
        var ev = world.FindEvent(employee, eventId);
        if (ev is null)
        {
            return;
        }

        // Exchange: DELETE of an organizer's event sends cancellations. Google: sendUpdates=none sends nothing.
        world.RemoveEvent(employee, eventId, byOwner: false, notifyAttendees: Provider == Provider.Exchange, Cause);
    }

    private static MailboxWrite Result(EventRow row) => new(row.Id, row.ToItem().ChangeKey, row.ToItem());
}

/// <summary>The CRM as one employee's sync sees it through the tenant's dialect, behind the engine's <see cref="ICrmPort"/>.</summary>
internal sealed class SimCrmPort(SimWorld world, int employee) : ICrmPort
{
    private string Me => world.Mailboxes[employee].Owner;

    private string Cause => SimWorld.AgentCause(employee);

    public ApiVersion Dialect => world.Scenario.ApiVersion;

    public CrmChangePage ReadChanges(CrmWatermark since)
    {
        List<CrmRecord>? records = null;
        foreach (var r in world.Crm.Rows)
        {
            if (!r.Deleted && r.Changed > since.Value && r.Involves(Me))
            {
                (records ??= new(2)).Add(r.ToRecord(Dialect));
            }
        }

        return new CrmChangePage(records is null ? [] : [.. records], new CrmWatermark(world.Crm.Seq));
    }

    public ImmutableArray<string> ListIds()
    {
        List<string>? ids = null;
        foreach (var r in world.Crm.Rows)
        {
            if (!r.Deleted && r.Involves(Me))
            {
                (ids ??= new(2)).Add(r.ObjectId);
            }
        }

        return ids is null ? [] : [.. ids];
    }

    public CrmWrite Create(MeetingContent content, string owner, string groupwareItemId)
    {
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
            false));
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {id} created, owned by {owner}, linked to {groupwareItemId}");
        }

        return new CrmWrite(row.ToRecord(Dialect));
    }

    public CrmWrite Update(string objectId, MeetingContent content, string? relinkTo)
    {
        var row = Live(objectId);
        row = world.PutRecord(row with
        {
            Subject = content.Subject,
            Start = content.Start,
            End = content.End,
            Status = content.Cancelled ? CrmStatus.Cancelled : CrmStatus.Open,
            Parties = SameParties(row.Parties, row.Organizer, content.Attendees) ? row.Parties : world.Parties(row.Organizer, content.Attendees),
            GroupwareItemId = relinkTo ?? row.GroupwareItemId,
            Uid = row.Uid ?? (Dialect == ApiVersion.V2 ? content.Uid.Value : null),
            Version = row.Version + 1,
        });
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {objectId} updated{(relinkTo is null ? string.Empty : $", linked to {relinkTo}")}");
        }

        return new CrmWrite(row.ToRecord(Dialect));
    }

    public CrmWrite Cancel(string objectId)
    {
        var row = world.PutRecord(Live(objectId) with { Status = CrmStatus.Cancelled, Version = Live(objectId).Version + 1 });
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {objectId} cancelled");
        }

        return new CrmWrite(row.ToRecord(Dialect));
    }

    public void Delete(string objectId)
    {
        var row = world.FindRecord(objectId);
        if (row is null || row.Deleted)
        {
            return;
        }

        world.PutRecord(row with { Deleted = true, Version = row.Version + 1 });
        if (world.Log is not null)
        {
            world.Trace("write", Cause, "crm", $"CRM record {objectId} deleted");
        }
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

    private CrmRow Live(string objectId)
    {
        var row = world.FindRecord(objectId);
        return row is { Deleted: false } ? row : throw new InvalidOperationException($"CRM record {objectId} does not exist (412)");
    }
}
