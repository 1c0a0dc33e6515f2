using RulesSync.Engine.Rules.Fixtures;
using RulesSync.Engine.Tests.Rules.Compilation;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Fixtures;

public class FixtureRunnerTests
{
    [Theory]
    [InlineData("rules/default.yaml")]
    [InlineData("rules/regressions/2020-02-ordering.yaml")]
    [InlineData("rules/regressions/2026-series-fanout.yaml")]
    public void Run_ShippedRuleSet_PassesItsOwnFixtures(string file)
    {
        var report = FixtureRunner.Run(RuleSetCompilerTests.Shipped(file));

        Assert.NotEmpty(report.Results);
        Assert.True(report.AllPassed, string.Join("\n", report.Results.Where(r => !r.Passed)));
    }

    [Fact]
    public void Run_WrongExpectation_FailsWithExpectedAndActual()
    {
        var set = RuleSetCompilerTests.CompileText(RuleSetLoaderTests.Header
            + "  - name: a\n    because: x\n    when: { kind: deleted }\n    decide: delete\n    target: crm\n"
            + "  - name: b\n    because: x\n    decide: ignore\n"
            + "tests:\n"
            + "  - name: ok\n    given: { kind: deleted }\n    expect: { decide: delete, target: crm, rule: a }\n"
            + "  - name: wrong-target\n    given: { kind: deleted }\n    expect: { decide: delete, target: mailbox }\n"
            + "  - name: wrong-rule\n    expect: { decide: ignore, rule: a }\n");

        var report = FixtureRunner.Run(set);

        Assert.Equal([true, false, false], report.Results.Select(r => r.Passed));
        Assert.Equal(2, report.FailedCount);
        var wrongTarget = report.Results[1];
        Assert.Equal("delete mailbox", wrongTarget.Expected);
        Assert.Equal("delete crm (rule a)", wrongTarget.Actual);
        Assert.Equal("t.yaml:16:5: FAIL wrong-target: expected delete mailbox, actual delete crm (rule a)", wrongTarget.ToString());
        Assert.Equal("ignore (rule a)", report.Results[2].Expected);
    }

    [Fact]
    public void Run_NoRuleMatches_FailsWithTheReason()
    {
        var set = RuleSetCompilerTests.CompileText(RuleSetLoaderTests.Header
            + "  - name: a\n    because: x\n    when: { kind: deleted }\n    decide: delete\n"
            + "tests:\n  - name: gap\n    expect: { decide: ignore }\n");

        var result = Assert.Single(FixtureRunner.Run(set).Results);

        Assert.False(result.Passed);
        Assert.Contains("no rule", result.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ListsRulesNoFixtureExercises()
    {
        var set = RuleSetCompilerTests.CompileText(RuleSetLoaderTests.Header
            + "  - name: a\n    because: x\n    when: { kind: deleted }\n    decide: delete\n"
            + "  - name: b\n    because: x\n    when: { kind: updated }\n    decide: share\n"
            + "  - name: c\n    because: x\n    decide: ignore\n"
            + "tests:\n  - name: f\n    given: { kind: updated }\n    expect: { decide: share }\n");

        var report = FixtureRunner.Run(set);

        Assert.Equal(["a", "c"], report.UnexercisedRules.ToArray());
    }
}
