using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public partial class RuleSetLoaderTests
{
    internal const string Header = "name: t\nhitPolicy: first\nrules:\n";

    internal static RuleSetLoadResult LoadRule(string whenLine, string extra = "") =>
        RuleSetLoader.Load("t.yaml", Header + "  - name: a\n    because: x\n" + whenLine + "\n    decide: ignore\n" + extra);

    [Fact]
    public void Load_SampleRuleSet_ReadsEveryRuleAndFixture()
    {
        var result = RuleSetLoader.Load(SampleRuleSet.Source, SampleRuleSet.Yaml);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var model = result.Model!;
        Assert.Equal("default", model.Name);
        Assert.Equal(HitPolicy.First, model.HitPolicy);
        Assert.Equal("past-meetings-untouched", model.Rules[0].Name);
        Assert.Equal("everything-else-ignored", model.Rules[^1].Name);
        Assert.Empty(model.Rules[^1].When);
        var cancel = model.Rules.Single(r => r.Name == "organizer-cancel-reaches-crm");
        Assert.Equal(DecisionAction.Cancel, cancel.Decide);
        Assert.Equal(DecisionTarget.Crm, cancel.Target);
        Assert.Equal(4, cancel.When.Length);
        Assert.Equal(new SourceLocation(SampleRuleSet.Source, 19, 5), cancel.Location);
        Assert.NotEmpty(model.Tests);
    }

    [Fact]
    public void Load_ConditionForms_MapToOperators()
    {
        var result = LoadRule("    when: { kind: deleted, role: [attendee, none], link: { not: this }, timing: { notIn: [past] }, source: { equals: crm }, provider: { in: [google] } }");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var when = result.Model!.Rules[0].When;
        Assert.Equal(
            [ConditionOperator.Equals, ConditionOperator.In, ConditionOperator.NotEquals, ConditionOperator.NotIn, ConditionOperator.Equals, ConditionOperator.In],
            when.Select(c => c.Operator));
        Assert.Equal("role in [attendee, none]", when[1].ToString());
        Assert.True(when[2].Holds(ChangeFacts.Default with { Link = LinkState.Other }));
        Assert.False(when[2].Holds(ChangeFacts.Default with { Link = LinkState.This }));
        Assert.False(when[3].Holds(ChangeFacts.Default with { Timing = Timing.Past }));
    }

    [Fact]
    public void Load_BooleanFacts_AreYamlBooleans()
    {
        var result = LoadRule("    when: { ownsRecord: true, autoShare: false }");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var when = result.Model!.Rules[0].When;
        Assert.True(when[0].Holds(ChangeFacts.Default with { OwnsRecord = true }));
        Assert.False(when[0].Holds(ChangeFacts.Default with { OwnsRecord = false }));
        Assert.True(when[1].Holds(ChangeFacts.Default with { AutoShare = false }));
    }

    [Fact]
    public void Load_PriorityAndTarget_DefaultToZeroAndOpposite()
    {
        var result = RuleSetLoader.Load(
            "t.yaml",
            Header + "  - name: a\n    because: x\n    decide: share\n  - name: b\n    because: y\n    priority: 7\n    decide: delete\n    target: mailbox\n");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal(0, result.Model!.Rules[0].Priority);
        Assert.Equal(DecisionTarget.Opposite, result.Model.Rules[0].Target);
        Assert.Equal(7, result.Model.Rules[1].Priority);
        Assert.Equal(["b", "a"], result.Model.RulesInPriorityOrder.Select(r => r.Name));
    }

    [Fact]
    public void Load_Fixtures_ReadGivenAndExpect()
    {
        var result = LoadRule(
            "    when: {}",
            "tests:\n  - name: f\n    given: { role: attendee, ownsRecord: true }\n    expect: { decide: ignore, target: crm, rule: a }\n");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var fixture = Assert.Single(result.Model!.Tests);
        Assert.Equal(ChangeFacts.Default with { Role = Role.Attendee, OwnsRecord = true }, fixture.Facts);
        Assert.Equal(DecisionTarget.Crm, fixture.ExpectTarget);
        Assert.Equal("a", fixture.ExpectRule);
        Assert.Equal(new SourceLocation("t.yaml", 9, 5), fixture.Location);
    }

    [Fact]
    public void Load_Expression_IsKeptWithLocation()
    {
        var result = LoadRule("    when: {}\n    expression: kind == \"deleted\" && !ownsRecord");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var expression = result.Model!.Rules[0].Expression!;
        Assert.Equal("kind == \"deleted\" && !ownsRecord", expression.Text);
        Assert.Equal(new SourceLocation("t.yaml", 7, 17), expression.Location);
    }

    [Fact]
    public void Load_EveryShippedFile_LoadsWithoutDiagnostics()
    {
        foreach (var file in RepoFiles.ShippedRuleFiles())
        {
            var result = RuleSetLoader.Load(file, RepoFiles.Read(file));
            Assert.True(result.Succeeded, file + "\n" + string.Join("\n", result.Diagnostics));
            Assert.Empty(result.Diagnostics);
        }
    }
}
