using System.Collections.Immutable;
using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Rules.Compilation;

/// <summary>The result of loading and compiling a rule file.</summary>
/// <param name="RuleSet">The compiled rule set, or null when the file has errors.</param>
/// <param name="Diagnostics">Every diagnostic of loading.</param>
public sealed record RuleSetCompileResult(CompiledRuleSet? RuleSet, ImmutableArray<RuleDiagnostic> Diagnostics)
{
    /// <summary>Whether the file loaded and compiled.</summary>
    public bool Succeeded => RuleSet is not null;
}

/// <summary>
/// Compiles a rule set once: every rule's structured conditions (as bit-mask tests on the facts) and its
/// expression (parsed by RulesEngine's <c>RuleExpressionParser</c> through the <see cref="ExpressionSandbox"/>)
/// become one expression tree that returns the deciding rule's index, compiled to a single delegate. Nothing is
/// compiled per change. Thread-safe.
/// </summary>
public static class RuleSetCompiler
{
    /// <summary>Loads (see <see cref="RuleSetLoader"/>) and compiles the rule set in <paramref name="text"/>.</summary>
    public static RuleSetCompileResult Load(string sourceName, string text)
    {
        var loaded = RuleSetLoader.Load(sourceName, text);
        return loaded.Model is null
            ? new RuleSetCompileResult(null, loaded.Diagnostics)
            : new RuleSetCompileResult(Compile(loaded.Model, text), loaded.Diagnostics);
    }

    /// <summary>Compiles a model whose source text is not at hand; the hash is taken over its saved YAML.</summary>
    public static CompiledRuleSet Compile(RuleSetModel model) => Compile(model, RuleSetWriter.Write(model));

