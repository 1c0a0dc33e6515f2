using System.Collections.Immutable;
using System.Linq.Expressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Compilation;

/// <summary>A test of a change's facts, taking them by reference (no copy of the struct per call).</summary>
/// <param name="facts">The change's facts.</param>
/// <returns>Whether the test holds.</returns>
public delegate bool FactsPredicate(in ChangeFacts facts);

/// <summary>Picks the deciding rule's index; -1 when none matches; under unique, -(2 + i*n + j) when rules i and j both match.</summary>
internal delegate int RuleSelector(in ChangeFacts facts);

/// <summary>One compiled rule of a <see cref="CompiledRuleSet"/>. Immutable and thread-safe.</summary>
public sealed class CompiledRule
{
    private readonly Lazy<FactsPredicate> _matches;
    private readonly Lazy<FactsPredicate?> _expression;

    internal CompiledRule(RuleModel model, int index, Decision template, Lazy<FactsPredicate> matches, Lazy<FactsPredicate?> expression, Expression? expressionTree = null, ParameterExpression? factsParameter = null)
    {
        Model = model;
        Index = index;
        Template = template;
        _matches = matches;
        _expression = expression;
        ExpressionTree = expressionTree;
        FactsParameter = factsParameter;
    }

    /// <summary>The checked expression tree (null when the rule has no expression), for analyses that evaluate it symbolically.</summary>
    internal Expression? ExpressionTree { get; }

    /// <summary>The facts parameter <see cref="ExpressionTree"/> reads.</summary>
    internal ParameterExpression? FactsParameter { get; }

    /// <summary>The rule's name.</summary>
    public string Name => Model.Name;

    /// <summary>The rule as written.</summary>
    public RuleModel Model { get; }

    /// <summary>The rule's position in evaluation order (priority descending, ties in file order).</summary>
    public int Index { get; }

    /// <summary>The decision this rule makes, with the target as written (possibly <see cref="DecisionTarget.Opposite"/>).</summary>
    public Decision Template { get; }

    /// <summary>Where the rule is written.</summary>
    public SourceLocation SourceLocation => Model.Location;

    /// <summary>Whether the rule's conditions and expression all hold for <paramref name="facts"/>.</summary>
    public bool Matches(in ChangeFacts facts) => _matches.Value(in facts);

    /// <summary>Whether the rule's expression holds (true when the rule has none).</summary>
    internal bool ExpressionHolds(in ChangeFacts facts) => _expression.Value?.Invoke(in facts) ?? true;
}

/// <summary>
/// A rule set compiled once into a single delegate that picks the deciding rule, plus one pre-built
/// <see cref="Decision"/> per rule and observing side, so <see cref="Decide"/> allocates nothing. Implements
/// <see cref="IDecisionPolicy"/>. Immutable and thread-safe.
/// </summary>
public sealed class CompiledRuleSet : IDecisionPolicy
{
    private readonly Expression<RuleSelector> _selector;
    private readonly Decision[] _decisions;

    // Compiled on first use: lint and table never decide, and compiling 1,000 long rules takes a while. Two threads
    // racing compile the same tree twice at worst; either delegate is correct.
    private RuleSelector? _select;

    internal CompiledRuleSet(RuleSetModel model, string hash, ImmutableArray<CompiledRule> rules, Expression<RuleSelector> selector, Decision[] decisions)
    {
        Model = model;
        Hash = hash;
        Rules = rules;
        _selector = selector;
        _decisions = decisions;
    }

    private RuleSelector Selector => _select ??= _selector.Compile();

    /// <summary>The rule set's name.</summary>
    public string Name => Model.Name;

    /// <inheritdoc />
    public string Hash { get; }

    /// <summary>How the deciding rule is picked.</summary>
    public HitPolicy HitPolicy => Model.HitPolicy;

    /// <summary>The rules in evaluation order.</summary>
    public ImmutableArray<CompiledRule> Rules { get; }

    /// <summary>The rule set as written.</summary>
    public RuleSetModel Model { get; }

    /// <summary>
    /// Decides a change: under <c>first</c> the first matching rule in priority order, under <c>unique</c> the only
    /// matching one. Allocation-free unless it throws.
    /// </summary>
    /// <exception cref="NoRuleMatchedException">No rule matches.</exception>
    /// <exception cref="RuleConflictException">Under unique, two rules match.</exception>
    public Decision Decide(in ChangeFacts facts)
    {
        var index = Selector(in facts);
        if (index >= 0)
        {
            return _decisions[(index << 1) | (int)facts.Source];
        }

        throw Failure(index, facts);
    }

    /// <summary>Decides a change without throwing: false (and a null decision) when no rule or, under unique, two rules match.</summary>
    public bool TryDecide(in ChangeFacts facts, out Decision? decision)
    {
        var index = Selector(in facts);
        decision = index >= 0 ? _decisions[(index << 1) | (int)facts.Source] : null;
        return decision is not null;
    }

    /// <summary>The index (in <see cref="Rules"/>) of the deciding rule; -1 when none; -2 or less for a unique conflict.</summary>
    internal int Select(in ChangeFacts facts) => Selector(in facts);

    /// <summary>The decision, the deciding rule, and every rule considered with the conditions that held or failed.</summary>
    public RuleExplanation Explain(in ChangeFacts facts)
    {
        var index = Selector(in facts);
        var traces = ImmutableArray.CreateBuilder<RuleTrace>(Rules.Length);
        foreach (var rule in Rules)
        {
            var conditions = ImmutableArray.CreateBuilder<ConditionTrace>();
            foreach (var c in rule.Model.When)
            {
                conditions.Add(new ConditionTrace(c.ToString(), $"{c.Fact.Name}={c.Fact.ValueOf(facts)}", c.Holds(facts), c.Location));
            }

            if (rule.Model.Expression is { } e)
            {
                conditions.Add(new ConditionTrace(e.Text, string.Empty, rule.ExpressionHolds(facts), e.Location));
            }

            traces.Add(new RuleTrace(rule.Name, rule.SourceLocation, rule.Matches(facts), rule.Index == index, conditions.ToImmutable()));
        }

        Decision? decision = index >= 0 ? _decisions[(index << 1) | (int)facts.Source] : null;
        var error = index >= 0 ? null : Failure(index, facts).Message;
        return new RuleExplanation(FactCatalog.Describe(facts), decision, error, traces.MoveToImmutable());
    }

    private InvalidOperationException Failure(int index, in ChangeFacts facts)
    {
        if (index == -1)
        {
            return new NoRuleMatchedException(Name, facts);
        }

        var pair = -index - 2;
        return new RuleConflictException(Name, Rules[pair / Rules.Length].Name, Rules[pair % Rules.Length].Name, facts);
    }
}
