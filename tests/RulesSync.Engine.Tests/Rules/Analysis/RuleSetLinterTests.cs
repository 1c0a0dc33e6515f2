using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Analysis;

public class RuleSetLinterTests
{
    [Fact]
    public void Lint_LoadError_ReportsItWithoutAnalysis()
    {
        var result = RuleSetLinter.Lint("t.yaml", RuleSetLoaderTests.Header + "  - name: a\n    because: x\n    when: { rol: organizer }\n    decide: share\n");

        Assert.True(result.HasErrors);
        Assert.Null(result.RuleSet);
        Assert.Null(result.Analysis);
        Assert.Equal(DiagnosticCodes.UnknownFact, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Lint_ValidFileWithGap_AppendsAnalysisFindings()
    {
        var result = RuleSetLinter.Lint("t.yaml", RuleSetLoaderTests.Header + "  - name: a\n    because: x\n    when: { timing: past }\n    decide: ignore\n");

        Assert.True(result.HasErrors);
        Assert.NotNull(result.RuleSet);
        Assert.Equal(FactCatalog().SpaceSize / 2, result.Analysis!.GapCount);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticCodes.Gap, d.Code));
        Assert.Contains("timing=future", result.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_ShippedDefault_HasNoErrors()
    {
        var result = RuleSetLinter.Lint("rules/default.yaml", RepoFiles.Read("rules/default.yaml"));

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
    }

    private static (int SpaceSize, int Unused) FactCatalog() => (Engine.Changes.FactCatalog.SpaceSize, 0);
}
