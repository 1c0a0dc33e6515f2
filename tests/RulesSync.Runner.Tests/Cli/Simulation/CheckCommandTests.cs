using System.Text.Json;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Simulation;

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

    /// <summary>The default's rules with one more that the simulated world never reaches (a meeting type it has none of).</summary>
    private static string WithUnreachableRule(string mark)
    {
        var text = RulesSync.Runner.RuleFiles.RuleFileReader.Read("embedded:default").Text;
        var extra = "  - name: visits-only-rule\n    because: a rule for a case the world never has\n    when: { source: crm, kind: deleted, role: none, timing: future, meetingType: visit, externalAttendees: false }\n    decide: ignore\n" + mark;
        var at = text.IndexOf("  - name: past-meetings-untouched", StringComparison.Ordinal);
        return text[..at] + extra + text[at..];
    }

    [Fact]
    public void Check_RuleThatNeverFired_FailsAndNamesIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rulesync-unfired-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, WithUnreachableRule(string.Empty));
        try
        {
            var run = CliRun.Of(["check", path, .. SmallScope]);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("visits-only-rule: never fired and not marked expectUnreachable", run.Out, StringComparison.Ordinal);
            Assert.Contains("0 violation(s); goals met", run.Out, StringComparison.Ordinal);
            Assert.EndsWith("check FAILED: do not ship this rule set", run.Out.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Check_RuleMarkedExpectUnreachable_PassesAndIsListedWithItsReason()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rulesync-unfired-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, WithUnreachableRule("    expectUnreachable: true\n    unreachableReason: the simulated world has no such record\n"));
        try
        {
            var run = CliRun.Of(["check", path, .. SmallScope, "--format", "json"]);
            Assert.Equal(0, run.ExitCode);
            using var doc = JsonDocument.Parse(run.Out);
            var never = doc.RootElement.GetProperty("neverFired");
            Assert.Contains(never.GetProperty("rules").EnumerateArray(), r => r.GetString() == "visits-only-rule");
            Assert.Empty(never.GetProperty("unexpected").EnumerateArray());
            Assert.Contains(never.GetProperty("expectedUnreachable").EnumerateArray(), r => r.GetProperty("rule").GetString() == "visits-only-rule" && r.GetProperty("reason").GetString() == "the simulated world has no such record");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
