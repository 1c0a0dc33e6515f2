using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Crm;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;
using EmulatedParty = RulesSync.Emulators.Crm.CrmParty;
using EngineParty = RulesSync.Engine.Sync.CrmParty;

namespace RulesSync.Runner.Tests.Connectors.Crm;

/// <summary>The CRM connector over plain HTTP against the C4C-shaped OData emulator, both dialects.</summary>
public sealed partial class ODataCrmConnectorTests
{
    private const string Password = "crm-password-Qw93";

    private static ODataCrmConnection Connect(ConnectorTestHost t, CrmDialect dialect, ODataCrmOptions? options = null) =>
        new(
            (options ?? new ODataCrmOptions()) with
            {
                ServiceRoot = t.Host.CrmServiceRoot(dialect),
                Dialect = dialect == CrmDialect.V1 ? ApiVersion.V1 : ApiVersion.V2,
                EmployeeDomains = [Domain],
                User = "RULESYNC_TECH",
                Password = Password,
            },
            t.Time,
            t.Logs);

    private static CrmActivity AddAppointment(ConnectorTestHost t, string subject, int day, string organizer, params string[] attendees) =>
        t.Host.Crm.Add(new CrmActivityDraft(
            CrmActivityKind.Appointment, subject, Epoch.AddDays(day), Epoch.AddDays(day).AddHours(1), "P-" + organizer, organizer, "P-" + organizer,
            [
                new EmulatedParty("P-" + organizer, CrmRoleCodes.Organizer, organizer),
                new EmulatedParty("P-" + organizer, CrmRoleCodes.Owner, organizer),
                .. attendees.Select(a => new EmulatedParty("P-" + a, a.EndsWith(Domain, StringComparison.Ordinal) ? CrmRoleCodes.Attendee : CrmRoleCodes.Contact, a)),
            ])
        {
            ICalUid = "uid-" + subject,
            GroupwareItemID = "event-" + subject,
        });

    private static MeetingContent Content(string subject, int day, string organizer, params string[] attendees) =>
        new(new MeetingUid("uid-" + subject), subject, Epoch.AddDays(day).AddHours(9), Epoch.AddDays(day).AddHours(10), organizer,
            [.. attendees.Order(StringComparer.Ordinal)], false, MeetingType.Appointment);

