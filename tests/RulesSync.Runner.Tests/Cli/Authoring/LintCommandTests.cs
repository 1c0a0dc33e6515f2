using System.Text.Json;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Authoring;

public class LintCommandTests
{
    private const string Header = "name: t\nhitPolicy: first\nrules:\n";

    [Fact]
    public void Lint_ShippedRuleSets_AreClean()
    {
        var run = CliRun.Of("lint", Path.Combine(RepoPaths.Root, "rules", "default.yaml"), "embedded:regressions/2020-02-ordering");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("0 error(s)", run.Out, StringComparison.Ordinal);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RulesSync.Engine.Changes.FactCatalog.SpaceSize:N0} fact combinations, 0 undecided"), run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_UnknownValue_ReportsFileLineColumnAndExitsTwo()
    {
        using var temp = new TempFiles();
        var path = temp.Write("bad.yaml", Header + "  - name: r\n    when: { kind: exploded }\n    because: x\n    decide: ignore\n");
        var run = CliRun.Of("lint", path);
        Assert.Equal(2, run.ExitCode); // the file does not load: invalid input, like every other command says
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(path)}:5:\d+: error: .*exploded", run.Out);
    }

    [Fact]
    public void Lint_Gap_IsReportedWithExample()
    {
        using var temp = new TempFiles();
        var path = temp.Write("gap.yaml", Header + "  - name: only-past\n    when: { timing: past }\n    because: x\n    decide: ignore\n");
        var run = CliRun.Of("lint", path, "--format", "json");
        Assert.Equal(1, run.ExitCode); // the file loads; the gap is a finding
        using var doc = JsonDocument.Parse(run.Out);
        var file = doc.RootElement.GetProperty("files")[0];
        // timing has two values (past, future): a rule for one of them leaves the other half of the space undecided.
        Assert.Equal(RulesSync.Engine.Changes.FactCatalog.SpaceSize / 2, file.GetProperty("gaps").GetInt32());
        Assert.Contains(
            file.GetProperty("diagnostics").EnumerateArray(),
            d => d.GetProperty("code").GetString() == "RS0100");
    }

    [Fact]
    public void Lint_ShadowedRule_IsReported()
    {
        using var temp = new TempFiles();
        var path = temp.Write("shadow.yaml", Header +
            "  - name: all\n    when: {}\n    because: x\n    decide: ignore\n" +
            "  - name: never\n    when: { kind: deleted }\n    because: x\n    decide: delete\n");
        var run = CliRun.Of("lint", path, "--warnings-as-errors");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("never", run.Out, StringComparison.Ordinal);
        Assert.Contains("RS0102", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_MissingFile_ExitsTwo()
    {
        var run = CliRun.Of("lint", "/nonexistent.yaml");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent.yaml", run.Error, StringComparison.Ordinal);
    }
}
