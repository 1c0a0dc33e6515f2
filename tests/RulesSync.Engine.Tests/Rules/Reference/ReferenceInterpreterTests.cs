using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Reference;
using RulesSync.Engine.Tests.Rules.Compilation;

namespace RulesSync.Engine.Tests.Rules.Reference;

public class ReferenceInterpreterTests
{
    internal static string Outcome(CompiledRuleSet set, ChangeFacts facts)
    {
        try
        {
            var d = set.Decide(facts);
            return new ReferenceOutcome(d.Rule, d.Action, d.Target, null).ToString();
        }
        catch (NoRuleMatchedException)
        {
            return ReferenceOutcome.None.ToString();
        }
        catch (RuleConflictException e)
        {
            return new ReferenceOutcome(e.FirstRule, default, default, e.SecondRule).ToString();
        }
    }

    [Fact]
    public void Decide_Sample_MatchesHandPickedCases()
    {
        var model = RuleSetLoader.Load(SampleRuleSet.Source, SampleRuleSet.Yaml).Model!;
        var reference = new ReferenceInterpreter(model);

        var past = reference.Decide(ChangeFacts.Default with { Timing = Timing.Past, Kind = ChangeKind.Cancelled });
        var organizerCancel = reference.Decide(ChangeFacts.Default with { Kind = ChangeKind.Cancelled, Link = LinkState.This });

        Assert.Equal(("past-meetings-untouched", DecisionAction.Ignore), (past.Rule, past.Action));
        Assert.Equal(("organizer-cancel-reaches-crm", DecisionAction.Cancel, DecisionTarget.Crm), (organizerCancel.Rule, organizerCancel.Action, organizerCancel.Target));
    }

    [Fact]
    public void Decide_UniqueOverlap_ReportsBothRules()
    {
        var model = RuleSetLoader.Load("u.yaml", "name: u\nhitPolicy: unique\nrules:\n  - name: a\n    because: x\n    decide: share\n  - name: b\n    because: x\n    decide: ignore\n").Model!;

        var outcome = new ReferenceInterpreter(model).Decide(ChangeFacts.Default);

        Assert.Equal(("a", "b"), (outcome.Rule, outcome.ConflictWith));
    }

    [Theory]
    [InlineData("rules/default.yaml")]
    [InlineData("rules/regressions/2020-02-ordering.yaml")]
    [InlineData(SampleRuleSet.Source)]
    public void Compiled_ShippedRuleSet_AgreesWithReferenceOnWholeSpace(string file)
    {
        var set = file == SampleRuleSet.Source ? RuleSetCompilerTests.Sample() : RuleSetCompilerTests.Shipped(file);
        var reference = new ReferenceInterpreter(set.Model);

        foreach (var facts in FactCatalog.EnumerateSpace())
        {
            var expected = reference.Decide(facts).ToString();
            var actual = Outcome(set, facts);
            if (expected != actual)
            {
                Assert.Fail($"{FactCatalog.Describe(facts)}: reference {expected}, compiled {actual}");
            }
        }
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(RuleArbitraries)])]
    public Property Compiled_RandomRuleSet_AgreesWithReference(RuleSetModel model, int seed)
    {
        var set = RuleSetCompiler.Compile(model);
        var reference = new ReferenceInterpreter(model);
        var codes = Enumerable.Range(0, 300).Select(i => (int)(((long)seed * 7919 + (i * 104_729L)) % FactCatalog.SpaceSize + FactCatalog.SpaceSize) % FactCatalog.SpaceSize);

        var mismatch = codes
            .Select(FactCatalog.Decode)
            .Select(f => (Facts: f, Expected: reference.Decide(f).ToString(), Actual: Outcome(set, f)))
            .FirstOrDefault(r => r.Expected != r.Actual);

        return (mismatch.Expected is null).Label($"{FactCatalog.Describe(mismatch.Facts)}: reference {mismatch.Expected}, compiled {mismatch.Actual}\n{RuleSetWriter.Write(model)}");
    }
}
