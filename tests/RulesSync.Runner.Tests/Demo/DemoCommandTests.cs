using RulesSync.Runner.Cli;
using RulesSync.Runner.Demo;

namespace RulesSync.Runner.Tests.Demo;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Run_BothIncidentOrderings_DefaultIsCleanAndTheRegressionIsHeld()
    {
        using var files = new TempFiles();
        using var output = new StringWriter();
        var exit = await DemoCommand.RunAsync(new CliConsole(output, output), OutputFormat.Json, meetings: 3, files.Folder, CancellationToken.None);

        var json = System.Text.Json.JsonDocument.Parse(output.ToString()).RootElement;
        Assert.Equal(0, exit);
        Assert.True(json.GetProperty("passed").GetBoolean());
        var results = json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(0, r.GetProperty("spuriousCancellations").GetInt32());
            Assert.Equal(0, r.GetProperty("organizerEventsLost").GetInt32());
            Assert.True(r.GetProperty("meantCancellations").GetInt32() > 0, "the cancellation Alice meant reaches her attendees");
        });
        Assert.All(results.Where(r => r.GetProperty("rules").GetString() == DemoCommand.RegressionRules), r => Assert.True(r.GetProperty("heldEffects").GetInt32() > 0));
        Assert.All(results.Where(r => r.GetProperty("rules").GetString() == DemoCommand.DefaultRules), r =>
        {
            Assert.Equal(0, r.GetProperty("heldEffects").GetInt32());
            Assert.True(r.GetProperty("crmRecords").GetInt32() > 0);
        });

        // The state stays in the named folder: the operator commands work on it afterwards, and name meetings for people.
        var regression = Path.Combine(files.Folder, DemoCommand.ActFolder(1, DemoCommand.RegressionRules), "rulesync.yaml");
        var held = RulesSync.Runner.Tests.Cli.CliRun.Of("held", "--config", regression);
        Assert.Equal(1, held.ExitCode);
        Assert.Contains("\"Account review ", held.Out, StringComparison.Ordinal);
        Assert.Contains("organizer alice@contoso.example", held.Out, StringComparison.Ordinal);
        Assert.Equal(1, RulesSync.Runner.Tests.Cli.CliRun.Of("status", "--config", regression).ExitCode);
        var clean = RulesSync.Runner.Tests.Cli.CliRun.Of("status", "--config", Path.Combine(files.Folder, DemoCommand.ActFolder(1, DemoCommand.DefaultRules), "rulesync.yaml"));
        Assert.Equal(0, clean.ExitCode);
        Assert.Contains(results, r => r.GetProperty("held").EnumerateArray().Any(h => h.GetString()!.Contains("\"Account review", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Run_Table_PrintsProgressFirstThenTheLegendAndWhereToReview()
    {
        using var files = new TempFiles();
        using var output = new StringWriter();

        var exit = await DemoCommand.RunAsync(new CliConsole(output, output), OutputFormat.Table, meetings: 3, files.Folder, CancellationToken.None);

        var lines = output.ToString().Split('\n');
        Assert.Equal(0, exit);
        Assert.StartsWith("demo: 4 runs", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("[1/4] ", lines[1], StringComparison.Ordinal);
        Assert.Equal("  starting the emulators and the runner (signing in through Azure.Identity and Google.Apis.Auth at the emulated token endpoints)...", lines[2].TrimEnd());
        Assert.Contains(DemoCommand.Legend[0], output.ToString(), StringComparison.Ordinal);
        Assert.Contains("review them: rulesync held --config ", output.ToString(), StringComparison.Ordinal);
    }
}