    [Theory]
    [InlineData(CrmDialect.V1)]
    [InlineData(CrmDialect.V2)]
    public async Task ReadChanges_FullPoll_MapsRecordsTheEmployeeIsPartyOf(CrmDialect dialect)
    {
        await using var t = await StartAsync();
        var mine = AddAppointment(t, "Review", 1, Alice, Bob, External);
        AddAppointment(t, "Not mine", 2, Carol, Dave);
        var visit = t.Host.Crm.Add(new CrmActivityDraft(CrmActivityKind.Visit, "Visit ACME", Epoch.AddDays(3), Epoch.AddDays(3).AddHours(2), "P-bob", Bob, "P-bob",
            [new EmulatedParty("P-bob", CrmRoleCodes.Organizer, Bob), new EmulatedParty("P-alice", CrmRoleCodes.Attendee, Alice)])
        { LifeCycleStatusCode = "4" });
        using var crm = Connect(t, dialect);

        var page = await crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0));

        Assert.Equal([mine.ObjectID, visit.ObjectID], page.Records.Select(r => r.ObjectId));
        var r = page.Records[0];
        Assert.Equal(dialect == CrmDialect.V2 ? new MeetingUid("uid-Review") : null, r.Uid);
        Assert.Equal("event-Review", r.GroupwareItemId);
        Assert.Equal(("Review", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1)), (r.Subject, r.Start, r.End));
        Assert.Equal((Alice, Alice, CrmStatus.Open, MeetingType.Appointment), (r.Owner, r.Organizer, r.Status, r.Type));
        Assert.Equal(
            [new EngineParty(Alice, PartyRole.Organizer), new EngineParty(Bob, PartyRole.Attendee), new EngineParty(External, PartyRole.Contact)],
            r.Parties.ToArray());
        Assert.StartsWith("W/\"datetimeoffset'", r.ETag, StringComparison.Ordinal);
        var v = page.Records[1];
        Assert.Equal((MeetingType.Visit, CrmStatus.Cancelled, Bob), (v.Type, v.Status, v.Organizer));
        Assert.Equal(visit.LastChangeDateTime.ToUnixTimeMilliseconds(), page.Next.Value);
    }

    [Fact]
    public async Task ReadChanges_FromWatermark_ReturnsOnlyLaterChangesAcrossServerPages()
    {
        await using var t = await StartAsync(new EmulatorOptions { CrmPageSize = 2 });
        var records = Enumerable.Range(0, 5).Select(i => AddAppointment(t, $"m{i}", i, Alice, Bob)).ToList();
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        var first = await alice.ReadChangesAsync(new CrmWatermark(0));
        Assert.Equal(3, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.query"));
        Assert.Equal(5, first.Records.Length);

        t.Host.Crm.Update(CrmActivityKind.Appointment, records[1].ObjectID, a => a with { Subject = "m1 (moved)" });
        t.Host.Crm.Update(CrmActivityKind.Appointment, records[3].ObjectID, a => a with { Subject = "m3 (moved)" });
        var next = await alice.ReadChangesAsync(first.Next);

        var changed = next.Records.Where(r => first.Records.All(f => f.ETag != r.ETag)).Select(r => r.Subject).ToList();
        Assert.Equal(["m1 (moved)", "m3 (moved)"], changed);
        Assert.DoesNotContain(next.Records, r => r.ObjectId == records[0].ObjectID || r.ObjectId == records[2].ObjectID);
        Assert.True(next.Next.Value > first.Next.Value);
    }

    [Fact]
    public async Task ListIds_RecordDeletedInTheCrm_IsMissingThoughNoPollShowsIt()
    {
        await using var t = await StartAsync();
        var kept = AddAppointment(t, "kept", 1, Alice, Bob);
        var deleted = AddAppointment(t, "deleted", 2, Alice, Bob);
        AddAppointment(t, "other", 3, Carol);
        using var crm = Connect(t, CrmDialect.V1);
        var alice = crm.ForEmployee(Alice);
        var first = await alice.ReadChangesAsync(new CrmWatermark(0));

        t.Host.Crm.Delete(deleted.ObjectID);
        var poll = await alice.ReadChangesAsync(first.Next);
        var ids = await alice.ListIdsAsync();

        Assert.DoesNotContain(poll.Records, r => r.ObjectId == deleted.ObjectID);
        Assert.Equal([kept.ObjectID], ids.ToArray());
    }

    [Theory]
    [InlineData(CrmDialect.V1)]
    [InlineData(CrmDialect.V2)]
    public async Task Create_FetchesCsrfTokenThenWritesPartiesLinkAndUidWhereTheDialectHasIt(CrmDialect dialect)
    {
        await using var t = await StartAsync();
        using var crm = Connect(t, dialect);

        var result = await crm.ForEmployee(Alice).CreateAsync(Content("Kick-off", 1, Alice, Bob, External), Alice, "AAMk-event-1");

        Assert.Equal(CrmWriteStatus.Written, result.Status);
        var record = result.Write!.Record;
        var stored = t.Host.Crm.Get(CrmActivityKind.Appointment, record.ObjectId)!;
        Assert.Equal(1, t.Host.Counters.ForRoute(dialect == CrmDialect.V1 ? "crm.v1.root" : "crm.v2.root"));
        Assert.Equal("AAMk-event-1", stored.GroupwareItemID);
        Assert.Equal(dialect == CrmDialect.V2 ? "uid-Kick-off" : null, stored.ICalUid);
        Assert.Equal((Alice, Alice, "1"), (stored.OrganizerEmail, stored.OwnerPartyID, stored.LifeCycleStatusCode));
        // c4codata has no owner property: the owner is written as the party in role 39.
        Assert.Equal(
            [(Alice, CrmRoleCodes.Organizer), .. dialect == CrmDialect.V1 ? [(Alice, CrmRoleCodes.Owner)] : Array.Empty<(string?, string)>(), (Bob, CrmRoleCodes.Attendee), (External, CrmRoleCodes.Contact)],
            stored.Parties.Select(p => (p.Email, p.RoleCode)));
        Assert.Equal(Epoch.AddDays(1).AddHours(9), record.Start);
        Assert.Equal([Bob, External], record.ToContent(new MeetingUid("x")).Attendees.ToArray());
    }

    [Fact]
    public async Task Update_SomeoneChangedTheRecordMeanwhile_ReturnsVersionConflictAndWritesNothing()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        await alice.ReadChangesAsync(new CrmWatermark(0));
        t.Host.Crm.Update(CrmActivityKind.Appointment, a.ObjectID, x => x with { Subject = "Changed by a CRM user" });

        var conflict = await alice.UpdateAsync(a.ObjectID, Content("Review", 5, Alice, Bob), relinkTo: null);

        Assert.True(conflict.IsVersionConflict);
        Assert.Null(conflict.Write);
        Assert.Equal("Changed by a CRM user", conflict.Current!.Subject);
        Assert.Equal(Epoch.AddDays(1), t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!.Start);

        // Deciding again on the version the conflict showed: the write goes through.
        var again = await alice.UpdateAsync(a.ObjectID, Content("Review", 5, Alice, Bob), relinkTo: "AAMk-new-link");

        Assert.Equal(CrmWriteStatus.Written, again.Status);
        var stored = t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!;
        Assert.Equal((Epoch.AddDays(5).AddHours(9), "Review", "AAMk-new-link"), (stored.Start, stored.Subject, stored.GroupwareItemID));
        Assert.Equal(again.Write!.Record.ETag, (await alice.GetAsync(a.ObjectID))!.ETag);
    }

    [Fact]
    public async Task Update_ContentCarriesTheEnginesPlaceholderUid_LeavesTheRecordsUidUnwritten()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        t.Host.Crm.Update(CrmActivityKind.Appointment, a.ObjectID, x => x with { ICalUid = null });
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        var read = Assert.Single((await alice.ReadChangesAsync(new CrmWatermark(0))).Records);
        Assert.Null(read.Uid);

        // What the engine plans for a record that shows no UID and that no event correlates.
        var placeholder = read.ToContent(MeetingUid.PlaceholderFor(a.ObjectID)) with { Subject = "Review moved" };
        var result = await alice.UpdateAsync(a.ObjectID, placeholder, relinkTo: null);

        Assert.Equal(CrmWriteStatus.Written, result.Status);
        var stored = t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!;
        Assert.Equal(("Review moved", null), (stored.Subject, stored.ICalUid));

        // A real UID in the same place is written: the guard tells the placeholder apart, not every UID.
        var real = await alice.UpdateAsync(a.ObjectID, placeholder with { Uid = new MeetingUid("uid-Review") }, relinkTo: null);

        Assert.Equal(CrmWriteStatus.Written, real.Status);
        Assert.Equal("uid-Review", t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!.ICalUid);
    }

    [Fact]
    public async Task Update_RecordDeletedMeanwhile_ReturnsVersionConflictWithoutCurrent()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        await alice.ReadChangesAsync(new CrmWatermark(0));
        t.Host.Crm.Delete(a.ObjectID);

        var result = await alice.UpdateAsync(a.ObjectID, Content("Review", 5, Alice, Bob), relinkTo: null);

        Assert.True(result.IsVersionConflict);
        Assert.Null(result.Current);
    }

    [Fact]
    public async Task Cancel_SetsTheCancelledStatusCode()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V1);

        var result = await crm.ForEmployee(Alice).CancelAsync(a.ObjectID);

        Assert.Equal(CrmStatus.Cancelled, result.Write!.Record.Status);
        Assert.Equal("4", t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!.LifeCycleStatusCode);
        Assert.Equal("Review", t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!.Subject);
    }

    /// <summary>C4C life-cycle status 3 (Completed) reads as completed, 2 (In Process) as open; a sync's update of a completed record leaves its status alone unless it cancels.</summary>
    [Fact]
    public async Task Update_CompletedRecord_StaysCompletedUnlessTheUpdateCancels()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        var b = AddAppointment(t, "Visit prep", 2, Alice, Bob);
        t.Host.Crm.Update(CrmActivityKind.Appointment, a.ObjectID, x => x with { LifeCycleStatusCode = "3" });
        t.Host.Crm.Update(CrmActivityKind.Appointment, b.ObjectID, x => x with { LifeCycleStatusCode = "2" });
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        var read = (await alice.ReadChangesAsync(new CrmWatermark(0))).Records.ToDictionary(r => r.ObjectId);
        Assert.Equal((CrmStatus.Completed, CrmStatus.Open), (read[a.ObjectID].Status, read[b.ObjectID].Status));

        var moved = await alice.UpdateAsync(a.ObjectID, Content("Review", 5, Alice, Bob), relinkTo: null);

        Assert.Equal(CrmStatus.Completed, moved.Write!.Record.Status);
        var stored = t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!;
        Assert.Equal((Epoch.AddDays(5).AddHours(9), "3"), (stored.Start, stored.LifeCycleStatusCode));

        var cancelled = await alice.UpdateAsync(a.ObjectID, Content("Review", 5, Alice, Bob) with { Cancelled = true }, relinkTo: null);

        Assert.Equal(CrmStatus.Cancelled, cancelled.Write!.Record.Status);
        Assert.Equal("4", t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!.LifeCycleStatusCode);
    }

    [Fact]
    public async Task Delete_CurrentVersion_DeletesAndASecondDeleteIsHarmless()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);

        Assert.Equal(CrmWriteStatus.Deleted, (await alice.DeleteAsync(a.ObjectID)).Status);
        Assert.Equal(CrmWriteStatus.Deleted, (await alice.DeleteAsync(a.ObjectID)).Status);

        Assert.Null(t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID));
        Assert.Equal(1, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.delete"));
    }

    [Fact]
    public async Task Delete_StaleVersion_ReturnsVersionConflictAndKeepsTheRecord()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        await alice.ListIdsAsync();
        t.Host.Crm.Update(CrmActivityKind.Appointment, a.ObjectID, x => x with { Subject = "Still wanted" });

        var result = await alice.DeleteAsync(a.ObjectID);

        Assert.True(result.IsVersionConflict);
        Assert.Equal("Still wanted", result.Current!.Subject);
        Assert.NotNull(t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID));
    }

    [Fact]
    public async Task Read_PartyIdsWithoutEmails_ResolvedThroughConfiguredPartyIds()
    {
        await using var t = await StartAsync();
        var a = t.Host.Crm.Add(new CrmActivityDraft(CrmActivityKind.Appointment, "Review", Epoch, Epoch.AddHours(1), "8000001", "", "8000001",
            [new EmulatedParty("8000001", CrmRoleCodes.Organizer, null), new EmulatedParty("8000002", CrmRoleCodes.Attendee, null)]));
        using var crm = Connect(t, CrmDialect.V2, new ODataCrmOptions
        {
            PartyIds = new Dictionary<string, string> { [Alice] = "8000001", [Bob] = "8000002" },
        });

        var page = await crm.ForEmployee(Bob).ReadChangesAsync(new CrmWatermark(0));

        var r = Assert.Single(page.Records);
        Assert.Equal((a.ObjectID, Alice, Alice), (r.ObjectId, r.Owner, r.Organizer));
        Assert.Equal([new EngineParty(Alice, PartyRole.Organizer), new EngineParty(Bob, PartyRole.Attendee)], r.Parties.ToArray());
    }
}
