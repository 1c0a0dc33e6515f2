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

    /// <summary>
    /// Completed in the CRM (C4C life-cycle status 3): the activity took place. A sync never writes it; a content update
    /// of a completed record leaves it completed (only a cancellation changes it).
    /// </summary>
    Completed,
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
/// <param name="Status">Open, cancelled or completed.</param>
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
/// The port to the CRM as one employee's sync sees it: SAP C4C-shaped OData v1 or v2 in the runner, the simulator's
/// in-memory CRM there. Change polls do not show deletions; <see cref="ListIdsAsync"/> (id reconciliation) does.
/// Writes to an existing record carry the ETag the decision was made on (If-Match): when the record changed in the
/// meantime the port throws <see cref="CrmConflictException"/> with the record as it now stands, and the sync
/// decides again on it.
/// </summary>
public interface ICrmPort
{
    /// <summary>The OData API generation this port speaks.</summary>
    ApiVersion Dialect { get; }

    /// <summary>Records changed since <paramref name="since"/> that the employee is a party of or owns.</summary>
    ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default);

    /// <summary>The ids of every live record the employee is a party of or owns (id reconciliation).</summary>
    ValueTask<ImmutableArray<string>> ListIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a record from a mailbox replica; <paramref name="owner"/> owns it; linked to
    /// <paramref name="groupwareItemId"/>. Asked again with the same <paramref name="idempotencyKey"/>, returns the
    /// record it already created.
    /// </summary>
    ValueTask<CrmWrite> CreateAsync(MeetingContent content, string owner, string groupwareItemId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Updates a record's content if it is still at <paramref name="ifMatch"/>; when <paramref name="relinkTo"/> is set, links it to that replica. A completed record stays completed unless the content is cancelled.</summary>
    ValueTask<CrmWrite> UpdateAsync(string objectId, string ifMatch, MeetingContent content, string? relinkTo, CancellationToken cancellationToken = default);

    /// <summary>Sets the record's status to cancelled if it is still at <paramref name="ifMatch"/>. Notifies nobody.</summary>
    ValueTask<CrmWrite> CancelAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default);

    /// <summary>Deletes the record if it is still at <paramref name="ifMatch"/>; one already gone counts as deleted. Notifies nobody.</summary>
    ValueTask DeleteAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default);
}

/// <summary>
/// A CRM write refused because the record is no longer at the version the decision was made on (HTTP 412 on
/// If-Match). Carries the record as it now stands (null when it has been deleted) so the sync can decide again.
/// </summary>
public sealed class CrmConflictException : Exception
{
    /// <summary>Creates the exception for <paramref name="objectId"/>, now at <paramref name="current"/>.</summary>
    public CrmConflictException(string objectId, CrmRecord? current)
        : base($"CRM record {objectId} changed since it was read (412 Precondition Failed); it is decided again")
    {
        ObjectId = objectId;
        Current = current;
    }

    /// <summary>The record written.</summary>
    public string ObjectId { get; }

    /// <summary>The record as it now stands; null when it no longer exists.</summary>
    public CrmRecord? Current { get; }
}
