using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Sync;

/// <summary>The CRM's lifecycle status of an appointment or visit.</summary>
public enum CrmStatus : byte
{
    /// <summary>Open (planned).</summary>
    Open,

    /// <summary>Cancelled in the CRM (or by a sync that decided cancel).</summary>
    Cancelled,
}

/// <summary>A party's role on a CRM appointment (involved-party role codes).</summary>
public enum PartyRole : byte
{
    /// <summary>The organizing employee.</summary>
    Organizer,

    /// <summary>An invited employee.</summary>
    Attendee,

    /// <summary>An external contact.</summary>
    Contact,
}

/// <summary>One involved party of a CRM record. Immutable.</summary>
/// <param name="Party">Employee id or external address.</param>
/// <param name="Role">The party's role.</param>
public readonly record struct CrmParty(string Party, PartyRole Role);

/// <summary>A position in the CRM's change poll (last-change timestamp). Opaque to the engine.</summary>
/// <param name="Value">The watermark; 0 reads everything.</param>
public readonly record struct CrmWatermark(long Value);

/// <summary>
/// One CRM appointment or visit as the dialect exposes it. <see cref="Uid"/> is null on API v1 (the older
/// dialect does not expose the meeting's iCalendar UID). <see cref="GroupwareItemId"/> is the event id of the
/// mailbox replica the record is linked to, if any. Immutable.
/// </summary>
/// <param name="ObjectId">The CRM's id.</param>
/// <param name="ETag">The CRM's version (weak ETag).</param>
/// <param name="Uid">The meeting UID, where the dialect exposes it.</param>
/// <param name="GroupwareItemId">The linked replica's event id, if any.</param>
/// <param name="Subject">Subject.</param>
/// <param name="Start">Start (UTC).</param>
/// <param name="End">End (UTC).</param>
/// <param name="Status">Open or cancelled.</param>
/// <param name="Owner">The owning employee.</param>
/// <param name="Organizer">The organizing employee or external address.</param>
/// <param name="Parties">Involved parties, sorted by party.</param>
/// <param name="Type">Appointment or visit.</param>
public sealed record CrmRecord(
    string ObjectId,
    string ETag,
    MeetingUid? Uid,
    string? GroupwareItemId,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    CrmStatus Status,
    string Owner,
    string Organizer,
    ImmutableArray<CrmParty> Parties,
    MeetingType Type)
{
    /// <summary>Whether <paramref name="employee"/> is a party of the record or owns it.</summary>
    public bool Involves(string employee) => Involves(Owner, Parties, employee);

    /// <summary>Whether <paramref name="employee"/> owns a record with <paramref name="owner"/> or is one of its <paramref name="parties"/>.</summary>
    internal static bool Involves(string owner, ImmutableArray<CrmParty> parties, string employee)
    {
        if (owner == employee)
        {
            return true;
        }

        foreach (var p in parties)
        {
            if (p.Party == employee)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The employee's role on the record.</summary>
    public Role RoleOf(string employee)
    {
        if (Organizer == employee)
        {
            return Role.Organizer;
        }

        foreach (var p in Parties)
        {
            if (p.Party == employee)
            {
                return p.Role == PartyRole.Organizer ? Role.Organizer : Role.Attendee;
            }
        }

        return Role.None;
    }

    /// <summary>The meeting content the record shows, with <paramref name="uid"/> standing in when the dialect hides it.</summary>
    public MeetingContent ToContent(MeetingUid uid)
    {
        var names = ImmutableArray.CreateBuilder<string>(Parties.Length);
        foreach (var p in Parties)
        {
            if (p.Role != PartyRole.Organizer)
            {
                names.Add(p.Party);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return new MeetingContent(uid, Subject, Start, End, Organizer, names.ToImmutable(), Status == CrmStatus.Cancelled, Type);
    }

    /// <summary>Value equality comparing parties element by element.</summary>
    public bool Equals(CrmRecord? other) =>
        other is not null && ObjectId == other.ObjectId && ETag == other.ETag && Uid == other.Uid
        && GroupwareItemId == other.GroupwareItemId && Subject == other.Subject && Start == other.Start
        && End == other.End && Status == other.Status && Owner == other.Owner && Organizer == other.Organizer
        && Type == other.Type && Parties.SequenceEqual(other.Parties);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ObjectId, ETag);
}

/// <summary>One page of the CRM change poll: records changed since a watermark (deletions are not listed). Immutable.</summary>
/// <param name="Records">Changed records the employee is a party of or owns.</param>
/// <param name="Next">The watermark to poll from next time.</param>
public sealed record CrmChangePage(ImmutableArray<CrmRecord> Records, CrmWatermark Next);

/// <summary>What a CRM write returned: the record as it now stands (for echo suppression).</summary>
/// <param name="Record">The record after the write.</param>
public sealed record CrmWrite(CrmRecord Record);

/// <summary>
/// The port to the CRM as one employee's sync sees it (SAP C4C OData v1 or v2 later, the simulator's in-memory
/// CRM now). Change polls do not show deletions; <see cref="ListIds"/> (id reconciliation) does.
/// </summary>
public interface ICrmPort
{
    /// <summary>The OData API generation this port speaks.</summary>
    ApiVersion Dialect { get; }

    /// <summary>Records changed since <paramref name="since"/> that the employee is a party of or owns.</summary>
    CrmChangePage ReadChanges(CrmWatermark since);

    /// <summary>The ids of every live record the employee is a party of or owns (id reconciliation).</summary>
    ImmutableArray<string> ListIds();

    /// <summary>Creates a record from a mailbox replica; <paramref name="owner"/> owns it; linked to <paramref name="groupwareItemId"/>.</summary>
    CrmWrite Create(MeetingContent content, string owner, string groupwareItemId);

    /// <summary>Updates a record's content; when <paramref name="relinkTo"/> is set, links it to that replica.</summary>
    CrmWrite Update(string objectId, MeetingContent content, string? relinkTo);

    /// <summary>Sets the record's status to cancelled. Notifies nobody.</summary>
    CrmWrite Cancel(string objectId);

    /// <summary>Deletes the record. Notifies nobody.</summary>
    void Delete(string objectId);
}
