using RulesSync.Emulators.Crm;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cli.Operations;
using RulesSync.Runner.Tests.Connectors;
using EmulatedParty = RulesSync.Emulators.Crm.CrmParty;

namespace RulesSync.Runner.Tests.Live;

/// <summary>The live runner with a malformed CRM record, and with records deleted in the CRM between id listings.</summary>
public sealed partial class LiveRunnerTests
{
    private static CrmActivity AddCrmMeeting(RunnerTestHost h, string subject, int day) => h.T.Host.Crm.Add(new CrmActivityDraft(
        CrmActivityKind.Appointment, subject, ConnectorTestHost.Epoch.AddDays(day), ConnectorTestHost.Epoch.AddDays(day).AddHours(1), "P-alice", Alice, "P-alice",
        [new EmulatedParty("P-alice", CrmRoleCodes.Organizer, Alice), new EmulatedParty("P-bob", CrmRoleCodes.Attendee, Bob)]));

    [Fact]
    public async Task RunCycle_MalformedCrmRecord_IsQuarantinedShownInStatusAndTheRestSyncs()
    {
        await using var h = await RunnerTestHost.StartAsync("embedded:default", ApiVersion.V2, autoShare: true, mailboxes: [Alice, Bob]);
        var bad = AddCrmMeeting(h, "Broken", 1);
        AddCrmMeeting(h, "Fine", 2);
        h.T.Host.Crm.Tamper(bad.ObjectID, e => e["StartDate"] = null);

        var report = await h.CycleAsync();

        Assert.Equal((2, 0, (string?)null), (report.Synced, report.Failed, report.Error));
        Assert.Contains(h.T.Organization.Calendar(Alice), e => e.Subject == "Fine");
        Assert.DoesNotContain(h.T.Organization.Calendar(Alice), e => e.Subject == "Broken");
        var line = Assert.Single(h.Queries.RuleSet().CrmQuarantine!);
        Assert.Equal($"AppointmentCollection('{bad.ObjectID}'): StartDate: null (expected an OData date /Date(ms)/ or /Date(ms+offset)/)", line);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = StatusCommand.Run(new Runner.Cli.CliConsole(stdout, stderr), h.Queries, Runner.Cli.OutputFormat.Table);
        Assert.Equal(1, exit);
        Assert.Contains("CRM records quarantined (skipped, nothing decided on them): 1", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains(line, stdout.ToString(), StringComparison.Ordinal);

        // Mended, it reads again at the next change and leaves the quarantine.
        h.T.Host.Crm.Tamper(bad.ObjectID, _ => { });
        h.T.Host.Crm.Update(CrmActivityKind.Appointment, bad.ObjectID, a => a with { Subject = "Broken (mended)" });
        await h.CycleAsync();
        Assert.Empty(h.Queries.RuleSet().CrmQuarantine!);
        Assert.Contains(h.T.Organization.Calendar(Alice), e => e.Subject == "Broken (mended)");
    }
}
