using System.Text.Json;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Simulation;

public class CheckCommandTests
{
    private static readonly string[] SmallScope = ["--employees", "2", "--externals", "0", "--max-actions", "1", "--runs", "50"];

    [Fact]
    public void Check_EmbeddedDefault_Passes()
    {
        var run = CliRun.Of(["check", .. SmallScope]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("fixtures: ", run.Out, StringComparison.Ordinal);
        Assert.Contains("0 violation(s); goals met", run.Out, StringComparison.Ordinal);
        Assert.EndsWith("check passed: this rule set may ship", run.Out.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Regression_FailsWithTrace()
    {
        var run = CliRun.Of(["check", "embedded:regressions/2020-02-ordering", .. SmallScope, "--format", "json"]);
        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.False(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.NotEmpty(doc.RootElement.GetProperty("exhaustive").GetProperty("violations").EnumerateArray());
    }

    [Fact]
    public void Check_ManyViolations_SaysHowManyTracesWereLeftOut()
    {
        var run = CliRun.Of(["check", "embedded:regressions/2020-02-ordering", .. SmallScope]);

        Assert.Equal(1, run.ExitCode);
        var match = System.Text.RegularExpressions.Regex.Match(run.Out, @"(\d+) more violation trace\(s\) left out \(3 of (\d+) shown\)");
        Assert.True(match.Success, run.Out);
        Assert.Equal(int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) - 3, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
