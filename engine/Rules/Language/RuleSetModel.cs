using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Rules.Language;

/// <summary>The operator of a structured condition.</summary>
public enum ConditionOperator
{
    /// <summary>The fact has the one given value (YAML: a scalar, or <c>{equals: v}</c>).</summary>
    Equals,

    /// <summary>The fact has any value but the given one (YAML: <c>{not: v}</c>).</summary>
    NotEquals,

    /// <summary>The fact has one of the given values (YAML: a list, or <c>{in: [..]}</c>).</summary>
    In,

    /// <summary>The fact has none of the given values (YAML: <c>{notIn: [..]}</c>).</summary>
    NotIn,
}

/// <summary>
/// One structured condition of a rule's <c>when</c>: a fact, an operator and values from the fact's domain
/// (held as indices into <see cref="FactDefinition.Values"/>). Equality ignores <see cref="Location"/>. Immutable.
/// </summary>
/// <param name="Fact">The fact tested.</param>
/// <param name="Operator">How the values are used.</param>
/// <param name="Values">Indices into the fact's domain, in the order written.</param>
/// <param name="Location">Where the condition is written.</param>
public sealed record FactCondition(FactDefinition Fact, ConditionOperator Operator, ImmutableArray<int> Values, SourceLocation Location)
{
    /// <summary>The set of value indices this condition accepts, as a bit mask over the fact's domain.</summary>
    public ulong AcceptedMask
    {
        get
        {
            ulong mask = 0;
            foreach (var v in Values)
            {
                mask |= 1UL << v;
            }

            var all = (1UL << Fact.Values.Length) - 1;
            return Operator is ConditionOperator.Equals or ConditionOperator.In ? mask : all & ~mask;
        }
    }

    /// <summary>Whether the condition holds for the fact's value at <paramref name="valueIndex"/>.</summary>
    public bool Accepts(int valueIndex) => (AcceptedMask & (1UL << valueIndex)) != 0;

    /// <summary>Whether the condition holds for <paramref name="facts"/>.</summary>
    public bool Holds(in ChangeFacts facts) => Accepts(Fact.IndexOf(facts));

    /// <summary>The condition in words, e.g. <c>kind in [cancelled, deleted]</c>.</summary>
    public override string ToString()
    {
        var names = string.Join(", ", Values.Select(v => Fact.Values[v]));
        return Operator switch
        {
            ConditionOperator.Equals => $"{Fact.Name} = {names}",
            ConditionOperator.NotEquals => $"{Fact.Name} != {names}",
            ConditionOperator.In => $"{Fact.Name} in [{names}]",
            _ => $"{Fact.Name} not in [{names}]",
        };
    }

    /// <inheritdoc />
    public bool Equals(FactCondition? other) =>
        other is not null && Fact == other.Fact && Operator == other.Operator && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Fact.Name, Operator, Values.Length);
}

/// <summary>A Dynamic LINQ expression of a rule, as written, with where it is written. Equality ignores the location.</summary>
/// <param name="Text">The expression text.</param>
/// <param name="Location">Where the expression's text starts.</param>
public sealed record RuleExpression(string Text, SourceLocation Location)
{
    /// <inheritdoc />
    public bool Equals(RuleExpression? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);
}

/// <summary>
/// One rule: when its conditions (and its expression, if any) hold, it decides <see cref="Decide"/> on
/// <see cref="Target"/>. Equality ignores locations. Immutable.
/// </summary>
/// <param name="Name">Unique name within the rule set.</param>
/// <param name="Because">Why, in the author's words; becomes the decision's explanation.</param>
/// <param name="Priority">Higher runs first; ties keep file order.</param>
/// <param name="When">Structured conditions, all of which must hold.</param>
/// <param name="Expression">An optional expression AND-ed with <see cref="When"/>.</param>
/// <param name="Decide">The action.</param>
/// <param name="Target">The side acted on (may be <see cref="DecisionTarget.Opposite"/>).</param>
/// <param name="Location">Where the rule starts.</param>
/// <param name="UnreachableReason">
/// Set when the rule is marked <c>expectUnreachable: true</c>: why the simulated world never makes it fire (the
/// release gate then lets it pass unfired); null for a rule <c>rulesync check</c> expects to fire.
/// </param>
public sealed record RuleModel(
    string Name,
    string Because,
    int Priority,
    ImmutableArray<FactCondition> When,
    RuleExpression? Expression,
    DecisionAction Decide,
    DecisionTarget Target,
    SourceLocation Location,
    string? UnreachableReason = null)
{
    /// <summary>Whether the rule is marked <c>expectUnreachable: true</c>.</summary>
    public bool ExpectUnreachable => UnreachableReason is not null;

    /// <inheritdoc />
    public bool Equals(RuleModel? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Because, other.Because, StringComparison.Ordinal)
        && Priority == other.Priority
        && When.SequenceEqual(other.When)
        && Equals(Expression, other.Expression)
        && Decide == other.Decide
        && Target == other.Target
        && string.Equals(UnreachableReason, other.UnreachableReason, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), Priority, Decide, Target);
}

