using System.Linq.Expressions;
using System.Numerics;
using System.Reflection;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Rules.Analysis;

/// <summary>
/// Sets of fact combinations as bitsets over the whole fact space (bit <c>code</c> of <see cref="FactCatalog.Encode"/>),
/// and the set a rule matches, computed without evaluating the rule point by point: a condition is the union of
/// its values' sets, an expression is evaluated symbolically over sets (<c>==</c> on a fact and a value is that
/// value's set, <c>&amp;&amp;</c> is intersection, <c>!</c> complement, <c>iif</c> a blend, <c>RuleFunctions</c>
/// calls over the fact's values). That keeps lint of a 1 MiB file of long expressions to a fraction of a second;
/// an expression shape it does not know falls back to evaluating the compiled rule at every point, which is exact
/// too. Thread-safe.
/// </summary>
internal static class FactSpaceSet
{
    /// <summary>64-bit words per set.</summary>
    public static readonly int Words = (FactCatalog.SpaceSize + 63) >> 6;

    private static readonly ulong LastWordMask = FactCatalog.SpaceSize % 64 == 0 ? ulong.MaxValue : (1UL << (FactCatalog.SpaceSize % 64)) - 1;

    /// <summary>[fact][value]: the combinations where the fact has that value.</summary>
    private static readonly ulong[][][] ValueSets = BuildValueSets();

    private static readonly Dictionary<PropertyInfo, int> FactOfProperty =
        FactCatalog.All.Select((f, i) => (Property: FactNames.Property(f), Index: i)).ToDictionary(p => p.Property, p => p.Index);

    /// <summary>The combinations <paramref name="rule"/> matches.</summary>
    public static ulong[] Matches(CompiledRule rule)
    {
        var set = Full();
        foreach (var condition in rule.Model.When)
        {
            And(set, Of(condition));
        }

        if (rule.ExpressionTree is { } tree && rule.FactsParameter is { } facts)
        {
            if (new Evaluator(facts).Set(tree) is { } expression)
            {
                And(set, expression);
            }
            else
            {
                And(set, PointByPoint(rule));
            }
        }

        return set;
    }

