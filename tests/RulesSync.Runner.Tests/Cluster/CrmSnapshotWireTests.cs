using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>The cycle's CRM snapshot crossing Orleans' wire (<see cref="CrmSnapshotWire"/>) through Orleans' own serializer.</summary>
public sealed class CrmSnapshotWireTests
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob@contoso.example";

    private static readonly Serializer Wire = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(CrmSnapshotWire).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    [Fact]
    public void FromWire_SnapshotThroughOrleansSerializer_EveryFieldAndThisCyclesWritesKept()
    {
        var withUid = new CrmRecord(
            "a", "W/\"1\"", new MeetingUid("uid-a"), "item-a", "Review", DateTimeOffset.UnixEpoch.AddHours(9), DateTimeOffset.UnixEpoch.AddHours(10),
            CrmStatus.Open, Alice, Alice, [new CrmParty(Alice, PartyRole.Organizer), new CrmParty(Bob, PartyRole.Attendee), new CrmParty("erin@fabrikam.example", PartyRole.Contact)], MeetingType.Visit);
        var v1 = withUid with { ObjectId = "b", Uid = null, GroupwareItemId = null, Status = CrmStatus.Cancelled, Owner = Bob, Organizer = Bob, Parties = [new CrmParty(Bob, PartyRole.Organizer)], Type = MeetingType.Appointment };
        var snapshot = new TenantCrmSnapshot([withUid, v1], new CrmWatermark(42), ["a", "b", "c", "q"], [new CrmQuarantinedRecord("AppointmentCollection", "q", "StartDate", "not a date")]);
        var created = withUid with { ObjectId = "d", Uid = new MeetingUid("uid-d"), Subject = "Created this cycle" };
        snapshot.Wrote("d", created);
        snapshot.Wrote("c", null);

        var back = RoundTrip(snapshot);

        Assert.Equal(Describe(snapshot.ChangedNow()), Describe(back.ChangedNow()));
        Assert.Equal(["a", "b", "d"], back.ChangedNow().Select(r => r.ObjectId).Order(StringComparer.Ordinal));
        Assert.Equal(new CrmWatermark(42), back.Next);
        Assert.Equal(snapshot.LiveIdsFor(Alice).ToArray(), back.LiveIdsFor(Alice).ToArray());
        Assert.Equal(snapshot.LiveIdsFor(Bob).ToArray(), back.LiveIdsFor(Bob).ToArray());
        Assert.DoesNotContain("c", back.LiveIdsNow());
        Assert.Equal(snapshot.Quarantined, back.Quarantined);
    }

    [Fact]
    public void FromWire_WritesOnTheCopy_LeaveTheSenderUnchanged()
    {
        var snapshot = new TenantCrmSnapshot([], new CrmWatermark(1), ["a"], []);
        var copy = RoundTrip(snapshot);

        copy.Wrote("a", null);

        Assert.Empty(copy.LiveIdsNow());
        Assert.Equal(["a"], snapshot.LiveIdsNow().ToArray());
    }

    /// <summary>The snapshot to bytes and back, as a grain call carries it.</summary>
    private static TenantCrmSnapshot RoundTrip(TenantCrmSnapshot snapshot) =>
        (Wire.Deserialize<CrmSnapshotWire>(Wire.SerializeToArray(snapshot.ToWire())) ?? throw new InvalidOperationException("nothing came back")).FromWire();

    /// <summary>Every field of each record, parties included (a record's own equality compares arrays by reference), ordered by id.</summary>
    private static string[] Describe(IEnumerable<CrmRecord> records) =>
        [.. records.OrderBy(r => r.ObjectId, StringComparer.Ordinal).Select(r => $"{r with { Parties = [] }} parties {string.Join(",", r.Parties)}")];
}
