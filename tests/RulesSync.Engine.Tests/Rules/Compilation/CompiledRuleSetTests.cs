using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Compilation;

public class CompiledRuleSetTests
{
    [Fact]
    public void Explain_ChosenRule_ListsEachConditionHeldOrFailed()
    {
        var set = RuleSetCompilerTests.Sample();
        var facts = ChangeFacts.Default with { Source = ChangeSource.Crm, Kind = ChangeKind.Cancelled, Link = LinkState.This };

        var explanation = set.Explain(facts);

        Assert.Equal(DecisionAction.Cancel, explanation.Decision!.Action);
        Assert.Null(explanation.Error);
        Assert.Equal(set.Rules.Length, explanation.Rules.Length);
        var chosen = Assert.Single(explanation.Rules, r => r.Chosen);
        Assert.Equal("crm-cancel-cancels-meeting", chosen.Rule);
        Assert.All(chosen.Conditions, c => Assert.True(c.Held));
        var organizerCancel = explanation.Rules.Single(r => r.Rule == "organizer-cancel-reaches-crm");
        Assert.False(organizerCancel.Matched);
        var source = organizerCancel.Conditions.Single(c => c.Condition == "source = mailbox");
        Assert.False(source.Held);
        Assert.Equal("source=crm", source.Actual);
        Assert.True(organizerCancel.Conditions.Single(c => c.Condition == "kind in [cancelled, deleted]").Held);
        Assert.Equal(19, organizerCancel.Location.Line);
    }

    [Fact]
    public void Explain_NoMatch_ReportsErrorAndNoDecision()
    {
        var set = RuleSetCompilerTests.CompileText(Language.RuleSetLoaderTests.Header
            + "  - name: a\n    because: x\n    when: { kind: deleted }\n    expression: ownsRecord\n    decide: share\n");

        var explanation = set.Explain(ChangeFacts.Default with { Kind = ChangeKind.Deleted });

        Assert.Null(explanation.Decision);
        Assert.Contains("no rule", explanation.Error, StringComparison.Ordinal);
        var trace = Assert.Single(explanation.Rules);
        Assert.Equal([true, false], trace.Conditions.Select(c => c.Held));
        Assert.Equal("ownsRecord", trace.Conditions[1].Condition);
    }

    [Fact]
    public void Rule_Template_KeepsTargetAsWritten()
    {
        var set = RuleSetCompilerTests.Sample();

        var rule = set.Rules.Single(r => r.Name == "crm-removal-unlinks");

        Assert.Equal(DecisionTarget.Opposite, rule.Template.Target);
        Assert.Equal(DecisionAction.Unlink, rule.Template.Action);
        Assert.Equal(SampleRuleSet.Source, rule.SourceLocation.Source);
    }

    [Property(MaxTest = 60, Arbitrary = [typeof(RuleArbitraries)])]
    public Property Explain_AgreesWithDecideAndWithItsOwnConditions(RuleSetModel model, ChangeFacts facts)
    {
        var set = RuleSetCompiler.Compile(model);

        var explanation = set.Explain(facts);
        var decided = set.TryDecide(facts, out var decision);

        var sameDecision = decided ? ReferenceEquals(decision, explanation.Decision) : explanation.Decision is null && explanation.Error is not null;
        var chosen = explanation.Rules.Where(r => r.Chosen).Select(r => r.Rule).ToList();
        var chosenRight = decided ? chosen.SequenceEqual([decision!.Rule]) : chosen.Count == 0 || model.HitPolicy == HitPolicy.Unique;
        var matchedIsAllHeld = explanation.Rules.All(r => r.Matched == r.Conditions.All(c => c.Held));
        var matchedAgrees = explanation.Rules.Zip(set.Rules).All(p => p.First.Matched == p.Second.Matches(facts));
        return (sameDecision && chosenRight && matchedIsAllHeld && matchedAgrees).Label(RuleSetWriter.Write(model));
    }
}
