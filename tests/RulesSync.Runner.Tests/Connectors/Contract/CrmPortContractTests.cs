using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Tests.Connectors.Crm.Contract;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Runner.Tests.Connectors.Contract;

/// <summary>One employee's <see cref="ICrmPort"/>, and whom to write about.</summary>
/// <param name="Port">The organizer's port.</param>
/// <param name="OrganizerId">The organizing (and owning) employee.</param>
/// <param name="AttendeeId">An employee attendee.</param>
/// <param name="Day">When the meeting starts.</param>
/// <param name="Resources">What to dispose after the test.</param>
public sealed record CrmPorts(ICrmPort Port, string OrganizerId, string AttendeeId, DateTimeOffset Day, IAsyncDisposable Resources);

/// <summary>The simulator's CRM port (v2).</summary>
public sealed class SimulatedCrmPortContractTests : CrmPortContractTests
{
    protected override Task<CrmPorts> OpenAsync()
    {
        var world = SimWorld.Create(new Scenario([Provider.Exchange, Provider.Exchange], 0, ApiVersion.V2, false, MeetingOrigin.Mailbox), ContractPolicy.Instance, ContractPolicy.Now);
        return Task.FromResult(new CrmPorts(new SimCrmPort(world, 0), "A", "B", ContractPolicy.Now.AddDays(2), ContractPolicy.Nothing));
    }
}

/// <summary>The OData connector over the C4C emulator.</summary>
public sealed class EmulatorCrmPortContractTests(EmulatorCrmService service) : CrmPortContractTests, IClassFixture<EmulatorCrmService>
{
    protected override Task<CrmPorts> OpenAsync() => Task.FromResult(CrmPortContractTests.OverOData(service));
}

/// <summary>The OData connector over SAP CAP with the V2 adapter (the fixture of the CRM connector's own contract).</summary>
public sealed class CapCrmPortContractTests(CapServer service) : CrmPortContractTests, IClassFixture<CapServer>
{
    protected override Task<CrmPorts> OpenAsync() => Task.FromResult(CrmPortContractTests.OverOData(service));
}

/// <summary>
/// What the engine relies on from every <see cref="ICrmPort"/>, one suite run against the simulator's port, the OData
/// connector over the C4C emulator and over SAP CAP: a create is read back by the poll and the id listing, an update
/// with the version read writes a new version, one with an older version is a conflict carrying the record as it
/// stands, a cancel sets the status, a delete leaves the id listing and deleting again succeeds. A shared service
/// keeps other tests' records: each test works on a record of its own (a fresh tag in subject and groupware id).
/// </summary>
public abstract class CrmPortContractTests
{
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    protected abstract Task<CrmPorts> OpenAsync();

    internal static CrmPorts OverOData(ICrmServiceFixture service)
    {
        var connection = new ODataCrmConnection(
            new ODataCrmOptions { ServiceRoot = service.ServiceRoot, Dialect = ApiVersion.V2, EmployeeDomains = [ConnectorTestHost.Domain], DefaultTimeZoneCode = "CET" },
            TimeProvider.System);
        return new CrmPorts(connection.ForEmployee(ConnectorTestHost.Alice), ConnectorTestHost.Alice, ConnectorTestHost.Bob, ConnectorTestHost.Epoch.AddDays(2), new Both(connection));
    }

    private MeetingContent Content(CrmPorts p, string subject) =>
        new(new MeetingUid($"uid-{tag}"), $"{tag} {subject}", p.Day, p.Day.AddHours(1), p.OrganizerId, [p.AttendeeId], false, MeetingType.Appointment);

    private async Task<CrmRecord> CreateAsync(CrmPorts p, string subject = "review") =>
        (await p.Port.CreateAsync(Content(p, subject), p.OrganizerId, $"gw-{tag}", $"key-{tag}")).Record;

    [Fact]
    public async Task Create_IsReadBackByThePollAndTheIdListing()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;

        var created = await CreateAsync(p);
        var page = await p.Port.ReadChangesAsync(new CrmWatermark(0));
        var ids = await p.Port.ListIdsAsync();

        var r = Assert.Single(page.Records, x => x.ObjectId == created.ObjectId);
        Assert.Equal(($"{tag} review", p.Day, p.Day.AddHours(1), CrmStatus.Open), (r.Subject, r.Start.ToUniversalTime(), r.End.ToUniversalTime(), r.Status));
        Assert.Equal((p.OrganizerId, p.OrganizerId, $"gw-{tag}", created.ETag), (r.Owner, r.Organizer, r.GroupwareItemId, r.ETag));
        Assert.Equal(Role.Attendee, r.RoleOf(p.AttendeeId));
        Assert.Equal(Role.Organizer, r.RoleOf(p.OrganizerId));
        Assert.Contains(created.ObjectId, ids);
    }

    [Fact]
    public async Task Update_WithTheVersionRead_WritesANewVersion()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var created = await CreateAsync(p);
        await Task.Delay(5); // Services stamp versions in milliseconds: the write must come later than the create.

        var updated = (await p.Port.UpdateAsync(created.ObjectId, created.ETag, Content(p, "review (moved)") with { Start = p.Day.AddHours(2), End = p.Day.AddHours(3) }, $"gw2-{tag}")).Record;

        Assert.NotEqual(created.ETag, updated.ETag);
        Assert.Equal(($"{tag} review (moved)", p.Day.AddHours(2), $"gw2-{tag}"), (updated.Subject, updated.Start.ToUniversalTime(), updated.GroupwareItemId));
        var page = await p.Port.ReadChangesAsync(new CrmWatermark(0));
        Assert.Equal(updated.ETag, Assert.Single(page.Records, x => x.ObjectId == created.ObjectId).ETag);
    }

    [Fact]
    public async Task Update_WithAnOlderVersion_IsAConflictCarryingTheRecordAsItStands()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var created = await CreateAsync(p);
        await Task.Delay(5);
        await p.Port.UpdateAsync(created.ObjectId, created.ETag, Content(p, "theirs"), null);
        await Task.Delay(5);

        var conflict = await Assert.ThrowsAsync<CrmConflictException>(async () => await p.Port.UpdateAsync(created.ObjectId, created.ETag, Content(p, "mine"), null));

        Assert.Equal(created.ObjectId, conflict.ObjectId);
        Assert.Equal($"{tag} theirs", conflict.Current!.Subject);
    }

    [Fact]
    public async Task Cancel_SetsTheCancelledStatus()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var created = await CreateAsync(p);
        await Task.Delay(5);

        var cancelled = (await p.Port.CancelAsync(created.ObjectId, created.ETag)).Record;

        Assert.Equal(CrmStatus.Cancelled, cancelled.Status);
        var page = await p.Port.ReadChangesAsync(new CrmWatermark(0));
        Assert.Equal(CrmStatus.Cancelled, Assert.Single(page.Records, x => x.ObjectId == created.ObjectId).Status);
    }

    [Fact]
    public async Task Delete_LeavesTheIdListingAndTheChangePoll_AndDeletingAgainSucceeds()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var created = await CreateAsync(p);

        await p.Port.DeleteAsync(created.ObjectId, created.ETag);
        await p.Port.DeleteAsync(created.ObjectId, created.ETag);

        Assert.DoesNotContain(created.ObjectId, await p.Port.ListIdsAsync());
        Assert.DoesNotContain((await p.Port.ReadChangesAsync(new CrmWatermark(0))).Records, x => x.ObjectId == created.ObjectId);
    }
}
