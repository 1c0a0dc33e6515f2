using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Tests.Rules.Compilation;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Analysis;

public class RuleSetAnalyzerTests
{
    private static AnalysisReport Analyze(string rules, string policy = "first") =>
        RuleSetAnalyzer.Analyze(RuleSetCompilerTests.CompileText($"name: t\nhitPolicy: {policy}\nrules:\n" + rules));

    private static string Rule(string name, string when, string decide = "ignore") =>
        $"  - name: {name}\n    because: x\n    when: {when}\n    decide: {decide}\n";

    [Fact]
    public void Analyze_CompleteRuleSet_FindsNoGap()
    {
        var report = Analyze(Rule("mail", "{ source: mailbox }") + Rule("crm", "{ source: crm }"));

        Assert.Equal(0, report.GapCount);
        Assert.Empty(report.Gaps);
        Assert.Empty(report.Diagnostics);
        Assert.Equal(FactCatalog.SpaceSize, report.SpaceSize);
    }

    [Fact]
    public void Analyze_HalfCovered_ReportsOneCubeForTheOtherHalf()
    {
        var report = Analyze(Rule("mail", "{ source: mailbox }"));

        Assert.Equal(FactCatalog.SpaceSize / 2, report.GapCount);
        var cube = Assert.Single(report.Gaps);
        Assert.Equal("source=crm", cube.ToString());
        Assert.Equal(FactCatalog.SpaceSize / 2, cube.Size);
        Assert.Equal(ChangeSource.Crm, cube.Example.Source);
        var first = report.Diagnostics[0];
        Assert.Equal(DiagnosticCodes.Gap, first.Code);
        Assert.True(first.IsError);
        Assert.Equal($"t.yaml:1:1: error: gap: no rule decides source=crm ({FactCatalog.SpaceSize / 2:N0} combinations), e.g. {FactCatalog.Describe(cube.Example)} [RS0100]", first.ToString());
    }

    [Fact]
    public void Analyze_GapOfTwoFacts_IsOneCompactCube()
    {
        var report = Analyze(
            Rule("mail", "{ source: mailbox }")
            + Rule("crm-other-kinds", "{ source: crm, kind: { notIn: [deleted, missing] } }"));

        var cube = Assert.Single(report.Gaps);
        Assert.Equal("source=crm, kind in [deleted, missing]", cube.ToString());
        Assert.Equal(FactCatalog.SpaceSize / 2 / Enum.GetValues<ChangeKind>().Length * 2, report.GapCount);
    }

    [Fact]
    public void Analyze_GapCount_EqualsChangesThatThrow()
    {
        var set = RuleSetCompilerTests.CompileText(RuleSetLoaderTests.Header
            + Rule("a", "{ kind: [created, updated], role: organizer }")
            + "  - name: b\n    because: x\n    when: { source: crm }\n    expression: RuleFunctions.IsRemoval(kind) || ownsRecord\n    decide: share\n");

        var report = RuleSetAnalyzer.Analyze(set, maxGapCubes: 1);
        var all = RuleSetAnalyzer.Analyze(set, maxGapCubes: 100);

        var undecided = FactCatalog.EnumerateSpace().Count(f => !set.TryDecide(f, out _));
        Assert.Equal(undecided, report.GapCount);
        Assert.Single(report.Gaps);
        Assert.Contains("not shown above", report.Diagnostics[^1].Message, StringComparison.Ordinal);
        Assert.InRange(all.Gaps.Length, 2, 10);
        Assert.Equal(undecided, FactCatalog.EnumerateSpace().Count(f => all.Gaps.Any(g => Contains(g, f))));
        Assert.All(FactCatalog.EnumerateSpace().Where(f => all.Gaps.Any(g => Contains(g, f))), f => Assert.False(set.TryDecide(f, out _)));
    }

    private static bool Contains(FactCube cube, ChangeFacts facts) =>
        FactCatalog.All.Select((f, i) => (cube.Masks[i] & (1UL << f.IndexOf(facts))) != 0).All(b => b);

    [Fact]
    public void Analyze_UniqueOverlap_IsErrorNamingBothRules()
    {
        var report = Analyze(Rule("deletes", "{ kind: deleted }") + Rule("attendees", "{ role: attendee }") + Rule("rest", "{}"), "unique");

        Assert.Contains(report.Overlaps, o => (o.First, o.Second) == ("deletes", "attendees"));
        var overlap = report.Overlaps.Single(o => (o.First, o.Second) == ("deletes", "attendees"));
        Assert.Equal(FactCatalog.SpaceSize / Enum.GetValues<ChangeKind>().Length / 3, overlap.Count);
        Assert.Equal((ChangeKind.Deleted, Role.Attendee), (overlap.Example.Kind, overlap.Example.Role));
        var error = report.Diagnostics.First(d => d.Code == DiagnosticCodes.Overlap);
        Assert.True(error.IsError);
        Assert.Equal(8, error.Line);
        Assert.Contains("rules 'deletes' and 'attendees' both match", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, report.Overlaps.Length);
    }

