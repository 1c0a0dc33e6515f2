using System.Collections.Immutable;
using System.Globalization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Analysis;

/// <summary>Two rules that match the same combinations under hit policy <c>unique</c>.</summary>
/// <param name="First">The first rule in evaluation order.</param>
/// <param name="Second">The second rule.</param>
/// <param name="Count">How many combinations both match.</param>
/// <param name="Example">One of them.</param>
public sealed record RuleOverlap(string First, string Second, int Count, ChangeFacts Example);

/// <summary>A rule that, under hit policy <c>first</c>, never decides because earlier rules decide all it matches.</summary>
/// <param name="Rule">The shadowed rule.</param>
/// <param name="ShadowedBy">The earlier rules that match some of its combinations.</param>
public sealed record ShadowedRule(string Rule, ImmutableArray<string> ShadowedBy);

/// <summary>What the analysis over the whole fact space found.</summary>
/// <param name="SpaceSize">How many fact combinations exist.</param>
/// <param name="GapCount">How many combinations no rule decides.</param>
/// <param name="Gaps">Up to the requested number of maximal cubes of undecided combinations, largest region first found.</param>
/// <param name="Overlaps">Under unique, every pair of rules that match a common combination.</param>
/// <param name="Shadowed">Under first, rules that never fire because of earlier rules.</param>
/// <param name="NeverMatching">Rules whose conditions no combination satisfies.</param>
/// <param name="Diagnostics">The findings as located diagnostics.</param>
public sealed record AnalysisReport(
    int SpaceSize,
    int GapCount,
    ImmutableArray<FactCube> Gaps,
    ImmutableArray<RuleOverlap> Overlaps,
    ImmutableArray<ShadowedRule> Shadowed,
    ImmutableArray<string> NeverMatching,
    ImmutableArray<RuleDiagnostic> Diagnostics);

/// <summary>
/// Analyses a compiled rule set over the whole finite fact space (<see cref="FactCatalog.SpaceSize"/> combinations;
/// expressions are pure functions of the facts, so evaluating every point is exact): gaps, overlaps under
/// <c>unique</c>, rules shadowed under <c>first</c>, rules that can never match. Thread-safe.
/// </summary>
public static class RuleSetAnalyzer
{
    /// <summary>Overlapping pairs reported one by one; beyond this, one summary (a file of 1,000 rules can have 500,000 pairs).</summary>
    public const int MaxOverlapDiagnostics = 100;

    /// <summary>Analyses <paramref name="ruleSet"/>, describing at most <paramref name="maxGapCubes"/> gap regions.</summary>
    public static AnalysisReport Analyze(CompiledRuleSet ruleSet, int maxGapCubes = 5)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        var size = FactCatalog.SpaceSize;
        var rules = ruleSet.Rules;

        // One set per rule, computed symbolically (FactSpaceSet): no rule is evaluated 55,296 times.
        var matches = new ulong[rules.Length][];
        for (var r = 0; r < rules.Length; r++)
        {
            matches[r] = FactSpaceSet.Matches(rules[r]);
        }

        var diagnostics = ImmutableArray.CreateBuilder<RuleDiagnostic>();
        var never = ImmutableArray.CreateBuilder<string>();
        var shadowed = ImmutableArray.CreateBuilder<ShadowedRule>();
        var overlaps = ImmutableArray.CreateBuilder<RuleOverlap>();
        var covered = new ulong[FactSpaceSet.Words];
        for (var r = 0; r < rules.Length; r++)
        {
            var rule = rules[r];
            var count = FactSpaceSet.Count(matches[r]);
            if (count == 0)
            {
                never.Add(rule.Name);
                diagnostics.Add(RuleDiagnostic.Warning(rule.SourceLocation, DiagnosticCodes.NeverMatches, $"rule '{rule.Name}' can never match: no combination of facts satisfies all its conditions"));
            }
            else if (ruleSet.HitPolicy == HitPolicy.First && FactSpaceSet.CountOutside(matches[r], covered) == 0)
            {
                var by = Enumerable.Range(0, r).Where(e => FactSpaceSet.Intersect(matches[e], matches[r])).Select(e => rules[e].Name).ToImmutableArray();
                shadowed.Add(new ShadowedRule(rule.Name, by));
                diagnostics.Add(RuleDiagnostic.Warning(rule.SourceLocation, DiagnosticCodes.Shadowed, $"rule '{rule.Name}' never fires: earlier rules decide every change it matches ({Names(by)})"));
            }

            if (ruleSet.HitPolicy == HitPolicy.Unique)
            {
                for (var e = 0; e < r; e++)
                {
                    var n = FactSpaceSet.CountBoth(matches[e], matches[r]);
                    if (n > 0)
                    {
                        var example = FactCatalog.Decode(FactSpaceSet.FirstOfBoth(matches[e], matches[r]));
                        overlaps.Add(new RuleOverlap(rules[e].Name, rule.Name, n, example));
                        if (overlaps.Count > MaxOverlapDiagnostics)
                        {
                            continue;
                        }

                        diagnostics.Add(RuleDiagnostic.Error(rule.SourceLocation, DiagnosticCodes.Overlap, $"hit policy unique: rules '{rules[e].Name}' and '{rule.Name}' both match {Plural(n)}, e.g. {FactCatalog.Describe(example)}"));
                    }
                }
            }

            FactSpaceSet.Or(covered, matches[r]);
        }

