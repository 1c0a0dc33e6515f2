using System.Text.Json;
using System.Xml.Linq;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Simulation;

public class SimulateCommandTests
{
    private static readonly string[] SmallScope = ["--employees", "2", "--externals", "0", "--max-actions", "1"];

    [Fact]
    public void Simulate_Regression_FindsSpuriousCancellationAndExitsOne()
    {
        var run = CliRun.Of(["simulate", "embedded:regressions/2020-02-ordering", .. SmallScope, "--format", "json"]);
        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("schedulesExplored").GetInt64() > 0);
        Assert.True(root.GetProperty("distinctStates").GetInt64() > 0);
        var violations = root.GetProperty("violations").EnumerateArray().ToList();
        Assert.Contains(violations, v => v.GetProperty("invariant").GetString() == "no-spurious-cancellation");
        Assert.All(violations, v => Assert.NotEmpty(v.GetProperty("trace").EnumerateArray()));
    }

    [Fact]
    public void Simulate_Default_PassesAndExitsZero()
    {
        var run = CliRun.Of(["simulate", "embedded:default", .. SmallScope]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("no invariant violated", run.Out, StringComparison.Ordinal);
        Assert.Contains("goal attendee syncs first: reached", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_Admit_ExploresCrashesAtTheJournalBoundaryBesideEveryBareSchedule()
    {
        var bare = CliRun.Of(["simulate", "embedded:default", .. SmallScope, "--format", "json"]);
        var admitted = CliRun.Of(["simulate", "embedded:default", .. SmallScope, "--admit", "--format", "json"]);

        Assert.Equal(0, admitted.ExitCode);
        using var bareDoc = JsonDocument.Parse(bare.Out);
        using var doc = JsonDocument.Parse(admitted.Out);
        Assert.Empty(doc.RootElement.GetProperty("violations").EnumerateArray());
        // The crash steps are user actions of their own: more schedules than the bare scope has.
        Assert.True(doc.RootElement.GetProperty("schedulesExplored").GetInt64() > bareDoc.RootElement.GetProperty("schedulesExplored").GetInt64());
    }

    [Fact]
    public void Simulate_AdmitMaxDestructiveWithoutAdmit_ExitsTwo()
    {
        var run = CliRun.Of(["simulate", "embedded:default", .. SmallScope, "--admit-max-destructive", "3"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--admit-max-destructive needs --admit", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_JUnit_HasOneFailingCasePerViolatedInvariant()
    {
        var run = CliRun.Of(["simulate", "embedded:regressions/2020-02-ordering", .. SmallScope, "--format", "junit"]);
        Assert.Equal(1, run.ExitCode);
        var suite = XDocument.Parse(run.Out).Root!.Element("testsuite")!;
        var failing = suite.Elements("testcase").Where(c => c.Element("failure") is not null).Select(c => (string)c.Attribute("name")!).ToList();
        Assert.Contains("invariant no-spurious-cancellation", failing);
        Assert.Equal(failing.Count, (int)suite.Attribute("failures")!);
    }

    [Fact]
    public void Simulate_Report_WritesSelfContainedHtmlWithSequenceDiagram()
    {
        using var temp = new TempFiles();
        var html = Path.Combine(temp.Folder, "report.html");
        var run = CliRun.Of(["simulate", "embedded:regressions/2020-02-ordering", .. SmallScope, "--api", "v1", "--report", html]);
        Assert.Equal(1, run.ExitCode);
        var page = File.ReadAllText(html);
        Assert.Contains("<svg", page, StringComparison.Ordinal);
        Assert.Contains("agent:A", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_RandomMode_PrintsSeedAndIsReproducible()
    {
        string[] args = ["simulate", "embedded:regressions/2020-02-ordering", "--mode", "random", "--runs", "40", "--seed", "7", "--employees", "3", "--format", "json"];
        var first = CliRun.Of(args);
        var second = CliRun.Of(args);
        Assert.Equal(first.Out, second.Out);
        using var doc = JsonDocument.Parse(first.Out);
        Assert.Equal(7UL, doc.RootElement.GetProperty("seed").GetUInt64());
    }

    [Theory]
    [InlineData("--api", "v3")]
    [InlineData("--auto-share", "maybe")]
    [InlineData("--providers", "outlook")]
    [InlineData("--mode", "fast")]
    [InlineData("--employees", "0")]
    [InlineData("--threads", "-1")]
    public void Simulate_InvalidScope_ExitsTwo(string option, string value)
    {
        var run = CliRun.Of("simulate", "embedded:default", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.True(
            run.Error.Contains(option, StringComparison.Ordinal) || run.Error.Contains($"'{value}'", StringComparison.Ordinal),
            run.Error);
    }
}
