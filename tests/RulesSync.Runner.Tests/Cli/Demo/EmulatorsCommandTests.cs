using RulesSync.Runner.Demo;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Cli.Demo;

namespace RulesSync.Runner.Tests.Cli.Demo;

/// <summary><c>rulesync emulators</c>: its seeds, the config it writes, its option errors (the walk is in <see cref="EmulatorsCommandWalkTests"/>).</summary>
public sealed class EmulatorsCommandTests
{
    [Fact]
    public async Task Start_GeneratedMailboxes_WritesAConfigTheRunnerLoadsAndSyncs()
    {
        using var files = new TempFiles();
        var setup = await EmulatorsCommand.StartAsync(new EmulatorSeed(5), 0, files.Folder, DemoCommand.DefaultRules, 8787, CancellationToken.None);
        await using var host = setup.Host;

        var once = CliRun.Of("run", "--config", setup.ConfigPath, "--once");

        Assert.Equal(5, setup.Options.Mailboxes.Count);
        Assert.Equal(3, setup.Options.Mailboxes.Count(m => m.Provider == RulesSync.Engine.Changes.Provider.Exchange));
        Assert.Equal(setup.Host.GraphBaseUrl, setup.Options.Graph.BaseUrl);
        Assert.Equal(0, once.ExitCode);
        Assert.Contains("5 synced, 0 skipped, 0 failed", once.Out, StringComparison.Ordinal);
        Assert.Equal(5, host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment).Count);
    }

    [Theory]
    [InlineData("demo", null)]
    [InlineData("DEMO", null)]
    [InlineData("12", 12)]
    public void Parse_Seed_DemoOrAMailboxCount(string text, int? mailboxes) =>
        Assert.Equal(mailboxes, EmulatorSeed.Parse(text)!.Mailboxes);

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("lots")]
    public void Run_BadSeed_ExitsTwoInPlainWords(string seed)
    {
        var run = CliRun.Of("emulators", "--seed", seed);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--seed: '{seed}' is neither 'demo' nor a number of mailboxes from 1 to 500", run.Error, StringComparison.Ordinal);
    }
}
