using System.Collections.Immutable;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Fixtures;

/// <summary>The outcome of one fixture.</summary>
/// <param name="Name">The fixture's name.</param>
/// <param name="Passed">Whether the actual decision matched every expectation.</param>
/// <param name="Expected">The expectation, e.g. <c>cancel mailbox (rule crm-cancel-cancels-meeting)</c>.</param>
/// <param name="Actual">What the rule set decided, or why it could not.</param>
/// <param name="Location">Where the fixture is written.</param>
public sealed record FixtureResult(string Name, bool Passed, string Expected, string Actual, SourceLocation Location)
{
    /// <summary>Renders as <c>file:line:col: PASS|FAIL name: expected ..., actual ...</c>.</summary>
    public override string ToString() =>
        $"{Location}: {(Passed ? "PASS" : "FAIL")} {Name}" + (Passed ? string.Empty : $": expected {Expected}, actual {Actual}");
}

/// <summary>The outcome of every fixture of a rule set, and the rules no fixture exercises.</summary>
/// <param name="Results">One result per fixture, in file order.</param>
/// <param name="UnexercisedRules">Rules (in evaluation order) that decide no fixture.</param>
public sealed record FixtureReport(ImmutableArray<FixtureResult> Results, ImmutableArray<string> UnexercisedRules)
{
    /// <summary>Whether every fixture passed.</summary>
    public bool AllPassed => Results.All(r => r.Passed);

    /// <summary>How many fixtures failed.</summary>
    public int FailedCount => Results.Count(r => !r.Passed);
}

/// <summary>Runs a rule set's <c>tests:</c> (in the spirit of <c>opa test</c>). Thread-safe.</summary>
public static class FixtureRunner
{
    /// <summary>Runs every fixture of <paramref name="ruleSet"/>'s model against it.</summary>
    public static FixtureReport Run(CompiledRuleSet ruleSet)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        var exercised = new HashSet<string>(StringComparer.Ordinal);
        var results = ImmutableArray.CreateBuilder<FixtureResult>(ruleSet.Model.Tests.Length);
        foreach (var fixture in ruleSet.Model.Tests)
        {
            var expected = RuleSetWriter.Action(fixture.ExpectDecide)
                + (fixture.ExpectTarget is { } t ? " " + RuleSetWriter.Target(t) : string.Empty)
                + (fixture.ExpectRule is { } r ? $" (rule {r})" : string.Empty);
            var facts = fixture.Facts;
            var explanation = ruleSet.Explain(facts);
            if (explanation.Decision is not { } decision)
            {
                results.Add(new FixtureResult(fixture.Name, false, expected, explanation.Error ?? "no decision", fixture.Location));
                continue;
            }

            exercised.Add(decision.Rule);
            var passed = decision.Action == fixture.ExpectDecide
                && (fixture.ExpectTarget is null || fixture.ExpectTarget == decision.Target)
                && (fixture.ExpectRule is null || string.Equals(fixture.ExpectRule, decision.Rule, StringComparison.Ordinal));
            var actual = $"{RuleSetWriter.Action(decision.Action)} {RuleSetWriter.Target(decision.Target)} (rule {decision.Rule})";
            results.Add(new FixtureResult(fixture.Name, passed, expected, actual, fixture.Location));
        }

        var unexercised = ruleSet.Rules.Select(r => r.Name).Where(n => !exercised.Contains(n)).ToImmutableArray();
        return new FixtureReport(results.MoveToImmutable(), unexercised);
    }
}
