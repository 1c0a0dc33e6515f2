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
/// <c>unique</c>, rules shadowed under <c>first</c>, rules that can never match. The work is done over the facts the
/// rule set reads (<see cref="FactSubspace"/>; counts scaled back to the whole space), which gives the same report.
/// Thread-safe.
/// </summary>
public static class RuleSetAnalyzer
{
    /// <summary>Overlapping pairs reported one by one; beyond this, one summary (a file of 1,000 rules can have 500,000 pairs).</summary>
    public const int MaxOverlapDiagnostics = 100;

    /// <summary>Analyses <paramref name="ruleSet"/>, describing at most <paramref name="maxGapCubes"/> gap regions.</summary>
    public static AnalysisReport Analyze(CompiledRuleSet ruleSet, int maxGapCubes = 5)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        return Analyze(ruleSet, maxGapCubes, FactSubspace.Read(ruleSet.Rules));
    }

    /// <summary>Analyses over <paramref name="space"/>, which must keep every fact the rules read (tests compare subspaces with the whole space).</summary>
    internal static AnalysisReport Analyze(CompiledRuleSet ruleSet, int maxGapCubes, FactSubspace space)
    {
        var size = FactCatalog.SpaceSize;
        var scale = space.Multiplier;
        var rules = ruleSet.Rules;

        // One set per rule, computed symbolically (FactSpaceSet) over the facts the rules read: no rule is evaluated
        // point by point, and facts no rule reads (often recurrence and scope) do not widen the sets.
        var matches = new ulong[rules.Length][];
        for (var r = 0; r < rules.Length; r++)
        {
            matches[r] = FactSpaceSet.Matches(rules[r], space);
        }

        var diagnostics = ImmutableArray.CreateBuilder<RuleDiagnostic>();
        var never = ImmutableArray.CreateBuilder<string>();
        var shadowed = ImmutableArray.CreateBuilder<ShadowedRule>();
        var overlaps = ImmutableArray.CreateBuilder<RuleOverlap>();
        var covered = new ulong[space.Words];
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
                    var n = FactSpaceSet.CountBoth(matches[e], matches[r]) * scale;
                    if (n > 0)
                    {
                        var example = space.Decode(FactSpaceSet.FirstOfBoth(matches[e], matches[r]));
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

        var gaps = FactSpaceSet.Not(covered, space);
        var gapCount = FactSpaceSet.Count(gaps) * scale;
        var cubes = ImmutableArray.CreateBuilder<FactCube>();
        if (gapCount > 0)
        {
            var at = new SourceLocation(ruleSet.Model.SourceName, 1, 1);
            var remaining = (ulong[])gaps.Clone();
            while (cubes.Count < maxGapCubes && FactSpaceSet.First(remaining) is var next and >= 0)
            {
                var cube = GrowCube(gaps, next, space);
                cubes.Add(cube);
                Remove(remaining, cube, space);
                diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.Gap, $"gap: no rule decides {cube} ({Plural(cube.Size)}), e.g. {FactCatalog.Describe(cube.Example)}"));
            }

            var left = FactSpaceSet.Count(remaining) * scale;
            diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.Gap, $"{Plural(gapCount)} of {size.ToString("N0", CultureInfo.InvariantCulture)} are decided by no rule" + (left > 0 ? $" ({Plural(left)} not shown above)" : string.Empty)));
        }

        return new AnalysisReport(size, gapCount, cubes.ToImmutable(), overlaps.ToImmutable(), shadowed.ToImmutable(), never.ToImmutable(), diagnostics.ToImmutable());
    }

    /// <summary>Rule names for a message: all of them up to 10, then how many more.</summary>
    private static string Names(ImmutableArray<string> names) =>
        string.Join(", ", names.Take(10).Select(n => $"'{n}'")) + (names.Length > 10 ? $" and {names.Length - 10} more" : string.Empty);

    private static string Plural(int n) => n == 1 ? "1 combination" : $"{n.ToString("N0", CultureInfo.InvariantCulture)} combinations";

    /// <summary>
    /// Grows the single point <paramref name="code"/> of <paramref name="space"/> into a maximal cube inside
    /// <paramref name="set"/>, fact by fact in catalog order; facts the space does not keep span their whole domain.
    /// </summary>
    private static FactCube GrowCube(ulong[] set, int code, FactSubspace space)
    {
        var facts = FactCatalog.All;
        var masks = new ulong[facts.Length];
        var point = space.Decode(code);
        for (var i = 0; i < facts.Length; i++)
        {
            masks[i] = (space.KeptMask & (1U << i)) != 0 ? 1UL << facts[i].IndexOf(point) : (1UL << facts[i].Values.Length) - 1;
        }

        foreach (var i in space.Kept)
        {
            for (var v = 0; v < facts[i].Values.Length; v++)
            {
                var before = masks[i];
                if ((before & (1UL << v)) != 0)
                {
                    continue;
                }

                masks[i] = before | (1UL << v);
                if (!Codes(masks, space).All(c => FactSpaceSet.Contains(set, c)))
                {
                    masks[i] = before;
                }
            }
        }

        return new FactCube([.. masks]);
    }

    private static void Remove(ulong[] set, FactCube cube, FactSubspace space)
    {
        foreach (var c in Codes([.. cube.Masks], space))
        {
            FactSpaceSet.Remove(set, c);
        }
    }

    /// <summary>Every code of <paramref name="space"/> in the cube given by <paramref name="masks"/> (mixed radix over the kept facts, as <see cref="FactSubspace.Encode"/>).</summary>
    private static IEnumerable<int> Codes(ulong[] masks, FactSubspace space)
    {
        var facts = FactCatalog.All;
        IEnumerable<int> codes = [0];
        foreach (var i in space.Kept)
        {
            var radix = facts[i].Values.Length;
            var mask = masks[i];
            var values = Enumerable.Range(0, radix).Where(v => (mask & (1UL << v)) != 0).ToArray();
            codes = codes.SelectMany(c => values.Select(v => (c * radix) + v));
        }

        return codes;
    }
}
