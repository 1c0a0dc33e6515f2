using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Simulation;

public class DiffCommandTests
{
    private static readonly string[] SmallScope = ["--employees", "2", "--externals", "0", "--max-actions", "1"];

    [Fact]
    public void Diff_NewSetAddsViolations_ExitsOne()
    {
        var run = CliRun.Of(["diff", "embedded:default", "embedded:regressions/2020-02-ordering", .. SmallScope]);

        Assert.Equal(1, run.ExitCode);
        Assert.Matches(@"introduced by NEW [1-9]\d* \(exit 1; --ignore-new-violations to exit 0\)", run.Out);
    }

    [Fact]
    public void Diff_IgnoreNewViolations_ExitsZero()
    {
        var run = CliRun.Of(["diff", "embedded:default", "embedded:regressions/2020-02-ordering", "--ignore-new-violations", .. SmallScope]);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void Diff_NewSetFixesViolations_ExitsZero()
    {
        var run = CliRun.Of(["diff", "embedded:regressions/2020-02-ordering", "embedded:default", .. SmallScope]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("introduced by NEW 0", run.Out, StringComparison.Ordinal);
    }
}
