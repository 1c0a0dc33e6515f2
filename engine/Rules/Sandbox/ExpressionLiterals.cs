using System.Text.RegularExpressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Sandbox;

/// <summary>
/// Checks the string literals of a rule expression before Dynamic LINQ sees them. Dynamic LINQ converts a string
/// compared with an enum fact with <c>Enum.Parse</c> semantics (ignoring case and surrounding blanks, accepting
/// numbers and comma-separated flag lists), so <c>kind == "deleted, cancelled"</c> would mean <c>cancelled</c> and
/// <c>"5"</c> would mean <c>missing</c>. Here a string literal must be exactly one of the compared fact's values, as
/// documented (camelCase, ordinal); the fact is the one on the other side of <c>==</c>/<c>!=</c>, or the argument
/// of <c>RuleFunctions.IsRemoval</c>. A literal whose fact cannot be told must still be a value of some fact.
/// Thread-safe.
/// </summary>
internal static partial class ExpressionLiterals
{
    /// <summary>The first literal that is not a value of its fact: the message and its 0-based offset; or null.</summary>
    public static (string Message, int Offset)? Check(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var quote = text[i];
            if (quote is not ('"' or '\''))
            {
                continue;
            }

            var end = i + 1;
            while (end < text.Length && text[end] != quote)
            {
                end += text[end] == '\\' ? 2 : 1;
            }

            if (end >= text.Length)
            {
                return ("the string literal is not closed", i);
            }

            var literal = text[(i + 1)..end];
            if (Problem(literal, ComparedFact(text, i, end + 1)) is { } problem)
            {
                return (problem, i);
            }

            i = end;
        }

        return null;
    }

    private static string? Problem(string literal, FactDefinition? fact)
    {
        const string rule = "a string compared with a fact must be exactly one of its values";
        if (fact is not null)
        {
            return fact.TryParseValue(literal, out _) ? null : $"{FactNames.UnknownValueMessage(fact, literal)}; {rule}";
        }

        return FactCatalog.All.Any(f => f.TryParseValue(literal, out _))
            ? null
            : $"'{literal}' is not a value of any fact; {rule}";
    }

    /// <summary>The fact named next to the literal at [<paramref name="start"/>, <paramref name="end"/>), if the text says.</summary>
    private static FactDefinition? ComparedFact(string text, int start, int end)
    {
        // Anchored at the literal's edges (right to left before it), so each lookup costs the few characters next to
        // the literal, not the whole expression: a 1 MiB file has tens of thousands of literals.
        var name = Before().Match(text, 0, start) is { Success: true } b && !b.Groups["name"].Value.Contains('.', StringComparison.Ordinal) ? b.Groups["name"].Value
            : After().Match(text, end, text.Length - end) is { Success: true } a ? a.Groups["name"].Value
            : IsRemovalArgument().IsMatch(text.AsSpan(0, start)) ? "kind"
            : null;
        return name is null ? null : FactCatalog.All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    [GeneratedRegex(@"(?<name>[\w.]+)\s*(?:==|!=|<>|=)\s*$", RegexOptions.CultureInvariant | RegexOptions.RightToLeft)]
    private static partial Regex Before();

    [GeneratedRegex(@"^\s*(?:==|!=|<>|=)\s*(?<name>[A-Za-z_]\w*)(?![\w.(])", RegexOptions.CultureInvariant)]
    private static partial Regex After();

    [GeneratedRegex(@"IsRemoval\s*\(\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.RightToLeft)]
    private static partial Regex IsRemovalArgument();
}
