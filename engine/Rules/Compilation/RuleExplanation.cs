using System.Collections.Immutable;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Compilation;

/// <summary>One condition of a rule, evaluated for one change.</summary>
/// <param name="Condition">The condition as written, e.g. <c>kind in [cancelled, deleted]</c>, or the expression text.</param>
/// <param name="Actual">The fact's value in the change (<c>kind=deleted</c>), or empty for an expression.</param>
/// <param name="Held">Whether it held.</param>
/// <param name="Location">Where it is written.</param>
public sealed record ConditionTrace(string Condition, string Actual, bool Held, SourceLocation Location);

/// <summary>One rule considered for one change.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Location">Where the rule is written.</param>
/// <param name="Matched">Whether every condition held.</param>
/// <param name="Chosen">Whether this rule made the decision.</param>
/// <param name="Conditions">Each condition, held or failed (an empty <c>when</c> has none and always matches).</param>
public sealed record RuleTrace(string Rule, SourceLocation Location, bool Matched, bool Chosen, ImmutableArray<ConditionTrace> Conditions);

/// <summary>Why a rule set decides a change the way it does.</summary>
/// <param name="Facts">The change's facts, as <c>name=value</c> pairs.</param>
/// <param name="Decision">The decision, or null when no rule (or, under unique, more than one rule) matched.</param>
/// <param name="Error">Why there is no decision.</param>
/// <param name="Rules">Every rule in evaluation order with its conditions.</param>
public sealed record RuleExplanation(string Facts, Decision? Decision, string? Error, ImmutableArray<RuleTrace> Rules);
