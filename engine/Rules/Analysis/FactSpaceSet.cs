using System.Linq.Expressions;
using System.Numerics;
using System.Reflection;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Rules.Analysis;

/// <summary>
/// Sets of fact combinations as bitsets over a <see cref="FactSubspace"/> (bit <c>code</c> of its
/// <see cref="FactSubspace.Encode"/>; the whole space by default),
/// and the set a rule matches, computed without evaluating the rule point by point: a condition is the union of
/// its values' sets, an expression is evaluated symbolically over sets (<c>==</c> on a fact and a value is that
/// value's set, <c>&amp;&amp;</c> is intersection, <c>!</c> complement, <c>iif</c> a blend, <c>RuleFunctions</c>
/// calls over the fact's values). That keeps lint of a 1 MiB file of long expressions to a fraction of a second;
/// an expression shape it does not know falls back to evaluating the compiled rule at every point, which is exact
/// too. Thread-safe.
/// </summary>
internal static class FactSpaceSet
{
    /// <summary>The combinations of <paramref name="space"/> (the whole space when null) <paramref name="rule"/> matches.</summary>
    /// <exception cref="ArgumentException">The rule reads a fact <paramref name="space"/> does not keep.</exception>
    public static ulong[] Matches(CompiledRule rule, FactSubspace? space = null)
    {
        space ??= FactSubspace.Whole;
        if ((FactSubspace.Read(rule) & ~space.KeptMask) != 0)
        {
            throw new ArgumentException($"rule '{rule.Name}' reads facts the subspace does not keep", nameof(space));
        }

        var set = Full(space);
        foreach (var condition in rule.Model.When)
        {
            And(set, Of(condition, space));
        }

        if (rule.ExpressionTree is { } tree && rule.FactsParameter is { } facts)
        {
            if (new Evaluator(facts, space).Set(tree) is { } expression)
            {
                And(set, expression);
            }
            else
            {
                And(set, PointByPoint(rule, space));
            }
        }

        return set;
    }

