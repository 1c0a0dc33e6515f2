using System.Text.Json;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Tests.Shared;

namespace RulesSync.Runner.Tests.Cli.Simulation;

public class MutateCommandTests
{
    [Fact]
    public void Mutate_Default_LeavesNoDangerousSurvivor()
    {
        var run = CliRun.Of("mutate", "embedded:default", "--externals", "0", "--max-actions", "1", "--format", "json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var root = doc.RootElement;
        Assert.Equal(0, root.GetProperty("dangerous").GetInt32());
        Assert.True(root.GetProperty("mutants").GetInt32() > 100);
        Assert.Equal(
            root.GetProperty("mutants").GetInt32() - root.GetProperty("caught").GetInt32(),
            root.GetProperty("survivors").GetArrayLength());
    }

    [Fact]
    public void Mutate_RuleSetWithUnpinnedCancel_ExitsOneNamingTheMutant()
    {
        using var temp = new TempFiles();
        var path = temp.Write("unpinned.yaml", UnpinnedCancelRuleSet.Yaml);
        var run = CliRun.Of("mutate", path, "--externals", "0", "--max-actions", "1", "--origins", "mailbox");
        Assert.Equal(1, run.ExitCode);
        // Ignoring the cancellation changes a cancel outcome no invariant sees (no record exists to disagree with);
        // turning it into a delete is caught by cancel-is-not-deletion (a cancel was meant, not a deletion).
        Assert.Contains("DANGEROUS flip:organizer-cancel:ignore", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("flip:organizer-cancel:delete", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutate_OneThreadOrTwo_ReportsTheSame()
    {
        string[] scope = ["mutate", "embedded:default", "--externals", "0", "--max-actions", "1", "--origins", "mailbox", "--no-fixtures", "--format", "json"];
        var one = CliRun.Of([.. scope, "--threads", "1"]);
        var two = CliRun.Of([.. scope, "--parallel", "2"]);
        Assert.Equal(one.ExitCode, two.ExitCode);
        Assert.Equal(one.Out, two.Out);
        using var doc = JsonDocument.Parse(one.Out);
        Assert.True(doc.RootElement.GetProperty("mutants").GetInt32() > 100);
    }

    [Fact]
    public void Mutate_NegativeThreads_ExitsTwoNamingTheOption()
    {
        var run = CliRun.Of("mutate", "embedded:default", "--threads", "-1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--threads", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fixture organizer-cancel-pinned", "caught by a fixture")]
    [InlineData("invariant no-spurious-cancellation", "caught by an invariant")]
    [InlineData("no decision (a change no rule decides)", "caught because the mutant leaves a change undecided")]
    public void CaughtBy_EveryKind_ReadsAsWords(string caughtBy, string expected) =>
        Assert.Equal(expected, RulesSync.Runner.Cli.Simulation.MutateCommand.CaughtBy(caughtBy));
}
