using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Crm.Contract;

/// <summary>The CRM connector against the emulator.</summary>
public sealed class EmulatorCrmContractTests(EmulatorCrmService service) : CrmContractTests(service), IClassFixture<EmulatorCrmService>;

/// <summary>The CRM connector against a real SAP OData V2 stack: SAP CAP with the V2 adapter.</summary>
public sealed class CapCrmContractTests(CapServer service) : CrmContractTests(service), IClassFixture<CapServer>;

/// <summary>
/// The CRM connector's contract, one class run against two services (the emulator and SAP CAP): poll and paging,
/// the watermark filter, create with parties, the duplicate-create lookup, PATCH with If-Match, 412 → conflict,
/// cancel, delete, the ids-only listing. The service is shared by the class's tests, so each test works on records
/// of its own (a fresh tag in subject and groupware id) and asserts on those.
/// </summary>
public abstract class CrmContractTests(ICrmServiceFixture service)
{
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    private ODataCrmConnection Connect() => new(
        new ODataCrmOptions { ServiceRoot = service.ServiceRoot, Dialect = ApiVersion.V2, EmployeeDomains = [Domain], DefaultTimeZoneCode = "CET" },
        TimeProvider.System);

    private MeetingContent Content(string subject, int day, params string[] attendees) =>
        new(new MeetingUid($"uid-{tag}-{subject}"), $"{tag} {subject}", Epoch.AddDays(day), Epoch.AddDays(day).AddHours(1), Alice,
            [.. attendees.Order(StringComparer.Ordinal)], false, MeetingType.Appointment);

    private async Task<CrmRecord> CreateAsync(ODataCrmConnection crm, string subject, int day, params string[] attendees)
    {
        var result = await crm.ForEmployee(Alice).CreateAsync(Content(subject, day, attendees), Alice, $"AAMk-{tag}-{subject}");
        Assert.Equal(CrmWriteStatus.Written, result.Status);
        return result.Write!.Record;
    }

    private IEnumerable<CrmRecord> Mine(IEnumerable<CrmRecord> records) => records.Where(r => r.Subject.StartsWith(tag, StringComparison.Ordinal));

