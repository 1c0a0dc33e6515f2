using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Runner.Tests.Cli;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Operations;

/// <summary><c>rulesync crm check</c> against the emulator: the mapped page as a table, quarantined records, a mapping that does not fit.</summary>
public sealed class CrmCheckCommandTests
{
    private static string Config(TempFiles files, EmulatorHost host, CrmDialect dialect) => files.Write("rulesync.yaml", $"""
        tenant: contoso
        rules: embedded:default
        stateFile: state.db
        crm:
          serviceRoot: {host.CrmServiceRoot(dialect)}
          dialect: {(dialect == CrmDialect.V1 ? "v1" : "v2")}
        graph:
          baseUrl: {host.GraphBaseUrl}
          {RulesSync.Runner.Tests.Live.EmulatorSignInYaml.Graph(host, "  ")}
        mailboxes:
          - id: {Alice}
            provider: exchange
        """);

    private static CrmActivity Add(EmulatorHost host, string subject) => host.Crm.Add(new CrmActivityDraft(
        CrmActivityKind.Appointment, subject, Epoch, Epoch.AddHours(1), "P-alice", Alice, "P-alice",
        [new CrmParty("P-alice", CrmRoleCodes.Organizer, Alice), new CrmParty("P-bob", CrmRoleCodes.Attendee, Bob)])
    { StartTimeZoneCode = "CET", EndTimeZoneCode = "CET" });

    [Theory]
    [InlineData(CrmDialect.V1)]
    [InlineData(CrmDialect.V2)]
    public async Task Check_OneMalformedRecord_PrintsTheMappedTableAndTheQuarantineExit1(CrmDialect dialect)
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var good = Add(host, "Quarterly review");
        var bad = Add(host, "Broken");
        host.Crm.Tamper(bad.ObjectID, e => e.Remove(dialect == CrmDialect.V1 ? "StatusCode" : "LifeCycleStatusCode"));
        var before = host.Counters.Total;

        var run = CliRun.Of("crm", "check", "--config", Config(files, host, dialect));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("$metadata fits the mapping", run.Out, StringComparison.Ordinal);
        Assert.Contains($"{good.ObjectID}", run.Out, StringComparison.Ordinal);
        Assert.Contains("2026-01-05 09:00 +01:00", run.Out, StringComparison.Ordinal); // CET honoured
        Assert.Contains("bob@contoso.example (attendee)", run.Out, StringComparison.Ordinal);
        Assert.Contains($"AppointmentCollection('{bad.ObjectID}'): {(dialect == CrmDialect.V1 ? "StatusCode" : "LifeCycleStatusCode")}: missing", run.Out, StringComparison.Ordinal);
        Assert.Equal(2, host.Crm.All(CrmActivityKind.Appointment).Count);
        Assert.DoesNotContain(host.Counters.Routes.Keys, r => r.EndsWith(".create", StringComparison.Ordinal) || r.EndsWith(".update", StringComparison.Ordinal));
        Assert.True(host.Counters.Total - before <= 3); // $metadata and one page per entity set
    }

    [Fact]
    public async Task Check_MappingDoesNotFitTheMetadata_Exit2NamingSetAndField()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();

        // The c4codataapi service root configured with the c4codata dialect: its fields are not there.
        var config = files.Write("rulesync.yaml", $"""
            tenant: contoso
            rules: embedded:default
            stateFile: state.db
            crm:
              serviceRoot: {host.CrmServiceRoot(CrmDialect.V2)}
              dialect: v1
            graph:
              baseUrl: {host.GraphBaseUrl}
              {RulesSync.Runner.Tests.Live.EmulatorSignInYaml.Graph(host, "  ")}
            mailboxes:
              - id: {Alice}
                provider: exchange
            """);

        var run = CliRun.Of("crm", "check", "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("AppointmentCollection.StartDateTime: missing", run.Error, StringComparison.Ordinal);
        Assert.Contains("AppointmentCollection.StatusCode: missing", run.Error, StringComparison.Ordinal);
    }
}