        if (overlaps.Count > MaxOverlapDiagnostics)
        {
            diagnostics.Add(RuleDiagnostic.Error(
                new SourceLocation(ruleSet.Model.SourceName, 1, 1),
                DiagnosticCodes.Overlap,
                $"hit policy unique: {overlaps.Count.ToString("N0", CultureInfo.InvariantCulture)} pairs of rules overlap; the first {MaxOverlapDiagnostics} are shown"));
        }

        var gaps = FactSpaceSet.Not(covered);
        var gapCount = FactSpaceSet.Count(gaps);
        var cubes = ImmutableArray.CreateBuilder<FactCube>();
        if (gapCount > 0)
        {
            var at = new SourceLocation(ruleSet.Model.SourceName, 1, 1);
            var remaining = (ulong[])gaps.Clone();
            while (cubes.Count < maxGapCubes && FactSpaceSet.First(remaining) is var next and >= 0)
            {
                var cube = GrowCube(gaps, next);
                cubes.Add(cube);
                Remove(remaining, cube);
                diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.Gap, $"gap: no rule decides {cube} ({Plural(cube.Size)}), e.g. {FactCatalog.Describe(cube.Example)}"));
            }

            var left = FactSpaceSet.Count(remaining);
            diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.Gap, $"{Plural(gapCount)} of {size.ToString("N0", CultureInfo.InvariantCulture)} are decided by no rule" + (left > 0 ? $" ({Plural(left)} not shown above)" : string.Empty)));
        }

        return new AnalysisReport(size, gapCount, cubes.ToImmutable(), overlaps.ToImmutable(), shadowed.ToImmutable(), never.ToImmutable(), diagnostics.ToImmutable());
    }

    /// <summary>Rule names for a message: all of them up to 10, then how many more.</summary>
    private static string Names(ImmutableArray<string> names) =>
        string.Join(", ", names.Take(10).Select(n => $"'{n}'")) + (names.Length > 10 ? $" and {names.Length - 10} more" : string.Empty);

    private static string Plural(int n) => n == 1 ? "1 combination" : $"{n.ToString("N0", CultureInfo.InvariantCulture)} combinations";

    /// <summary>Grows the single point <paramref name="code"/> into a maximal cube inside <paramref name="set"/>, fact by fact.</summary>
    private static FactCube GrowCube(ulong[] set, int code)
    {
        var facts = FactCatalog.All;
        var masks = new ulong[facts.Length];
        var point = FactCatalog.Decode(code);
        for (var i = 0; i < facts.Length; i++)
        {
            masks[i] = 1UL << facts[i].IndexOf(point);
        }

        for (var i = 0; i < facts.Length; i++)
        {
            for (var v = 0; v < facts[i].Values.Length; v++)
            {
                var before = masks[i];
                if ((before & (1UL << v)) != 0)
                {
                    continue;
                }

                masks[i] = before | (1UL << v);
                if (!Codes(masks).All(c => FactSpaceSet.Contains(set, c)))
                {
                    masks[i] = before;
                }
            }
        }

        return new FactCube([.. masks]);
    }

    private static void Remove(ulong[] set, FactCube cube)
    {
        foreach (var c in Codes([.. cube.Masks]))
        {
            FactSpaceSet.Remove(set, c);
        }
    }

    /// <summary>Every code in the cube given by <paramref name="masks"/> (mixed radix, first fact most significant, as <see cref="FactCatalog.Encode"/>).</summary>
    private static IEnumerable<int> Codes(ulong[] masks)
    {
        var facts = FactCatalog.All;
        IEnumerable<int> codes = [0];
        for (var i = 0; i < facts.Length; i++)
        {
            var radix = facts[i].Values.Length;
            var mask = masks[i];
            var values = Enumerable.Range(0, radix).Where(v => (mask & (1UL << v)) != 0).ToArray();
            codes = codes.SelectMany(c => values.Select(v => (c * radix) + v));
        }

        return codes;
    }
}
