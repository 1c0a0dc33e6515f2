using System.Text.Json.Nodes;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Operations;

/// <summary>The operator commands end to end: <c>rulesync run --once</c> against the emulators, then the commands on its state file.</summary>
public sealed class OperatorCommandsTests
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;

    private static string Config(EmulatorHost host, string folder, string extra = "") => $"""
        tenant: contoso
        rules: embedded:default
        dataFolder: .
        stateFile: state.db
        crm:
          serviceRoot: {host.CrmServiceRoot(CrmDialect.V2)}
          dialect: v2
        graph:
          baseUrl: {host.GraphBaseUrl}
          {RulesSync.Runner.Tests.Live.EmulatorSignInYaml.Graph(host, "  ")}
        mailboxes:
          - id: {Alice}
            provider: exchange
          - id: {Bob}
            provider: exchange
        {extra}
        """;

    [Fact]
    public async Task RunOnceThenStatusAndJournal_ReportWhatHappened()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", Config(host, files.Folder));
        var now = TimeProvider.System.GetUtcNow();
        var meeting = host.Organization.ScheduleMeeting(Alice, new MeetingDraft("Review", now.AddDays(1), now.AddDays(1).AddHours(1), [Bob]));

        var run = CliRun.Of("run", "--config", config, "--once");
        var status = CliRun.Of("status", "--config", config, "--format", "json");
        var table = CliRun.Of("status", "--config", config);
        var journal = CliRun.Of("journal", "--config", config, "--meeting", meeting.ICalUid, "--format", "json");
        var journalText = CliRun.Of("journal", "--state", Path.Combine(files.Folder, "state.db"), "--meeting", meeting.ICalUid);

        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        Assert.Contains("2 synced, 0 skipped, 0 failed", run.Out, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        var mailboxes = JsonNode.Parse(status.Out)!["mailboxes"]!.AsArray();
        Assert.Equal([Alice, Bob], mailboxes.Select(m => m!["mailbox"]!.GetValue<string>()));
        Assert.All(mailboxes, m => Assert.Equal("active", m!["status"]!.GetValue<string>()));
        Assert.All(mailboxes, m => Assert.NotNull(m!["lastSync"]));
        Assert.Contains("alice@contoso.example", table.Out, StringComparison.Ordinal);
        var decisions = JsonNode.Parse(journal.Out)!["decisions"]!.AsArray();
        Assert.Contains(decisions, d => d!["effects"]!.AsArray().Any(e => e!["kind"]!.GetValue<string>() == "CreateCrmRecord" && e["status"]!.GetValue<string>() == "applied"));
        Assert.Contains("[applied] create a CRM record 'Review'", journalText.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuspendResumeCommands_ChangeStatusAndReportIt()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", Config(host, files.Folder));
        Assert.Equal(0, CliRun.Of("run", "--config", config, "--once").ExitCode);

        var suspend = CliRun.Of("suspend", "--config", config, "--mailbox", Bob, "--reason", "user left", "--by", "ops");
        var status = CliRun.Of("status", "--config", config);
        var killAll = CliRun.Of("suspend", "--config", config, "--all", "--format", "json");
        var run = CliRun.Of("run", "--config", config, "--once");
        var resumeAll = CliRun.Of("resume", "--config", config, "--all");
        var resume = CliRun.Of("resume", "--config", config, "--mailbox", Bob);
        var after = CliRun.Of("status", "--config", config, "--format", "json");

        Assert.Equal(0, suspend.ExitCode);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("suspended by ops: user left", status.Out, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(killAll.Out)!["all"]!.GetValue<bool>());
        Assert.Contains("(kill switch on)", run.Out, StringComparison.Ordinal);
        Assert.Equal(0, resumeAll.ExitCode);
        Assert.Equal(0, resume.ExitCode);
        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public void Status_NoStateFile_ExitsTwoAndCreatesNothing()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Folder, "state.db");

        var status = CliRun.Of("status", "--state", path);

        Assert.Equal(2, status.ExitCode);
        Assert.Contains("no state file here", status.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Run_BadConfig_ExitsTwoWithTheLocationAndTouchesNothing()
    {
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", "tenant: contoso\nsync:\n  intervall: 5\n");

        var run = CliRun.Of("run", "--config", config, "--once");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{config}:3:3: error: unknown setting 'intervall' under 'sync'", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(files.Folder, "rulesync.db")));
    }

    [Fact]
    public async Task Run_CorruptStateFile_ExitsTwoAndLeavesItAlone()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var config = files.Write("rulesync.yaml", Config(host, files.Folder));
        var garbage = new string('x', 9000);
        var state = files.Write("state.db", garbage);

        var run = CliRun.Of("run", "--config", config, "--once");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("left untouched", run.Error, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllText(state));
    }

    [Fact]
    public async Task Held_WithHeldEffects_ListsThemWithRuleAndMeeting()
    {
        await using var h = await RunnerTestHost.StartAsync("embedded:regressions/2020-02-ordering", Engine.Changes.ApiVersion.V2, mailboxes: [Bob, Alice], configure: o => o.Guards.MaxDestructivePerMailbox = 0);
        var meeting = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob));
        for (var i = 0; i < 3; i++)
        {
            await h.CycleAsync();
        }

        var held = CliRun.Of("held", "--state", h.Options.StatePath, "--format", "json");

        Assert.Equal(1, held.ExitCode);
        var first = JsonNode.Parse(held.Out)!["held"]!.AsArray()[0]!;
        Assert.Equal(meeting.ICalUid, first["meetingKey"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(first["rule"]!.GetValue<string>()));
        Assert.StartsWith("mass-change guard:", first["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