    [Fact]
    public void Analyze_FirstPolicy_ReportsNoOverlaps()
    {
        var report = Analyze(Rule("deletes", "{ kind: deleted }") + Rule("rest", "{}"));

        Assert.Empty(report.Overlaps);
        Assert.Empty(report.Diagnostics);
    }

    [Fact]
    public void Analyze_RuleAfterCatchAll_IsShadowed()
    {
        var report = Analyze(Rule("deletes", "{ kind: deleted }") + Rule("everything", "{}") + Rule("late", "{ role: attendee }", "share"));

        var shadowed = Assert.Single(report.Shadowed);
        Assert.Equal("late", shadowed.Rule);
        Assert.Equal(["deletes", "everything"], shadowed.ShadowedBy.ToArray());
        var warning = Assert.Single(report.Diagnostics);
        Assert.Equal(DiagnosticCodes.Shadowed, warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal((12, 5), (warning.Line, warning.Column));
    }

    [Fact]
    public void Analyze_ShadowedByUnionOfEarlierRules_IsFound()
    {
        var report = Analyze(Rule("mail", "{ source: mailbox }") + Rule("crm", "{ source: crm }") + Rule("attendee", "{ role: attendee }"));

        Assert.Equal(["mail", "crm"], Assert.Single(report.Shadowed).ShadowedBy.ToArray());
    }

    [Fact]
    public void Analyze_ContradictoryRule_NeverMatches()
    {
        var report = Analyze(
            "  - name: impossible\n    because: x\n    when: { kind: deleted }\n    expression: kind == \"created\"\n    decide: delete\n"
            + Rule("rest", "{}"));

        Assert.Equal(["impossible"], report.NeverMatching.ToArray());
        var warning = Assert.Single(report.Diagnostics);
        Assert.Equal(DiagnosticCodes.NeverMatches, warning.Code);
        Assert.Contains("can never match", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_EmptyInList_NeverMatches()
    {
        var report = Analyze(Rule("nothing", "{ kind: [] }") + Rule("rest", "{}"));

        Assert.Equal(["nothing"], report.NeverMatching.ToArray());
    }

    [Theory]
    [InlineData("rules/default.yaml")]
    [InlineData("rules/regressions/2020-02-ordering.yaml")]
    public void Analyze_ShippedRuleSet_HasNoGaps(string file)
    {
        var report = RuleSetAnalyzer.Analyze(RuleSetCompilerTests.Shipped(file));

        Assert.Equal(0, report.GapCount);
        Assert.DoesNotContain(report.Diagnostics, d => d.IsError);
    }

    public static TheoryData<string> RuleSetsForSubspace() => new()
    {
        "rules/default.yaml",
        "rules/regressions/2020-02-ordering.yaml",
        "rules/regressions/2026-series-fanout.yaml",
        RuleSetLoaderTests.Header + Rule("a", "{ kind: [created, updated], role: organizer }")
            + "  - name: b\n    because: x\n    when: { source: crm }\n    expression: RuleFunctions.IsRemoval(kind) || ownsRecord\n    decide: share\n",
        "name: t\nhitPolicy: unique\nrules:\n" + Rule("deletes", "{ kind: deleted }") + Rule("attendees", "{ role: attendee }") + Rule("series", "{ scope: series, timing: past }") + Rule("rest", "{}"),
        "name: t\nhitPolicy: first\nrules:\n" + Rule("mail", "{ source: mailbox, autoShare: true }") + Rule("crm", "{ source: crm }") + Rule("late", "{ source: crm, inSyncWindow: false }")
            + "  - name: never\n    because: x\n    when: { kind: deleted }\n    expression: kind == \"created\"\n    decide: delete\n",
    };

    [Theory]
    [MemberData(nameof(RuleSetsForSubspace))]
    public void Analyze_OverTheFactsRead_EqualsTheWholeSpace(string fileOrText)
    {
        var set = fileOrText.StartsWith("rules/", StringComparison.Ordinal) ? RuleSetCompilerTests.Shipped(fileOrText) : RuleSetCompilerTests.CompileText(fileOrText);

        var read = RuleSetAnalyzer.Analyze(set, maxGapCubes: 20);
        var whole = RuleSetAnalyzer.Analyze(set, 20, FactSubspace.Whole);

        Assert.Equal(whole.SpaceSize, read.SpaceSize);
        Assert.Equal(whole.GapCount, read.GapCount);
        Assert.Equal(whole.Gaps.Select(g => (g.ToString(), g.Size, FactCatalog.Describe(g.Example))), read.Gaps.Select(g => (g.ToString(), g.Size, FactCatalog.Describe(g.Example))));
        Assert.Equal(whole.Overlaps.ToArray(), read.Overlaps.ToArray());
        Assert.Equal(whole.Shadowed.Select(r => (r.Rule, string.Join(",", r.ShadowedBy))), read.Shadowed.Select(r => (r.Rule, string.Join(",", r.ShadowedBy))));
        Assert.Equal(whole.NeverMatching.ToArray(), read.NeverMatching.ToArray());
        Assert.Equal(whole.Diagnostics.Select(d => d.ToString()), read.Diagnostics.Select(d => d.ToString()));
    }
}
