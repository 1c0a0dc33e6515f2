using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Mutation;

namespace RulesSync.Simulator.Tests.Mutation;

public class RuleSetMutatorTests
{
    private const string TwoRules = """
        name: two
        hitPolicy: first
        rules:
          - name: attendee-removal
            because: personal
            when: { role: attendee, kind: [deleted, declined] }
            decide: ignore
          - name: rest
            because: default
            when: {}
            decide: share
        """;

    private static CompiledRuleSet Compile(string text) => RuleSetCompiler.Load("t.yaml", text).RuleSet!;

    [Fact]
    public void Mutants_CoverEveryOperatorOnce()
    {
        var mutants = RuleSetMutator.Mutants(Compile(TwoRules).Model).ToList();
        // Per rule: 4 flips; rule 1: 2 drops; each rule removable; one adjacent swap.
        Assert.Equal(4, mutants.Count(m => m.Kind == MutationKind.FlipDecision && m.Rule == "attendee-removal"));
        Assert.Equal(4, mutants.Count(m => m.Kind == MutationKind.FlipDecision && m.Rule == "rest"));
        Assert.Equal(2, mutants.Count(m => m.Kind == MutationKind.DropCondition));
        Assert.Equal(2, mutants.Count(m => m.Kind == MutationKind.RemoveRule));
        Assert.Single(mutants, m => m.Kind == MutationKind.SwapPriority);
        Assert.Equal(mutants.Count, mutants.Select(m => m.Id).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Mutants_EachDiffersFromTheOriginal()
    {
        var original = Compile(TwoRules).Model;
        Assert.All(RuleSetMutator.Mutants(original), m => Assert.NotEqual(original, m.Model));
    }

    [Fact]
    public void Swap_ChangesEvaluationOrder()
    {
        var original = Compile(TwoRules);
        var swap = RuleSetMutator.Mutants(original.Model).Single(m => m.Kind == MutationKind.SwapPriority);
        var mutant = RuleSetCompiler.Compile(swap.Model);
        Assert.Equal(["rest", "attendee-removal"], mutant.Rules.Select(r => r.Name));
    }
}
