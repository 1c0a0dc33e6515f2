using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Reference;

/// <summary>What the reference interpreter decides: a rule and its resolved decision, no rule, or two rules under unique.</summary>
/// <param name="Rule">The deciding rule, or null.</param>
/// <param name="Action">The action (meaningful when <paramref name="Rule"/> is set).</param>
/// <param name="Target">The resolved target (meaningful when <paramref name="Rule"/> is set).</param>
/// <param name="ConflictWith">Under unique, the second matching rule; <paramref name="Rule"/> is then the first.</param>
internal readonly record struct ReferenceOutcome(string? Rule, DecisionAction Action, DecisionTarget Target, string? ConflictWith)
{
    public static ReferenceOutcome None => default;

    public override string ToString() =>
        Rule is null ? "no rule" : ConflictWith is not null ? $"conflict {Rule} / {ConflictWith}" : $"{Action} {Target} ({Rule})";
}

/// <summary>
/// A deliberately plain evaluator of a <see cref="RuleSetModel"/>, the oracle the property tests hold the compiled
/// path to: rules sorted by priority with LINQ's stable sort, each condition read through
/// <see cref="FactDefinition.ValueOf"/> and compared by name with the written values, expressions evaluated by
/// <see cref="ReferenceExpression"/> (its own parser; no RulesEngine, Dynamic LINQ or compiled delegates).
/// </summary>
internal sealed class ReferenceInterpreter
{
    private readonly RuleSetModel _model;
    private readonly List<RuleModel> _ordered;

    public ReferenceInterpreter(RuleSetModel model)
    {
        _model = model;
        _ordered = [.. model.Rules.Select((r, i) => (r, i)).OrderBy(p => -(long)p.r.Priority).ThenBy(p => p.i).Select(p => p.r)];
    }

    public static bool Matches(RuleModel rule, ChangeFacts facts)
    {
        foreach (var condition in rule.When)
        {
            var actual = condition.Fact.ValueOf(facts);
            var listed = condition.Values.Select(v => condition.Fact.Values[v]).Contains(actual);
            var positive = condition.Operator is ConditionOperator.Equals or ConditionOperator.In;
            if (listed != positive)
            {
                return false;
            }
        }

        return rule.Expression is null || ReferenceExpression.Evaluate(rule.Expression.Text, facts);
    }

    public ReferenceOutcome Decide(ChangeFacts facts)
    {
        var matching = _ordered.Where(r => Matches(r, facts)).ToList();
        if (matching.Count == 0)
        {
            return ReferenceOutcome.None;
        }

        var rule = matching[0];
        if (_model.HitPolicy == HitPolicy.Unique && matching.Count > 1)
        {
            return new ReferenceOutcome(rule.Name, rule.Decide, rule.Target, matching[1].Name);
        }

        var target = rule.Target switch
        {
            DecisionTarget.Opposite when facts.Source == ChangeSource.Mailbox => DecisionTarget.Crm,
            DecisionTarget.Opposite => DecisionTarget.Mailbox,
            var t => t,
        };
        return new ReferenceOutcome(rule.Name, rule.Decide, target, null);
    }
}
