using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;
using EmulatedParty = RulesSync.Emulators.Crm.CrmParty;

namespace RulesSync.Runner.Tests.Connectors.Crm;

/// <summary>
/// The port's create looks up the record linked to the replica (<c>GroupwareItemID eq '...'</c>) before it POSTs:
/// asked again — a retry, a restart — it returns the record it created.
/// </summary>
public sealed partial class ODataCrmConnectorTests
{
    private const string CreateKey = "effect-1#0:create-crm-record";

    [Theory]
    [InlineData(CrmDialect.V1)]
    [InlineData(CrmDialect.V2)]
    public async Task PortCreate_SameKeyTwiceAcrossARestart_OneRecordSameId(CrmDialect dialect)
    {
        await using var t = await StartAsync();
        var route = $"crm.{(dialect == CrmDialect.V1 ? "v1" : "v2")}.AppointmentCollection.create";
        var content = Content("Kick-off", 1, Alice, Bob, External);

        CrmWrite first, again;
        using (var before = Connect(t, dialect))
        {
            first = await ((ICrmPort)before.ForEmployee(Alice)).CreateAsync(content, Alice, "AAMkA-event-1=", CreateKey);
        }

        using (var after = Connect(t, dialect))
        {
            again = await ((ICrmPort)after.ForEmployee(Alice)).CreateAsync(content, Alice, "AAMkA-event-1=", CreateKey);
        }

        Assert.Equal(first.Record, again.Record);
        Assert.Equal(first.Record.ObjectId, Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment)).ObjectID);
        Assert.Equal("AAMkA-event-1=", again.Record.GroupwareItemId);
        Assert.Equal(1, t.Host.Counters.ForRoute(route));
    }

    [Fact]
    public async Task PortCreate_DifferentReplicas_TwoRecords()
    {
        await using var t = await StartAsync();
        using var crm = Connect(t, CrmDialect.V2);
        ICrmPort alice = crm.ForEmployee(Alice);

        var first = await alice.CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "event-a", "effect-1#0:create-crm-record");
        var second = await alice.CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "event-b", "effect-2#0:create-crm-record");

        Assert.NotEqual(first.Record.ObjectId, second.Record.ObjectId);
        Assert.Equal(2, t.Host.Crm.All(CrmActivityKind.Appointment).Count);
    }

    [Fact]
    public async Task PortCreate_ReplicaAlreadyLinkedToAVisit_ReturnsTheVisitAndCreatesNothing()
    {
        await using var t = await StartAsync();
        var visit = t.Host.Crm.Add(new CrmActivityDraft(CrmActivityKind.Visit, "Visit ACME", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), "P-" + Alice, Alice, "P-" + Alice,
            [new EmulatedParty("P-" + Alice, CrmRoleCodes.Organizer, Alice)])
        {
            GroupwareItemID = "event-v",
        });
        using var crm = Connect(t, CrmDialect.V2);

        var write = await ((ICrmPort)crm.ForEmployee(Alice)).CreateAsync(Content("Visit ACME", 1, Alice), Alice, "event-v", CreateKey);

        Assert.Equal(visit.ObjectID, write.Record.ObjectId);
        Assert.Equal(MeetingType.Visit, write.Record.Type);
        Assert.Empty(t.Host.Crm.All(CrmActivityKind.Appointment));
        Assert.Equal(0, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.create"));
    }

    [Theory]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.MalformedJson)]
    public async Task PortCreate_AnswerLostAfterTheWrite_FindsTheRecordInsteadOfCreatingAgain(FaultKind kind)
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = kind, Route = "crm.v2.AppointmentCollection.create" });
        using var crm = Connect(t, CrmDialect.V2);

        var write = await ((ICrmPort)crm.ForEmployee(Alice)).CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "event-1", CreateKey);

        Assert.Equal(write.Record.ObjectId, Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment)).ObjectID);
        Assert.Equal(1, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.create"));
    }

    [Fact]
    public async Task PortCreate_RefusedWithoutBeingCarriedOut_FailureSurfacesAndTheRetryCreatesOnce()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Timeout, Route = "crm.v2.AppointmentCollection.create", Delay = TimeSpan.FromSeconds(5) });
        using var crm = Connect(t, CrmDialect.V2);
        ICrmPort alice = crm.ForEmployee(Alice);

        var create = alice.CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "event-1", CreateKey).AsTask();
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAnyAsync<Exception>(() => create);
        var retried = await alice.CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "event-1", CreateKey);

        Assert.Equal(retried.Record.ObjectId, Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment)).ObjectID);
    }
}
