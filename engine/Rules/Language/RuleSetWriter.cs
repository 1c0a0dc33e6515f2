using System.Globalization;
using System.Text;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Rules.Language;

/// <summary>
/// Saves a <see cref="RuleSetModel"/> as YAML in the format <see cref="RuleSetLoader"/> reads (flow maps for
/// <c>when</c>, <c>given</c> and <c>expect</c>, as in the shipped files). Free text is always double-quoted with
/// JSON-compatible escapes, so loading the saved text gives an equal model. Thread-safe.
/// </summary>
public static class RuleSetWriter
{
    /// <summary>The model as YAML text, ending with a newline.</summary>
    public static string Write(RuleSetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var b = new StringBuilder();
        b.Append("# yaml-language-server: $schema=rules.schema.json\n");
        b.Append("name: ").Append(Quote(model.Name)).Append('\n');
        b.Append("description: ").Append(Quote(model.Description)).Append('\n');
        b.Append("hitPolicy: ").Append(model.HitPolicy == HitPolicy.First ? "first" : "unique").Append('\n');
        b.Append(model.Rules.IsEmpty ? "rules: []\n" : "rules:\n");
        foreach (var rule in model.Rules)
        {
            b.Append("  - name: ").Append(Quote(rule.Name)).Append('\n');
            b.Append("    because: ").Append(Quote(rule.Because)).Append('\n');
            if (rule.Priority != 0)
            {
                b.Append("    priority: ").Append(rule.Priority.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            b.Append("    when: {");
            b.AppendJoin(", ", rule.When.Select(Condition));
            b.Append("}\n");
            if (rule.Expression is { } e)
            {
                b.Append("    expression: ").Append(Quote(e.Text)).Append('\n');
            }

            b.Append("    decide: ").Append(Action(rule.Decide)).Append('\n');
            if (rule.Target != DecisionTarget.Opposite)
            {
                b.Append("    target: ").Append(Target(rule.Target)).Append('\n');
            }

            if (rule.UnreachableReason is { } reason)
            {
                b.Append("    expectUnreachable: true\n");
                b.Append("    unreachableReason: ").Append(Quote(reason)).Append('\n');
            }
        }

        if (!model.Tests.IsEmpty)
        {
            b.Append("tests:\n");
            foreach (var t in model.Tests)
            {
                b.Append("  - name: ").Append(Quote(t.Name)).Append('\n');
                b.Append("    given: {");
                b.AppendJoin(", ", t.Given.Select(g => $"{g.Fact.Name}: {g.Fact.Values[g.Value]}"));
                b.Append("}\n");
                b.Append("    expect: { decide: ").Append(Action(t.ExpectDecide));
                if (t.ExpectTarget is { } target)
                {
                    b.Append(", target: ").Append(Target(target));
                }

                if (t.ExpectRule is { } rule)
                {
                    b.Append(", rule: ").Append(Quote(rule));
                }

                b.Append(" }\n");
            }
        }

        return b.ToString();
    }

    private static string Condition(FactCondition c)
    {
        var values = c.Values.Select(v => c.Fact.Values[v]).ToList();
        var list = "[" + string.Join(", ", values) + "]";
        return c.Operator switch
        {
            ConditionOperator.Equals => $"{c.Fact.Name}: {values[0]}",
            ConditionOperator.NotEquals => $"{c.Fact.Name}: {{ not: {values[0]} }}",
            ConditionOperator.In => $"{c.Fact.Name}: {list}",
            _ => $"{c.Fact.Name}: {{ notIn: {list} }}",
        };
    }

    internal static string Action(DecisionAction action) => action.ToString().ToLowerInvariant();

    internal static string Target(DecisionTarget target) => target.ToString().ToLowerInvariant();

    /// <summary>A YAML double-quoted scalar (JSON escapes are valid YAML escapes).</summary>
    internal static string Quote(string text)
    {
        var b = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    b.Append("\\\"");
                    break;
                case '\\':
                    b.Append("\\\\");
                    break;
                case '\n':
                    b.Append("\\n");
                    break;
                case '\r':
                    b.Append("\\r");
                    break;
                case '\t':
                    b.Append("\\t");
                    break;
                case < ' ' or (>= '\u007f' and <= '\u009f') or '\u2028' or '\u2029' or '\ufeff' or '\ufffe' or '\uffff':
                    b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    b.Append(c);
                    break;
            }
        }

        return b.Append('"').ToString();
    }
}
