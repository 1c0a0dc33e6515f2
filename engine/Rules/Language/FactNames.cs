using System.Reflection;
using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Language;

/// <summary>Name helpers shared by the loader, the sandbox and the compiler: CLR properties of facts and "did you mean" suggestions.</summary>
internal static class FactNames
{
    /// <summary>The <see cref="ChangeFacts"/> property behind a fact (its name in PascalCase).</summary>
    public static PropertyInfo Property(FactDefinition fact) =>
        typeof(ChangeFacts).GetProperty(char.ToUpperInvariant(fact.Name[0]) + fact.Name[1..], BindingFlags.Public | BindingFlags.Instance)
        ?? throw new InvalidOperationException($"fact '{fact.Name}' has no property on ChangeFacts");

    public static string UnknownFactMessage(string name) =>
        $"unknown fact '{name}'" + DidYouMean(name, FactCatalog.All.Select(f => f.Name));

    public static string UnknownValueMessage(FactDefinition fact, string value) =>
        $"unknown value '{value}' for fact '{fact.Name}'" + DidYouMean(value, fact.Values)
        + $" (values: {string.Join(", ", fact.Values)})";

    /// <summary><c>; did you mean 'x'?</c> for the closest candidate within a small edit distance, else empty.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(name.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, name.Length / 3) ? $"; did you mean '{best}'?" : string.Empty;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

/// <summary>"Did you mean" suggestions for any mistyped name (facts, values, commands, options). Thread-safe.</summary>
public static class NameSuggestion
{
    /// <summary><c>; did you mean 'x'?</c> for the closest of <paramref name="candidates"/> within a small edit distance, else empty.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates) => FactNames.DidYouMean(name, candidates);
}