    /// <summary>Compiles <paramref name="model"/>, loaded from <paramref name="sourceText"/> (hashed with SHA-256).</summary>
    /// <exception cref="RuleSetInvalidException">An expression of a model built in code is refused by the sandbox.</exception>
    public static CompiledRuleSet Compile(RuleSetModel model, string sourceText)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sourceText);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceText)));
        var ordered = model.RulesInPriorityOrder;
        var facts = Expression.Parameter(typeof(ChangeFacts).MakeByRefType(), "facts");

        var bodies = new Expression[ordered.Length];
        var rules = ImmutableArray.CreateBuilder<CompiledRule>(ordered.Length);
        var decisions = new Decision[ordered.Length * 2];
        for (var i = 0; i < ordered.Length; i++)
        {
            var rule = ordered[i];
            var expression = rule.Expression is null ? null : ParseExpression(rule, facts);
            bodies[i] = RuleBody(rule, facts, expression);
            var body = bodies[i];
            var matches = new Lazy<FactsPredicate>(() => Expression.Lambda<FactsPredicate>(body, facts).Compile());
            var expressionOnly = new Lazy<FactsPredicate?>(() => expression is null ? null : Expression.Lambda<FactsPredicate>(expression, facts).Compile());
            var template = new Decision(rule.Decide, rule.Target, rule.Name, hash, rule.Because);
            rules.Add(new CompiledRule(rule, i, template, matches, expressionOnly, expression, facts));
            foreach (var source in new[] { ChangeSource.Mailbox, ChangeSource.Crm })
            {
                decisions[(i << 1) | (int)source] = template with { Target = Decision.Resolve(rule.Target, source) };
            }
        }

        var selector = model.HitPolicy == HitPolicy.First ? FirstSelector(bodies, facts) : UniqueSelector(bodies, facts);
        return new CompiledRuleSet(model, hash, rules.MoveToImmutable(), selector, decisions);
    }

    /// <summary>The rule's conditions AND its expression (true for an empty rule).</summary>
    internal static Expression RuleBody(RuleModel rule, ParameterExpression facts, Expression? expression)
    {
        Expression? body = null;
        foreach (var condition in rule.When)
        {
            body = And(body, Condition(condition, facts));
        }

        if (expression is not null)
        {
            body = And(body, expression);
        }

        return body ?? Expression.Constant(true);
    }

    internal static Expression ParseExpression(RuleModel rule, ParameterExpression facts)
    {
        var checkedExpression = ExpressionSandbox.Check(rule.Expression!.Text, facts);
        return checkedExpression.Body
            ?? throw new RuleSetInvalidException($"{rule.Expression.Location}: rule '{rule.Name}': {checkedExpression.Error}");
    }

    private static Expression And(Expression? left, Expression right) => left is null ? right : Expression.AndAlso(left, right);

    /// <summary>A condition as a test on the fact's property: equality for one value, a bit-mask test for a set.</summary>
    private static Expression Condition(FactCondition condition, ParameterExpression facts)
    {
        var fact = condition.Fact;
        var property = Expression.Property(facts, FactNames.Property(fact));
        var all = (1UL << fact.Values.Length) - 1;
        var mask = condition.AcceptedMask;
        if (mask == all)
        {
            return Expression.Constant(true);
        }

        if (mask == 0)
        {
            return Expression.Constant(false);
        }

        if (ulong.PopCount(mask) == 1)
        {
            var only = System.Numerics.BitOperations.TrailingZeroCount(mask);
            return fact.IsBoolean
                ? (only == 1 ? property : Expression.Not(property))
                : Expression.Equal(property, Expression.Constant(ValueOf(fact, only), fact.ClrType));
        }

        if (ulong.PopCount(all & ~mask) == 1)
        {
            var excluded = System.Numerics.BitOperations.TrailingZeroCount(all & ~mask);
            return Expression.NotEqual(property, Expression.Constant(ValueOf(fact, excluded), fact.ClrType));
        }

        // ((1 << (int)facts.Kind) & mask) != 0; an enum member's value is its index in the domain (checked below).
        var bit = Expression.LeftShift(Expression.Constant(1), Expression.Convert(property, typeof(int)));
        return Expression.NotEqual(Expression.And(bit, Expression.Constant(checked((int)mask))), Expression.Constant(0));
    }

    private static object ValueOf(FactDefinition fact, int index)
    {
        var value = Enum.GetValuesAsUnderlyingType(fact.ClrType).GetValue(index)!;
        if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) != index)
        {
            throw new InvalidOperationException($"enum {fact.ClrType.Name} must number its members 0..n-1 in declaration order");
        }

        return Enum.ToObject(fact.ClrType, index);
    }

    private static Expression<RuleSelector> FirstSelector(Expression[] bodies, ParameterExpression facts)
    {
        var done = Expression.Label(typeof(int), "done");
        var statements = new List<Expression>(bodies.Length + 1);
        for (var i = 0; i < bodies.Length; i++)
        {
            statements.Add(Expression.IfThen(bodies[i], Expression.Return(done, Expression.Constant(i))));
        }

        statements.Add(Expression.Label(done, Expression.Constant(-1)));
        return Expression.Lambda<RuleSelector>(Expression.Block(statements), facts);
    }

    private static Expression<RuleSelector> UniqueSelector(Expression[] bodies, ParameterExpression facts)
    {
        var done = Expression.Label(typeof(int), "done");
        var first = Expression.Variable(typeof(int), "first");
        var n = bodies.Length;
        var statements = new List<Expression>(bodies.Length + 2) { Expression.Assign(first, Expression.Constant(-1)) };
        for (var i = 0; i < n; i++)
        {
            // Conflict code -(2 + first*n + i) names both rules.
            var conflict = Expression.Subtract(Expression.Constant(-2 - i), Expression.Multiply(first, Expression.Constant(n)));
            statements.Add(Expression.IfThen(
                bodies[i],
                Expression.Block(
                    Expression.IfThen(Expression.GreaterThanOrEqual(first, Expression.Constant(0)), Expression.Return(done, conflict)),
                    Expression.Assign(first, Expression.Constant(i)))));
        }

        statements.Add(Expression.Label(done, first));
        return Expression.Lambda<RuleSelector>(Expression.Block([first], statements), facts);
    }
}