    /// <summary>Every combination.</summary>
    public static ulong[] Full()
    {
        var set = new ulong[Words];
        Array.Fill(set, ulong.MaxValue);
        set[^1] = LastWordMask;
        return set;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int Count(ulong[] set)
    {
        var n = 0;
        foreach (var w in set)
        {
            n += BitOperations.PopCount(w);
        }

        return n;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int CountBoth(ulong[] a, ulong[] b)
    {
        var n = 0;
        for (var i = 0; i < a.Length; i++)
        {
            n += BitOperations.PopCount(a[i] & b[i]);
        }

        return n;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int CountOutside(ulong[] set, ulong[] outside)
    {
        var n = 0;
        for (var i = 0; i < set.Length; i++)
        {
            n += BitOperations.PopCount(set[i] & ~outside[i]);
        }

        return n;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool Intersect(ulong[] a, ulong[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if ((a[i] & b[i]) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The lowest code in <paramref name="set"/>, or -1 when it is empty.</summary>
    public static int First(ulong[] set)
    {
        for (var i = 0; i < set.Length; i++)
        {
            if (set[i] != 0)
            {
                return (i << 6) + BitOperations.TrailingZeroCount(set[i]);
            }
        }

        return -1;
    }

    /// <summary>The lowest code in both sets, or -1.</summary>
    public static int FirstOfBoth(ulong[] a, ulong[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if ((a[i] & b[i]) != 0)
            {
                return (i << 6) + BitOperations.TrailingZeroCount(a[i] & b[i]);
            }
        }

        return -1;
    }

    public static bool Contains(ulong[] set, int code) => (set[code >> 6] & (1UL << (code & 63))) != 0;

    public static void Remove(ulong[] set, int code) => set[code >> 6] &= ~(1UL << (code & 63));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void And(ulong[] target, ulong[] other)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] &= other[i];
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Or(ulong[] target, ulong[] other)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] |= other[i];
        }
    }

    /// <summary>The complement of <paramref name="set"/>, as a new set.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static ulong[] Not(ulong[] set)
    {
        var result = new ulong[set.Length];
        for (var i = 0; i < set.Length; i++)
        {
            result[i] = ~set[i];
        }

        result[^1] &= LastWordMask;
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ulong[] NotInPlace(ulong[] set)
    {
        for (var i = 0; i < set.Length; i++)
        {
            set[i] = ~set[i];
        }

        set[^1] &= LastWordMask;
        return set;
    }

    private static ulong[] Of(FactCondition condition)
    {
        var set = new ulong[Words];
        var sets = ValueSets[FactCatalog.All.IndexOf(condition.Fact)];
        var mask = condition.AcceptedMask;
        for (var v = 0; v < sets.Length; v++)
        {
            if ((mask & (1UL << v)) != 0)
            {
                Or(set, sets[v]);
            }
        }

        return set;
    }

    private static ulong[] PointByPoint(CompiledRule rule)
    {
        var set = new ulong[Words];
        for (var code = 0; code < FactCatalog.SpaceSize; code++)
        {
            if (rule.ExpressionHolds(FactCatalog.Decode(code)))
            {
                set[code >> 6] |= 1UL << (code & 63);
            }
        }

        return set;
    }

    private static ulong[][][] BuildValueSets()
    {
        var facts = FactCatalog.All;
        var sets = facts.Select(f => Enumerable.Range(0, f.Values.Length).Select(_ => new ulong[Words]).ToArray()).ToArray();
        for (var code = 0; code < FactCatalog.SpaceSize; code++)
        {
            // Decode by mixed radix (first fact most significant), as FactCatalog.Encode numbers the space.
            var rest = code;
            for (var i = facts.Length - 1; i >= 0; i--)
            {
                var radix = facts[i].Values.Length;
                sets[i][rest % radix][code >> 6] |= 1UL << (code & 63);
                rest /= radix;
            }
        }

        return sets;
    }

    /// <summary>A node's value over the space: a set (booleans), a fact read (enum facts), or an integer constant.</summary>
    /// <summary>
    /// A node's value over the space. <paramref name="Owned"/> sets were made for this node and may be overwritten by
    /// its parent (so a long chain of <c>&amp;&amp;</c>/<c>||</c> reuses a few buffers); others (a fact's value sets)
    /// are shared and never written.
    /// </summary>
    private readonly record struct Value(ulong[]? Set, int Fact, int Constant, bool Owned = false)
    {
        public static Value OfSet(ulong[] set, bool owned = true) => new(set, -1, 0, owned);

        public static Value OfFact(int fact) => new(null, fact, 0);

        public static Value OfConstant(int constant) => new(null, -1, constant);

        public bool IsFact => Set is null && Fact >= 0;

        public bool IsConstant => Set is null && Fact < 0;
    }

    /// <summary>Evaluates a checked expression tree over sets; null for any shape it does not know.</summary>
    private sealed class Evaluator(ParameterExpression facts)
    {
        public ulong[]? Set(Expression node) => Eval(node) is { Set: { } set } ? set : null;

        private Value? Eval(Expression node)
        {
            switch (node)
            {
                case ConstantExpression { Value: bool b }:
                    return Value.OfSet(b ? Full() : new ulong[Words]);
                case ConstantExpression { Value: { } v } c when c.Type.IsEnum || v is int or long or short or byte:
                    return Value.OfConstant(Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture));
                case MemberExpression { Member: PropertyInfo p } m when m.Expression == facts && FactOfProperty.TryGetValue(p, out var fact):
                    return FactCatalog.All[fact].IsBoolean ? Value.OfSet(ValueSets[fact][1], owned: false) : Value.OfFact(fact);
                case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Method is null:
                    return Eval(u.Operand);
                case UnaryExpression { NodeType: ExpressionType.Not } u when u.Type == typeof(bool):
                    return Eval(u.Operand) is { Set: { } operand } inner ? Value.OfSet(inner.Owned ? NotInPlace(operand) : Not(operand)) : null;
                case BinaryExpression b when b.Method is null:
                    return Binary(b);
                case ConditionalExpression c when c.Type == typeof(bool):
                {
                    if (Set(c.Test) is not { } test || Set(c.IfTrue) is not { } yes || Set(c.IfFalse) is not { } no)
                    {
                        return null;
                    }

                    var result = new ulong[Words];
                    for (var i = 0; i < Words; i++)
                    {
                        result[i] = (test[i] & yes[i]) | (~test[i] & no[i]);
                    }

                    return Value.OfSet(result);
                }

                case MethodCallExpression call when call.Method.DeclaringType == typeof(RuleFunctions) && call.Method.ReturnType == typeof(bool):
                    return Call(call);
                default:
                    return null;
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private Value? Binary(BinaryExpression b)
        {
            if (b.NodeType is ExpressionType.Equal or ExpressionType.NotEqual)
            {
                if (Eval(b.Left) is not { } left || Eval(b.Right) is not { } right || Equal(left, right) is not { } equal)
                {
                    return null;
                }

                return b.NodeType == ExpressionType.Equal ? equal : Value.OfSet(equal.Owned ? NotInPlace(equal.Set!) : Not(equal.Set!));
            }

            if (b.Type != typeof(bool)
                || b.NodeType is not (ExpressionType.AndAlso or ExpressionType.And or ExpressionType.OrElse or ExpressionType.Or or ExpressionType.ExclusiveOr)
                || Eval(b.Left) is not { Set: { } l } lv || Eval(b.Right) is not { Set: { } r } rv)
            {
                return null;
            }

            var result = lv.Owned ? l : rv.Owned ? r : new ulong[Words];
            switch (b.NodeType)
            {
                case ExpressionType.AndAlso or ExpressionType.And:
                    for (var i = 0; i < result.Length; i++)
                    {
                        result[i] = l[i] & r[i];
                    }

                    break;
                case ExpressionType.OrElse or ExpressionType.Or:
                    for (var i = 0; i < result.Length; i++)
                    {
                        result[i] = l[i] | r[i];
                    }

                    break;
                default:
                    for (var i = 0; i < result.Length; i++)
                    {
                        result[i] = l[i] ^ r[i];
                    }

                    break;
            }

            return Value.OfSet(result);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private static Value? Equal(Value left, Value right)
        {
            if (left.Set is { } ls && right.Set is { } rs)
            {
                var result = left.Owned ? ls : right.Owned ? rs : new ulong[Words];
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = ~(ls[i] ^ rs[i]);
                }

                result[^1] &= LastWordMask;
                return Value.OfSet(result);
            }

            if (left.IsConstant && right.IsFact)
            {
                (left, right) = (right, left);
            }

            if (left.IsFact && right.IsConstant)
            {
                var sets = ValueSets[left.Fact];
                return right.Constant >= 0 && right.Constant < sets.Length ? Value.OfSet(sets[right.Constant], owned: false) : Value.OfSet(new ulong[Words]);
            }

            if (left.IsFact && right.IsFact)
            {
                var a = ValueSets[left.Fact];
                var b = ValueSets[right.Fact];
                var result = new ulong[Words];
                for (var v = 0; v < Math.Min(a.Length, b.Length); v++)
                {
                    for (var i = 0; i < Words; i++)
                    {
                        result[i] |= a[v][i] & b[v][i];
                    }
                }

                return Value.OfSet(result);
            }

            if (left.IsConstant && right.IsConstant)
            {
                return Value.OfSet(left.Constant == right.Constant ? Full() : new ulong[Words]);
            }

            return null;
        }

        private Value? Call(MethodCallExpression call)
        {
            var args = new Value[call.Arguments.Count];
            for (var i = 0; i < args.Length; i++)
            {
                if (Eval(call.Arguments[i]) is not { } v)
                {
                    return null;
                }

                args[i] = v;
            }

            if (call.Method.Name == nameof(RuleFunctions.Implies) && args is [{ Set: { } a }, { Set: { } b }])
            {
                var result = Not(a);
                Or(result, b);
                return Value.OfSet(result);
            }

            if (call.Method.Name == nameof(RuleFunctions.ExactlyOne) && args is [{ Set: { } x }, { Set: { } y }])
            {
                var result = new ulong[Words];
                for (var i = 0; i < Words; i++)
                {
                    result[i] = x[i] ^ y[i];
                }

                return Value.OfSet(result);
            }

            // A function of one enum fact: the union of the sets of the values it holds for.
            if (args is [{ IsFact: true } only] && call.Method.GetParameters() is [{ ParameterType.IsEnum: true } parameter])
            {
                var sets = ValueSets[only.Fact];
                var result = new ulong[Words];
                for (var v = 0; v < sets.Length; v++)
                {
                    if ((bool)call.Method.Invoke(null, [Enum.ToObject(parameter.ParameterType, v)])!)
                    {
                        Or(result, sets[v]);
                    }
                }

                return Value.OfSet(result);
            }

            return null;
        }
    }
}