    [Fact]
    public async Task Poll_AcrossServerPages_ReturnsEveryRecordMapped()
    {
        using var crm = Connect();
        var created = new List<CrmRecord>();
        for (var i = 0; i < 4; i++)
        {
            created.Add(await CreateAsync(crm, $"m{i}", i, Bob, External));
        }

        var page = await crm.ForEmployee(Alice).ReadTenantChangesAsync(new CrmWatermark(0));

        var mine = Mine(page.Records).OrderBy(r => r.Start).ToList();
        Assert.Equal(created.Select(c => c.ObjectId), mine.Select(r => r.ObjectId));
        var r = mine[1];
        Assert.Equal(($"{tag} m1", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1)), (r.Subject, r.Start.ToUniversalTime(), r.End.ToUniversalTime()));
        Assert.Equal(TimeSpan.FromHours(1), r.Start.Offset); // written in CET, read back in CET
        Assert.Equal((Alice, Alice, CrmStatus.Open, $"AAMk-{tag}-m1"), (r.Organizer, r.Owner, r.Status, r.GroupwareItemId));
        Assert.Equal(new MeetingUid($"uid-{tag}-m1"), r.Uid);
        Assert.Equal(
            [new CrmParty(Alice, PartyRole.Organizer), new CrmParty(Bob, PartyRole.Attendee), new CrmParty(External, PartyRole.Contact)],
            r.Parties.OrderBy(p => p.Party, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Poll_FromWatermark_ReturnsOnlyLaterChanges()
    {
        using var crm = Connect();
        var early = await CreateAsync(crm, "early", 1, Bob);
        await CreateAsync(crm, "early2", 2, Bob);
        var first = await crm.ForEmployee(Alice).ReadTenantChangesAsync(new CrmWatermark(0));
        await Task.Delay(5); // the services stamp changes in milliseconds: the next one must be later
        var later = await CreateAsync(crm, "later", 3, Bob);

        var next = await crm.ForEmployee(Alice).ReadTenantChangesAsync(first.Next);

        Assert.Contains(next.Records, r => r.ObjectId == later.ObjectId);
        Assert.DoesNotContain(next.Records, r => r.ObjectId == early.ObjectId);
        Assert.True(next.Next.Value > first.Next.Value);
    }

    [Fact]
    public async Task Create_WithParties_ReadsBackTheSameMeeting()
    {
        using var crm = Connect();

        var created = await CreateAsync(crm, "kick-off", 1, Bob, Carol, External);
        using var other = Connect();
        var read = await other.ForEmployee(Alice).GetAsync(created.ObjectId);

        Assert.NotNull(read);
        Assert.Equal(created with { ETag = read.ETag }, read with { Parties = created.Parties }, EqualityComparer<CrmRecord>.Default);
        Assert.Equal(created.Parties.OrderBy(p => p.Party, StringComparer.Ordinal), read.Parties.OrderBy(p => p.Party, StringComparer.Ordinal));
        Assert.Equal([Bob, Carol, External], read.ToContent(new MeetingUid("x")).Attendees.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DuplicateCreate_SameGroupwareItem_FindsTheFirstRecord()
    {
        using var crm = Connect();
        ICrmPort port = crm.ForEmployee(Alice);
        var content = Content("dup", 1, Bob);

        var first = await port.CreateAsync(content, Alice, $"AAMk-{tag}-dup", "key-1");
        using var restarted = Connect();
        var second = await ((ICrmPort)restarted.ForEmployee(Alice)).CreateAsync(content, Alice, $"AAMk-{tag}-dup", "key-1");

        Assert.Equal(first.Record.ObjectId, second.Record.ObjectId);
        var all = await crm.ForEmployee(Alice).ReadTenantChangesAsync(new CrmWatermark(0));
        Assert.Single(Mine(all.Records), r => r.GroupwareItemId == $"AAMk-{tag}-dup");
    }

    [Fact]
    public async Task Update_WithTheETagShown_WritesContentAndReplacesParties()
    {
        using var crm = Connect();
        var created = await CreateAsync(crm, "review", 1, Bob, External);
        var moved = Content("review (moved)", 2, Carol);

        var result = await crm.ForEmployee(Alice).UpdateAsync(created.ObjectId, moved, null);

        Assert.Equal(CrmWriteStatus.Written, result.Status);
        var r = result.Write!.Record;
        Assert.NotEqual(created.ETag, r.ETag);
        Assert.Equal(($"{tag} review (moved)", Epoch.AddDays(2)), (r.Subject, r.Start.ToUniversalTime()));
        Assert.Equal([new CrmParty(Alice, PartyRole.Organizer), new CrmParty(Carol, PartyRole.Attendee)], r.Parties.OrderBy(p => p.Party, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Update_SomeoneChangedItMeanwhile_412IsAVersionConflictWithTheRecordAsItStands()
    {
        using var crm = Connect();
        var created = await CreateAsync(crm, "contested", 1, Bob);
        await Task.Delay(5);
        using var someoneElse = Connect();
        Assert.Equal(CrmWriteStatus.Written, (await someoneElse.ForEmployee(Bob).UpdateAsync(created.ObjectId, Content("theirs", 3, Bob), null)).Status);

        var result = await crm.ForEmployee(Alice).UpdateAsync(created.ObjectId, Content("mine", 2, Bob), null);

        Assert.Equal(CrmWriteStatus.VersionConflict, result.Status);
        Assert.Equal($"{tag} theirs", result.Current!.Subject);
    }

    [Fact]
    public async Task Cancel_SetsTheCancelledStatus()
    {
        using var crm = Connect();
        var created = await CreateAsync(crm, "called off", 1, Bob);

        var result = await crm.ForEmployee(Alice).CancelAsync(created.ObjectId);

        Assert.Equal(CrmStatus.Cancelled, result.Write!.Record.Status);
        using var other = Connect();
        Assert.Equal(CrmStatus.Cancelled, (await other.ForEmployee(Alice).GetAsync(created.ObjectId))!.Status);
    }

    [Fact]
    public async Task Delete_RemovesTheRecord_AndTheIdsListingNoLongerHasIt()
    {
        using var crm = Connect();
        var kept = await CreateAsync(crm, "kept", 1, Bob);
        var deleted = await CreateAsync(crm, "deleted", 2, Bob);

        await ((ICrmPort)crm.ForEmployee(Alice)).DeleteAsync(deleted.ObjectId, deleted.ETag);
        var ids = await crm.ForEmployee(Alice).ListTenantIdsAsync();

        Assert.Contains(kept.ObjectId, ids);
        Assert.DoesNotContain(deleted.ObjectId, ids);
        using var other = Connect();
        Assert.Null(await other.ForEmployee(Alice).GetAsync(deleted.ObjectId));
    }

    [Fact]
    public async Task ListTenantIds_IdsOnlyAcrossServerPages()
    {
        using var crm = Connect();
        var created = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            created.Add((await CreateAsync(crm, $"id{i}", i, Bob)).ObjectId);
        }

        var ids = await crm.ForEmployee(Alice).ListTenantIdsAsync();

        Assert.Subset(ids.ToHashSet(), created.ToHashSet());
        Assert.Equal(ids.Distinct().Count(), ids.Length);
    }
}
