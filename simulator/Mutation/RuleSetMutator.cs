using System.Collections.Immutable;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Simulator.Mutation;

/// <summary>The kind of single-rule change a mutant makes.</summary>
public enum MutationKind
{
    /// <summary>The rule decides another action.</summary>
    FlipDecision,

    /// <summary>One condition (or the expression) of the rule is dropped.</summary>
    DropCondition,

    /// <summary>The rule is removed.</summary>
    RemoveRule,

    /// <summary>The rule and the next one in evaluation order trade places.</summary>
    SwapPriority,
}

/// <summary>One mutant of a rule set: what changed and the mutated model. Immutable.</summary>
/// <param name="Id">A stable id, e.g. <c>flip:organizer-cancel-reaches-crm:ignore</c>.</param>
/// <param name="Kind">The mutation operator.</param>
/// <param name="Rule">The mutated rule.</param>
/// <param name="Description">The change in words.</param>
/// <param name="Model">The mutated rule set.</param>
public sealed record Mutant(string Id, MutationKind Kind, string Rule, string Description, RuleSetModel Model);

/// <summary>
/// Generates single-rule mutants of a rule set: flip a decision, drop a condition, remove a rule, swap two rules'
/// priorities. Deterministic order. Pure.
/// </summary>
public static class RuleSetMutator
{
    private static readonly DecisionAction[] Actions = Enum.GetValues<DecisionAction>();

    /// <summary>Every mutant of <paramref name="model"/>.</summary>
    public static IEnumerable<Mutant> Mutants(RuleSetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ordered = model.RulesInPriorityOrder;
        for (var i = 0; i < ordered.Length; i++)
        {
            var rule = ordered[i];
            foreach (var action in Actions.Where(a => a != rule.Decide))
            {
                var name = action.ToString().ToLowerInvariant();
                yield return new Mutant(
                    $"flip:{rule.Name}:{name}", MutationKind.FlipDecision, rule.Name,
                    $"rule {rule.Name} decides {name} instead of {rule.Decide.ToString().ToLowerInvariant()}",
                    Replace(model, ordered, i, rule with { Decide = action }));
            }

            for (var c = 0; c < rule.When.Length; c++)
            {
                yield return new Mutant(
                    $"drop:{rule.Name}:{rule.When[c].Fact.Name}", MutationKind.DropCondition, rule.Name,
                    $"rule {rule.Name} without its condition {rule.When[c]}",
                    Replace(model, ordered, i, rule with { When = rule.When.RemoveAt(c) }));
            }

            if (rule.Expression is not null)
            {
                yield return new Mutant(
                    $"drop:{rule.Name}:expression", MutationKind.DropCondition, rule.Name,
                    $"rule {rule.Name} without its expression",
                    Replace(model, ordered, i, rule with { Expression = null }));
            }

            if (ordered.Length > 1)
            {
                yield return new Mutant(
                    $"remove:{rule.Name}", MutationKind.RemoveRule, rule.Name, $"rule {rule.Name} removed",
                    model with { Rules = Flatten(ordered.RemoveAt(i)) });
            }

            if (i + 1 < ordered.Length && model.HitPolicy == HitPolicy.First)
            {
                var swapped = ordered.SetItem(i, ordered[i + 1]).SetItem(i + 1, rule);
                yield return new Mutant(
                    $"swap:{rule.Name}:{ordered[i + 1].Name}", MutationKind.SwapPriority, rule.Name,
                    $"rules {rule.Name} and {ordered[i + 1].Name} trade places",
                    model with { Rules = Flatten(swapped) });
            }
        }
    }

    private static RuleSetModel Replace(RuleSetModel model, ImmutableArray<RuleModel> ordered, int index, RuleModel replacement) =>
        model with { Rules = Flatten(ordered.SetItem(index, replacement)) };

    // Evaluation order made explicit: file order with equal priorities.
    private static ImmutableArray<RuleModel> Flatten(ImmutableArray<RuleModel> ordered) => [.. ordered.Select(r => r with { Priority = 0 })];
}
