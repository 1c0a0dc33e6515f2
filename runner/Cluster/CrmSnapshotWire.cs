using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// A cycle's CRM snapshot (<see cref="TenantCrmSnapshot"/>) as it crosses Orleans' wire, from the tenant grain that
/// polled the CRM to the mailbox grains that sync against it: the changed records as they stand (this cycle's writes
/// laid over the poll), the next watermark, the live ids as they stand, the quarantined records. The engine's types
/// carry no Orleans attributes (the engine stays untouched), hence this copy of their fields; enums travel as their
/// numbers. A mailbox grain's copy is its own: writes it makes are laid over its copy only.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record CrmSnapshotWire(
    [property: Id(0)] ImmutableArray<CrmRecordWire> Changed,
    [property: Id(1)] long Next,
    [property: Id(2)] ImmutableArray<string> LiveIds,
    [property: Id(3)] ImmutableArray<CrmQuarantinedWire> Quarantined);

/// <summary>One <see cref="CrmRecord"/> on the wire (fields in the record's order).</summary>
[GenerateSerializer]
[Immutable]
public sealed record CrmRecordWire(
    [property: Id(0)] string ObjectId,
    [property: Id(1)] string ETag,
    [property: Id(2)] string? Uid,
    [property: Id(3)] string? GroupwareItemId,
    [property: Id(4)] string Subject,
    [property: Id(5)] DateTimeOffset Start,
    [property: Id(6)] DateTimeOffset End,
    [property: Id(7)] byte Status,
    [property: Id(8)] string Owner,
    [property: Id(9)] string Organizer,
    [property: Id(10)] ImmutableArray<string> Parties,
    [property: Id(11)] ImmutableArray<byte> Roles,
    [property: Id(12)] byte Type);

/// <summary>One <see cref="CrmQuarantinedRecord"/> on the wire.</summary>
[GenerateSerializer]
[Immutable]
public sealed record CrmQuarantinedWire(
    [property: Id(0)] string EntitySet,
    [property: Id(1)] string ObjectId,
    [property: Id(2)] string Field,
    [property: Id(3)] string Problem);

/// <summary>The conversions between <see cref="TenantCrmSnapshot"/> and <see cref="CrmSnapshotWire"/> (pure).</summary>
internal static class CrmSnapshotWireConversion
{
    /// <summary>The snapshot as it stands now, for the wire.</summary>
    public static CrmSnapshotWire ToWire(this TenantCrmSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new CrmSnapshotWire(
            [.. snapshot.ChangedNow().Select(ToWire)],
            snapshot.Next.Value,
            snapshot.LiveIdsNow(),
            [.. snapshot.Quarantined.Select(q => new CrmQuarantinedWire(q.EntitySet, q.ObjectId, q.Field, q.Problem))]);
    }

    /// <summary>A snapshot of this process from the wire (no writes laid over it yet).</summary>
    public static TenantCrmSnapshot FromWire(this CrmSnapshotWire wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        return new TenantCrmSnapshot(
            [.. wire.Changed.Select(FromWire)],
            new CrmWatermark(wire.Next),
            wire.LiveIds.ToImmutableHashSet(StringComparer.Ordinal),
            [.. wire.Quarantined.Select(q => new CrmQuarantinedRecord(q.EntitySet, q.ObjectId, q.Field, q.Problem))]);
    }

    /// <summary>The CRM writes made through <paramref name="snapshot"/> (records written, ids deleted), for the wire.</summary>
    public static (ImmutableArray<CrmRecordWire> Written, ImmutableArray<string> Deleted) WritesToWire(this TenantCrmSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var writes = snapshot.Writes();
        return ([.. writes.Where(w => w.Value is not null).Select(w => ToWire(w.Value!))], [.. writes.Where(w => w.Value is null).Select(w => w.Key)]);
    }

    /// <summary>Lays writes made elsewhere (another silo's mailbox grain) over <paramref name="snapshot"/> and the tenant's live ids.</summary>
    public static void LayOver(this TenantCrmSnapshot snapshot, IEnumerable<CrmRecordWire> written, IEnumerable<string> deleted, CrmLiveIds? liveIds)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(deleted);
        foreach (var w in written)
        {
            snapshot.Wrote(w.ObjectId, FromWire(w));
            liveIds?.Wrote(w.ObjectId, live: true);
        }

        foreach (var id in deleted)
        {
            snapshot.Wrote(id, null);
            liveIds?.Wrote(id, live: false);
        }
    }

    private static CrmRecordWire ToWire(CrmRecord r) => new(
        r.ObjectId, r.ETag, r.Uid?.Value, r.GroupwareItemId, r.Subject, r.Start, r.End, (byte)r.Status, r.Owner, r.Organizer,
        [.. r.Parties.Select(p => p.Party)], [.. r.Parties.Select(p => (byte)p.Role)], (byte)r.Type);

    private static CrmRecord FromWire(CrmRecordWire w) => new(
        w.ObjectId, w.ETag, w.Uid is null ? null : new MeetingUid(w.Uid), w.GroupwareItemId, w.Subject, w.Start, w.End, (CrmStatus)w.Status, w.Owner, w.Organizer,
        [.. w.Parties.Zip(w.Roles, (party, role) => new CrmParty(party, (PartyRole)role))], (MeetingType)w.Type);
}
