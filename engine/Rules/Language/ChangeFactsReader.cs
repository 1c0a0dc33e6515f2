using System.Collections.Immutable;
using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Language;

/// <summary>The result of reading a change description: the facts, or diagnostics.</summary>
/// <param name="Facts">The facts, or null when the text has errors.</param>
/// <param name="Diagnostics">Errors, located.</param>
public sealed record ChangeFactsReadResult(ChangeFacts? Facts, ImmutableArray<RuleDiagnostic> Diagnostics);

/// <summary>
/// Reads a change description for <c>rulesync explain --change FILE</c>: a YAML (or JSON) map from fact to value,
/// exactly like a fixture's <c>given</c>; unspecified facts take <see cref="ChangeFacts.Default"/>. Thread-safe.
/// </summary>
public static class ChangeFactsReader
{
    /// <summary>Reads the facts in <paramref name="text"/>, naming it <paramref name="sourceName"/> in diagnostics.</summary>
    public static ChangeFactsReadResult Read(string sourceName, string text)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(text);
        var diagnostics = new List<RuleDiagnostic>();
        if (text.Length > RuleSetLoader.MaxDocumentChars)
        {
            diagnostics.Add(RuleDiagnostic.Error(new SourceLocation(sourceName, 1, 1), DiagnosticCodes.TooLarge, $"the document is larger than {RuleSetLoader.MaxDocumentChars:N0} characters"));
            return new ChangeFactsReadResult(null, [.. diagnostics]);
        }

        var root = YamlTree.Parse(sourceName, text, RuleSetLoader.MaxDepth, diagnostics);
        if (root is null)
        {
            return new ChangeFactsReadResult(null, [.. diagnostics]);
        }

        if (root is not YamlTreeMapping map)
        {
            diagnostics.Add(RuleDiagnostic.Error(root.Location, DiagnosticCodes.Structure, $"a change is a map from fact to value, not {root.KindName}"));
            return new ChangeFactsReadResult(null, [.. diagnostics]);
        }

        var facts = ChangeFacts.Default;
        foreach (var (key, value) in map.Entries)
        {
            if (!FactCatalog.TryGet(key.Value, out var fact))
            {
                diagnostics.Add(RuleDiagnostic.Error(key.Location, DiagnosticCodes.UnknownFact, FactNames.UnknownFactMessage(key.Value)));
            }
            else if (value is not YamlTreeScalar s)
            {
                diagnostics.Add(RuleDiagnostic.Error(value.Location, DiagnosticCodes.Structure, $"'{fact.Name}' takes one value, not {value.KindName}"));
            }
            else if (fact.IsBoolean ? s.AsBoolean is { } b && fact.TryParseValue(b ? "true" : "false", out var index) : !(s.IsPlain && s.AsBoolean is not null) && fact.TryParseValue(s.Value, out index))
            {
                facts = fact.With(facts, index);
            }
            else
            {
                diagnostics.Add(RuleDiagnostic.Error(s.Location, DiagnosticCodes.UnknownValue, FactNames.UnknownValueMessage(fact, s.Value)));
            }
        }

        return new ChangeFactsReadResult(diagnostics.Count == 0 ? facts : null, [.. diagnostics]);
    }
}
