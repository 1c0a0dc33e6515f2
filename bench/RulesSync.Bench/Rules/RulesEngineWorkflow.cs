using RulesEngine.Models;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Bench.Rules;

/// <summary>
/// A rule set as a RulesEngine workflow, the way RulesEngine's README suggests using it: one workflow, one
/// expression per rule over an input parameter, ExecuteAllRulesAsync per change, first success wins.
/// </summary>
internal static class RulesEngineWorkflow
{
    public const string InputName = "f";

    public static Workflow From(RuleSetModel model) => new()
    {
        WorkflowName = model.Name,
        Rules = model.RulesInPriorityOrder.Select(r => new Rule
        {
            RuleName = r.Name,
            Expression = Expression(r),
            SuccessEvent = r.Name,
        }).ToList(),
    };

    private static string Expression(RuleModel rule)
    {
        var parts = rule.When.Select(Condition).ToList();
        return parts.Count == 0 ? "true" : string.Join(" && ", parts);
    }

    private static string Condition(FactCondition c)
    {
        var property = $"{InputName}.{char.ToUpperInvariant(c.Fact.Name[0])}{c.Fact.Name[1..]}";
        var accepted = Enumerable.Range(0, c.Fact.Values.Length).Where(c.Accepts).Select(v => Literal(c.Fact, v)).ToList();
        return "(" + string.Join(" || ", accepted.Select(v => $"{property} == {v}")) + ")";
    }

    private static string Literal(FactDefinition fact, int index) =>
        fact.IsBoolean ? (index == 1 ? "true" : "false") : $"\"{Enum.GetName(fact.ClrType, index)}\"";

    /// <summary>The RulesEngine settings the README's examples use, plus the fast compiler it documents.</summary>
    public static ReSettings Settings => new() { UseFastExpressionCompiler = true };

    internal static RuleParameter Input(in ChangeFacts facts) => new(InputName, facts);
}