    /// <summary>Every combination of <paramref name="space"/> (the whole space when null).</summary>
    public static ulong[] Full(FactSubspace? space = null)
    {
        space ??= FactSubspace.Whole;
        var set = new ulong[space.Words];
        Array.Fill(set, ulong.MaxValue);
        set[^1] = space.LastWordMask;
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

    /// <summary>The complement of <paramref name="set"/> in <paramref name="space"/>, as a new set.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static ulong[] Not(ulong[] set, FactSubspace space)
    {
        var result = new ulong[set.Length];
        for (var i = 0; i < set.Length; i++)
        {
            result[i] = ~set[i];
        }

        result[^1] &= space.LastWordMask;
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ulong[] NotInPlace(ulong[] set, FactSubspace space)
    {
        for (var i = 0; i < set.Length; i++)
        {
            set[i] = ~set[i];
        }

        set[^1] &= space.LastWordMask;
        return set;
    }

    private static ulong[] Of(FactCondition condition, FactSubspace space)
    {
        var set = new ulong[space.Words];
        var sets = space.ValueSets[FactCatalog.All.IndexOf(condition.Fact)];
        var mask = condition.AcceptedMask;
        for (var v = 0; v < sets.Length; v++)
        {
            if ((mask & (1UL << v)) != 0)
            {
                Or(set, sets[v]!);
            }
        }

        return set;
    }

    private static ulong[] PointByPoint(CompiledRule rule, FactSubspace space)
    {
        var set = new ulong[space.Words];
        for (var code = 0; code < space.Size; code++)
        {
            if (rule.ExpressionHolds(space.Decode(code)))
            {
                set[code >> 6] |= 1UL << (code & 63);
            }
        }

        return set;
    }

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
    private sealed class Evaluator(ParameterExpression facts, FactSubspace space)
    {
        public ulong[]? Set(Expression node) => Eval(node) is { Set: { } set } ? set : null;

        private Value? Eval(Expression node)
        {
            switch (node)
            {
                case ConstantExpression { Value: bool b }:
                    return Value.OfSet(b ? Full(space) : new ulong[space.Words]);
                case ConstantExpression { Value: { } v } c when c.Type.IsEnum || v is int or long or short or byte:
                    return Value.OfConstant(Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture));
                case MemberExpression { Member: PropertyInfo p } m when m.Expression == facts && FactSubspace.FactOfProperty.TryGetValue(p, out var fact):
                    return FactCatalog.All[fact].IsBoolean ? Value.OfSet(space.ValueSets[fact][1]!, owned: false) : Value.OfFact(fact);
                case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Method is null:
                    return Eval(u.Operand);
                case UnaryExpression { NodeType: ExpressionType.Not } u when u.Type == typeof(bool):
                    return Eval(u.Operand) is { Set: { } operand } inner ? Value.OfSet(inner.Owned ? NotInPlace(operand, space) : Not(operand, space)) : null;
                case BinaryExpression b when b.Method is null:
                    return Binary(b);
                case ConditionalExpression c when c.Type == typeof(bool):
                {
                    if (Set(c.Test) is not { } test || Set(c.IfTrue) is not { } yes || Set(c.IfFalse) is not { } no)
                    {
                        return null;
                    }

                    var result = new ulong[space.Words];
                    for (var i = 0; i < space.Words; i++)
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

                return b.NodeType == ExpressionType.Equal ? equal : Value.OfSet(equal.Owned ? NotInPlace(equal.Set!, space) : Not(equal.Set!, space));
            }

            if (b.Type != typeof(bool)
                || b.NodeType is not (ExpressionType.AndAlso or ExpressionType.And or ExpressionType.OrElse or ExpressionType.Or or ExpressionType.ExclusiveOr)
                || Eval(b.Left) is not { Set: { } l } lv || Eval(b.Right) is not { Set: { } r } rv)
            {
                return null;
            }

            var result = lv.Owned ? l : rv.Owned ? r : new ulong[space.Words];
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
        private Value? Equal(Value left, Value right)
        {
            if (left.Set is { } ls && right.Set is { } rs)
            {
                var result = left.Owned ? ls : right.Owned ? rs : new ulong[space.Words];
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = ~(ls[i] ^ rs[i]);
                }

                result[^1] &= space.LastWordMask;
                return Value.OfSet(result);
            }

            if (left.IsConstant && right.IsFact)
            {
                (left, right) = (right, left);
            }

            if (left.IsFact && right.IsConstant)
            {
                var sets = space.ValueSets[left.Fact];
                return right.Constant >= 0 && right.Constant < sets.Length ? Value.OfSet(sets[right.Constant]!, owned: false) : Value.OfSet(new ulong[space.Words]);
            }

            if (left.IsFact && right.IsFact)
            {
                var a = space.ValueSets[left.Fact];
                var b = space.ValueSets[right.Fact];
                var result = new ulong[space.Words];
                for (var v = 0; v < Math.Min(a.Length, b.Length); v++)
                {
                    for (var i = 0; i < space.Words; i++)
                    {
                        result[i] |= a[v]![i] & b[v]![i];
                    }
                }

                return Value.OfSet(result);
            }

            if (left.IsConstant && right.IsConstant)
            {
                return Value.OfSet(left.Constant == right.Constant ? Full(space) : new ulong[space.Words]);
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
                var result = Not(a, space);
                Or(result, b);
                return Value.OfSet(result);
            }

            if (call.Method.Name == nameof(RuleFunctions.ExactlyOne) && args is [{ Set: { } x }, { Set: { } y }])
            {
                var result = new ulong[space.Words];
                for (var i = 0; i < space.Words; i++)
                {
                    result[i] = x[i] ^ y[i];
                }

                return Value.OfSet(result);
            }

            // A function of one enum fact: the union of the sets of the values it holds for.
            if (args is [{ IsFact: true } only] && call.Method.GetParameters() is [{ ParameterType.IsEnum: true } parameter])
            {
                var sets = space.ValueSets[only.Fact];
                var result = new ulong[space.Words];
                for (var v = 0; v < sets.Length; v++)
                {
                    if ((bool)call.Method.Invoke(null, [Enum.ToObject(parameter.ParameterType, v)])!)
                    {
                        Or(result, sets[v]!);
                    }
                }

                return Value.OfSet(result);
            }

            return null;
        }
    }
}
