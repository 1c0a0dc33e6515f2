using System.Collections.Immutable;
using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Analysis;

/// <summary>
/// A sub-cube of the fact space: for every fact of <see cref="FactCatalog.All"/> (same order), the set of values
/// allowed, as a bit mask over the fact's domain. Used to report gaps compactly. Immutable.
/// </summary>
public sealed class FactCube
{
    internal FactCube(ImmutableArray<ulong> masks)
    {
        Masks = masks;
        Size = masks.Select(m => (int)ulong.PopCount(m)).Aggregate(1, (a, b) => checked(a * b));
    }

    /// <summary>Per fact (in catalog order), the allowed value indices as a bit mask.</summary>
    public ImmutableArray<ulong> Masks { get; }

    /// <summary>How many fact combinations the cube holds.</summary>
    public int Size { get; }

    /// <summary>One combination in the cube (the lowest value of each fact).</summary>
    public ChangeFacts Example
    {
        get
        {
            var facts = ChangeFacts.Default;
            for (var i = 0; i < Masks.Length; i++)
            {
                facts = FactCatalog.All[i].With(facts, System.Numerics.BitOperations.TrailingZeroCount(Masks[i]));
            }

            return facts;
        }
    }

    /// <summary>The facts the cube constrains, e.g. <c>source=crm, kind in [deleted, missing]</c>; <c>any change</c> when none.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        for (var i = 0; i < Masks.Length; i++)
        {
            var fact = FactCatalog.All[i];
            if (Masks[i] == (1UL << fact.Values.Length) - 1)
            {
                continue;
            }

            var values = Enumerable.Range(0, fact.Values.Length).Where(v => (Masks[i] & (1UL << v)) != 0).Select(v => fact.Values[v]).ToList();
            parts.Add(values.Count == 1 ? $"{fact.Name}={values[0]}" : $"{fact.Name} in [{string.Join(", ", values)}]");
        }

        return parts.Count == 0 ? "any change" : string.Join(", ", parts);
    }
}