/// <summary>One fact set by a fixture's <c>given</c>. Equality ignores the location.</summary>
/// <param name="Fact">The fact.</param>
/// <param name="Value">Index into the fact's domain.</param>
/// <param name="Location">Where it is written.</param>
public sealed record FactAssignment(FactDefinition Fact, int Value, SourceLocation Location)
{
    /// <inheritdoc />
    public bool Equals(FactAssignment? other) => other is not null && Fact == other.Fact && Value == other.Value;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Fact.Name, Value);
}

/// <summary>
/// A fixture (<c>tests:</c> entry): facts given on top of <see cref="ChangeFacts.Default"/>, and the expected
/// decision, resolved target and rule. Equality ignores locations. Immutable.
/// </summary>
/// <param name="Name">Unique name within the rule set.</param>
/// <param name="Given">The facts set; the others keep <see cref="ChangeFacts.Default"/>.</param>
/// <param name="ExpectDecide">The expected action.</param>
/// <param name="ExpectTarget">The expected resolved target (crm or mailbox), or null to not check it.</param>
/// <param name="ExpectRule">The expected deciding rule, or null to not check it.</param>
/// <param name="Location">Where the fixture starts.</param>
public sealed record FixtureModel(
    string Name,
    ImmutableArray<FactAssignment> Given,
    DecisionAction ExpectDecide,
    DecisionTarget? ExpectTarget,
    string? ExpectRule,
    SourceLocation Location)
{
    /// <summary>The facts this fixture describes: <see cref="ChangeFacts.Default"/> with <see cref="Given"/> applied.</summary>
    public ChangeFacts Facts
    {
        get
        {
            var facts = ChangeFacts.Default;
            foreach (var g in Given)
            {
                facts = g.Fact.With(facts, g.Value);
            }

            return facts;
        }
    }

    /// <inheritdoc />
    public bool Equals(FixtureModel? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && Given.SequenceEqual(other.Given)
        && ExpectDecide == other.ExpectDecide
        && ExpectTarget == other.ExpectTarget
        && string.Equals(ExpectRule, other.ExpectRule, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), ExpectDecide);
}

/// <summary>
/// A parsed, checked rule set, as written (rules in file order). Plain data: <see cref="Compilation.RuleSetCompiler"/>
/// turns it into a <see cref="Compilation.CompiledRuleSet"/>. Equality is structural and ignores locations
/// and <see cref="SourceName"/>. Immutable.
/// </summary>
/// <param name="Name">The rule set's name.</param>
/// <param name="Description">What the rule set is for.</param>
/// <param name="HitPolicy">How the deciding rule is picked.</param>
/// <param name="Rules">The rules in file order.</param>
/// <param name="Tests">The fixtures in file order.</param>
/// <param name="SourceName">The name the rule set was loaded under.</param>
public sealed record RuleSetModel(
    string Name,
    string Description,
    HitPolicy HitPolicy,
    ImmutableArray<RuleModel> Rules,
    ImmutableArray<FixtureModel> Tests,
    string SourceName)
{
    /// <summary>The rules in evaluation order: priority descending, ties in file order.</summary>
    public ImmutableArray<RuleModel> RulesInPriorityOrder =>
        [.. Rules.Select((r, i) => (r, i)).OrderByDescending(p => p.r.Priority).ThenBy(p => p.i).Select(p => p.r)];

    /// <inheritdoc />
    public bool Equals(RuleSetModel? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && HitPolicy == other.HitPolicy
        && Rules.SequenceEqual(other.Rules)
        && Tests.SequenceEqual(other.Tests);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), HitPolicy, Rules.Length, Tests.Length);
}
