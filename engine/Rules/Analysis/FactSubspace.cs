using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Analysis;

/// <summary>
/// The fact space projected onto the facts a rule set reads. A rule's match set does not depend on a fact the rule
/// never reads, so over the whole space it is a cylinder: its projection times every value of the unread facts.
/// Analysing the projection is therefore exact, and counts over the whole space are the projection's counts times
/// <see cref="Multiplier"/> (the product of the unread facts' domains). A rule file that names neither
/// <c>recurrence</c> nor <c>scope</c> is analysed over 55,296 combinations instead of 497,664, as before those facts
/// existed. Codes number the kept facts by mixed radix in catalog order (first kept fact most significant), so the
/// lowest code of a projected set is the projection of the lowest code of its cylinder, and examples and gap cubes
/// come out as over the whole space (unread facts at their first value, their masks full). Immutable, thread-safe.
/// </summary>
internal sealed class FactSubspace
{
    private static readonly ConcurrentDictionary<uint, FactSubspace> Cache = new();

    /// <summary>The catalog index of each fact's property on <see cref="ChangeFacts"/>.</summary>
    internal static readonly Dictionary<PropertyInfo, int> FactOfProperty =
        FactCatalog.All.Select((f, i) => (Property: FactNames.Property(f), Index: i)).ToDictionary(p => p.Property, p => p.Index);

    private FactSubspace(uint kept)
    {
        KeptMask = kept;
        Kept = [.. Enumerable.Range(0, FactCatalog.All.Length).Where(i => (kept & (1U << i)) != 0)];
        Size = Kept.Aggregate(1, (n, i) => checked(n * FactCatalog.All[i].Values.Length));
        Multiplier = FactCatalog.SpaceSize / Size;
        Words = (Size + 63) >> 6;
        LastWordMask = Size % 64 == 0 ? ulong.MaxValue : (1UL << (Size % 64)) - 1;
        ValueSets = BuildValueSets();
    }

    /// <summary>The whole fact space (every fact kept).</summary>
    public static FactSubspace Whole { get; } = Of((1U << FactCatalog.All.Length) - 1);

    /// <summary>The kept facts as a bit mask over catalog indices.</summary>
    public uint KeptMask { get; }

    /// <summary>Indices into <see cref="FactCatalog.All"/> of the facts kept, ascending.</summary>
    public int[] Kept { get; }

    /// <summary>How many combinations of the kept facts exist.</summary>
    public int Size { get; }

    /// <summary>How many whole-space combinations each projected combination stands for.</summary>
    public int Multiplier { get; }

    /// <summary>64-bit words per set.</summary>
    public int Words { get; }

    /// <summary>The valid bits of a set's last word.</summary>
    public ulong LastWordMask { get; }

    /// <summary>[catalog fact][value]: the combinations where the fact has that value; null for a fact not kept.</summary>
    public ulong[]?[][] ValueSets { get; }

    /// <summary>The subspace of the facts any of <paramref name="rules"/> reads (in a condition or its expression).</summary>
    public static FactSubspace Read(IEnumerable<CompiledRule> rules)
    {
        uint kept = 0;
        foreach (var rule in rules)
        {
            kept |= Read(rule);
        }

        return Of(kept);
    }

    /// <summary>The facts <paramref name="rule"/> reads, as a bit mask over catalog indices; every fact when its expression uses the facts other than by reading a property.</summary>
    public static uint Read(CompiledRule rule)
    {
        uint kept = 0;
        foreach (var condition in rule.Model.When)
        {
            kept |= 1U << FactCatalog.All.IndexOf(condition.Fact);
        }

        if (rule.ExpressionTree is { } tree && rule.FactsParameter is { } facts)
        {
            var reads = new Reads(facts);
            reads.Visit(tree);
            kept |= reads.All ? (1U << FactCatalog.All.Length) - 1 : reads.Mask;
        }

        return kept;
    }

    /// <summary>The whole-space facts of projected <paramref name="code"/>: unread facts at their first value.</summary>
    public ChangeFacts Decode(int code)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(code);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(code, Size);
        var facts = FactCatalog.Decode(0);
        for (var k = Kept.Length - 1; k >= 0; k--)
        {
            var fact = FactCatalog.All[Kept[k]];
            facts = fact.With(facts, code % fact.Values.Length);
            code /= fact.Values.Length;
        }

        return facts;
    }

    /// <summary>The projected code of <paramref name="facts"/>.</summary>
    public int Encode(in ChangeFacts facts)
    {
        var code = 0;
        foreach (var i in Kept)
        {
            var fact = FactCatalog.All[i];
            code = (code * fact.Values.Length) + fact.IndexOf(facts);
        }

        return code;
    }

    private static FactSubspace Of(uint kept) => Cache.GetOrAdd(kept, k => new FactSubspace(k));

    private ulong[]?[][] BuildValueSets()
    {
        var facts = FactCatalog.All;
        var sets = new ulong[]?[facts.Length][];
        for (var i = 0; i < facts.Length; i++)
        {
            sets[i] = Kept.Contains(i) ? [.. Enumerable.Range(0, facts[i].Values.Length).Select(_ => new ulong[Words])] : new ulong[]?[facts[i].Values.Length];
        }

        for (var code = 0; code < Size; code++)
        {
            // Decode by mixed radix (first kept fact most significant), as Encode numbers the subspace.
            var rest = code;
            for (var k = Kept.Length - 1; k >= 0; k--)
            {
                var radix = facts[Kept[k]].Values.Length;
                sets[Kept[k]][rest % radix]![code >> 6] |= 1UL << (code & 63);
                rest /= radix;
            }
        }

        return sets;
    }

    /// <summary>Collects the facts an expression reads; <see cref="All"/> when it uses the facts parameter any other way.</summary>
    private sealed class Reads(ParameterExpression facts) : ExpressionVisitor
    {
        public uint Mask { get; private set; }

        public bool All { get; private set; }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression == facts && node.Member is PropertyInfo p && FactOfProperty.TryGetValue(p, out var fact))
            {
                Mask |= 1U << fact;
                return node;
            }

            return base.VisitMember(node);
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            if (node == facts)
            {
                All = true;
            }

            return node;
        }
    }
}
