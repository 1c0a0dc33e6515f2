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
    public void Run_Help_ExitsOk()
    {
        var run = CliRun.Of("--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("rulesync", run.Out, StringComparison.Ordinal);
    }
}
