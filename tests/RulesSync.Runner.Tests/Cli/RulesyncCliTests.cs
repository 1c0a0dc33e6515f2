using RulesSync.Runner.Cli;

namespace RulesSync.Runner.Tests.Cli;

public class RulesyncCliTests
{
    [Fact]
    public void Run_UnknownCommand_ExitsInvalidInput()
    {
        var run = CliRun.Of("no-such-command");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MistypedCommand_OneMessageWithSuggestion()
    {
        var run = CliRun.Of("simualte", "embedded:default");

        Assert.Equal(2, run.ExitCode);
        var errors = run.Error.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["error: 'simualte' is not a rulesync command; did you mean 'simulate'?"], errors);
    }

    [Fact]
    public void Run_NoCommand_ExitsInvalidInputPointingAtHelp()
    {
        var run = CliRun.Of();
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("rulesync --help", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CheckFast_SaysThereIsNoSuchOptionAndHowToBeQuicker()
    {
        var run = CliRun.Of("check", "--fast");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'check' has no option '--fast'", run.Error, StringComparison.Ordinal);
        Assert.Contains("--employees 2", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("file not found", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MistypedOption_SuggestsTheClosest()
    {
        var run = CliRun.Of("simulate", "embedded:default", "--employes", "2");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'simulate' has no option '--employes'; did you mean '--employees'?", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--employees", "abc", "--employees: 'abc' is not a whole number")]
    [InlineData("--seed", "-1", "--seed: '-1' is not a whole number of 0 or more")]
    public void Run_BadNumber_IsExplainedInPlainWords(string option, string value, string expected)
    {
        var run = CliRun.Of("simulate", "embedded:default", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cannot parse argument 'x' for option '--runs' as expected type 'System.Int32'.", "--runs: 'x' is not a whole number")]
    [InlineData("value of type 'System.Boolean' expected", "value of type true or false expected")]
    [InlineData("expected 'RulesSync.Engine.Changes.Provider'", "expected one of: exchange, google")]
    public void Plain_DotNetTypeNames_BecomeWords(string message, string expected) =>
        Assert.Equal(expected, RulesyncCli.Plain(message));

    [Fact]
    public void Run_Help_ExitsOkAndStatesTheExitCodes()
    {
        var run = CliRun.Of("--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("rulesync", run.Out, StringComparison.Ordinal);
        Assert.Contains("0 ok, 1 findings", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ProgressWhereAPersonWatches_GoesToTheProgressWriterOnly()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var progress = new StringWriter();
        var code = RulesyncCli.Run(
            ["simulate", "embedded:default", "--employees", "1", "--externals", "0", "--max-actions", "0"],
            new CliConsole(stdout, stderr) { Progress = progress });

        Assert.Equal(0, code);
        Assert.Contains("simulating scenarios", progress.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("simulating", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stderr.ToString());
    }

    [Fact]
    public void TerminalWriter_ControlCharacters_AreEscapedButLinesAndTabsKept()
    {
        using var inner = new StringWriter();
        using var writer = new TerminalWriter(inner);
        writer.Write("a\x1b[2Jb\tc\n");
        writer.Write('\0');
        writer.WriteLine("\r!");

        Assert.Equal("a\\e[2Jb\tc\n\\0\\r!" + inner.NewLine, inner.ToString());
    }
}
