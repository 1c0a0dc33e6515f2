using System.Text;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Tables;

/// <summary>
/// Renders a rule set as a Markdown decision table: one row per rule in evaluation order, one column per fact any
/// rule tests (in catalog order), <c>-</c> for "any value", then the expression (if any rule has one), the action
/// and the target. Thread-safe.
/// </summary>
public static class DecisionTable
{
    /// <summary>The table, preceded by a heading naming the rule set and its hit policy.</summary>
    public static string ToMarkdown(RuleSetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rules = model.RulesInPriorityOrder;
        var facts = FactCatalog.All.Where(f => rules.Any(r => r.When.Any(c => c.Fact == f))).ToList();
        var hasExpression = rules.Any(r => r.Expression is not null);
        var hasPriority = rules.Any(r => r.Priority != 0);

        var header = new List<string> { "#", "rule" };
        if (hasPriority)
        {
            header.Add("priority");
        }

        header.AddRange(facts.Select(f => f.Name));
        if (hasExpression)
        {
            header.Add("expression");
        }

        header.Add("decide");
        header.Add("target");

        var b = new StringBuilder();
        b.Append("### ").Append(Escape(model.Name)).Append(" (hit policy: ").Append(model.HitPolicy == HitPolicy.First ? "first" : "unique").Append(")\n\n");
        Row(b, header);
        Row(b, header.Select(_ => "---"));
        var number = 1;
        foreach (var rule in rules)
        {
            var cells = new List<string> { (number++).ToString(System.Globalization.CultureInfo.InvariantCulture), Escape(rule.Name) };
            if (hasPriority)
            {
                cells.Add(rule.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var fact in facts)
            {
                var conditions = rule.When.Where(c => c.Fact == fact).ToList();
                cells.Add(conditions.Count == 0 ? "-" : string.Join(" and ", conditions.Select(Cell)));
            }

            if (hasExpression)
            {
                cells.Add(rule.Expression is { } e ? "`" + Escape(e.Text).Replace("`", "'", StringComparison.Ordinal) + "`" : "-");
            }

            cells.Add(RuleSetWriter.Action(rule.Decide));
            cells.Add(RuleSetWriter.Target(rule.Target));
            Row(b, cells);
        }

        return b.ToString();
    }

    private static string Cell(FactCondition c)
    {
        var values = string.Join(", ", c.Values.Select(v => c.Fact.Values[v]));
        return c.Operator is ConditionOperator.Equals or ConditionOperator.In ? values : "not " + values;
    }

    private static void Row(StringBuilder b, IEnumerable<string> cells) =>
        b.Append("| ").AppendJoin(" | ", cells).Append(" |\n");

    private static string Escape(string text) =>
        text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
}
