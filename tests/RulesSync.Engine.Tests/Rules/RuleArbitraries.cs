using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules;

/// <summary>
/// Named, bounded generators for the rule-language properties: fact combinations anywhere in the fact space,
/// and whole rule-set models (1–6 rules, up to 4 conditions each, every operator, sandboxed expressions,
/// awkward free text, fixtures). Use with <c>[Property(Arbitrary = [typeof(RuleArbitraries)], MaxTest = ...)]</c>.
/// </summary>
public static class RuleArbitraries
{
    private static readonly SourceLocation Nowhere = new("generated", 1, 1);

    /// <summary>Expressions the sandbox accepts, to mix into generated rules.</summary>
    internal static readonly string[] Expressions =
    [
        "kind == \"deleted\" && !ownsRecord",
        "RuleFunctions.IsRemoval(kind)",
        "link != \"other\" || autoShare",
        "RuleFunctions.Implies(role == \"attendee\", apiVersion == \"v2\")",
        "iif(timing == \"past\", false, employeeAttendees)",
        "RuleFunctions.ExactlyOne(externalAttendees, source == \"crm\")",
        "!(meetingType == \"visit\") && provider != \"google\"",
        "inSyncWindow == true && (link == \"this\" || link == \"unlinked\")",
    ];

    private static readonly string[] TextPieces =
        ["a", "Z", "0", " ", "-", ":", ": ", "#", " #", "\"", "'", "\\", "\n", "\t", "é", "€", "😀", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "null", "true", "~", "\u0085", "\u2028"];

    public static Arbitrary<ChangeFacts> Facts() =>
        Gen.Choose(0, FactCatalog.SpaceSize - 1).Select(FactCatalog.Decode).ToArbitrary();

    public static Arbitrary<RuleSetModel> RuleSets() => RuleSetGen().ToArbitrary();

    internal static Gen<string> Text() =>
        from pieces in Gen.ArrayOf(Gen.Elements(TextPieces), 8)
        from length in Gen.Choose(0, 8)
        select string.Concat(pieces.Take(length));

    internal static Gen<FactCondition> Condition(FactDefinition fact)
    {
        var n = fact.Values.Length;
        return from op in Gen.Elements(ConditionOperator.Equals, ConditionOperator.NotEquals, ConditionOperator.In, ConditionOperator.NotIn)
               from order in Gen.Shuffle(Enumerable.Range(0, n).ToArray())
               from count in Gen.Choose(op is ConditionOperator.Equals or ConditionOperator.NotEquals ? 1 : 0, op is ConditionOperator.Equals or ConditionOperator.NotEquals ? 1 : n)
               select new FactCondition(fact, op, [.. order.Take(count)], Nowhere);
    }

    /// <summary>
    /// Random boolean expressions over the documented subset, up to <paramref name="depth"/> levels, with parentheses
    /// sometimes left out so both parsers' precedence is exercised.
    /// </summary>
    internal static Gen<string> ExpressionText(int depth)
    {
        var bools = FactCatalog.All.Where(f => f.IsBoolean).Select(f => f.Name).ToArray();
        var enums = FactCatalog.All.Where(f => !f.IsBoolean).ToArray();
        var leaf = Gen.OneOf(
            Gen.Elements(bools),
            Gen.Elements("true", "false"),
            Gen.Constant("RuleFunctions.IsRemoval(kind)"),
            from fact in Gen.Elements(enums)
            from value in Gen.Elements(fact.Values.ToArray())
            from op in Gen.Elements("==", "!=")
            from flip in Gen.Elements(false, true)
            select flip ? $"\"{value}\" {op} {fact.Name}" : $"{fact.Name} {op} \"{value}\"",
            from fact in Gen.Elements(bools)
            from value in Gen.Elements("true", "false")
            select $"{fact} == {value}");
        if (depth <= 0)
        {
            return leaf;
        }

        var sub = ExpressionText(depth - 1);
        return Gen.Frequency(
            (3, leaf),
            (2, from a in sub from b in sub from op in Gen.Elements("&&", "||") from paren in Gen.Elements(false, true)
                select paren ? $"({a}) {op} ({b})" : $"{a} {op} {b}"),
            (1, from a in sub from paren in Gen.Elements(false, true) select paren || a.Contains(' ', StringComparison.Ordinal) ? $"!({a})" : $"!{a}"),
            (1, from a in sub from b in sub select $"RuleFunctions.Implies({a}, {b})"),
            (1, from a in sub from b in sub select $"RuleFunctions.ExactlyOne({a}, {b})"),
            (1, from a in sub from b in sub from c in sub select $"iif({a}, {b}, {c})"));
    }

    /// <summary>Random expressions the sandbox accepts (a sample failing the length cap or nesting is replaced by a fixed one).</summary>
    internal static Gen<string> AcceptedExpression() =>
        Gen.Frequency((1, Gen.Elements(Expressions)), (3, ExpressionText(3)))
            .Select(e => e.Length <= Engine.Rules.Sandbox.ExpressionSandbox.MaxLength ? e : Expressions[0]);

    internal static Gen<RuleModel> Rule(int index) =>
        from facts in Gen.Shuffle(FactCatalog.All.ToArray())
        from conditionCount in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 4)))
        from conditions in Gen.CollectToArray(facts.Take(conditionCount).Select(Condition))
        from expression in Gen.Frequency((3, Gen.Constant<string?>(null)), (2, AcceptedExpression().Select(e => (string?)e)))
        from because in Text().Select(t => "because " + t)
        from priority in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(-2, 2)))
        from decide in Gen.Elements(Enum.GetValues<DecisionAction>())
        from target in Gen.Elements(Enum.GetValues<DecisionTarget>())
        select new RuleModel(
            $"r{index}",
            because,
            priority,
            [.. conditions],
            expression is null ? null : new RuleExpression(expression, Nowhere),
            decide,
            target,
            Nowhere);

    internal static Gen<FixtureModel> Fixture(int index, int ruleCount) =>
        from facts in Gen.Shuffle(FactCatalog.All.ToArray())
        from count in Gen.Choose(0, 4)
        from values in Gen.CollectToArray(facts.Take(count).Select(f => Gen.Choose(0, f.Values.Length - 1).Select(v => new FactAssignment(f, v, Nowhere))))
        from decide in Gen.Elements(Enum.GetValues<DecisionAction>())
        from target in Gen.Elements<DecisionTarget?>(null, DecisionTarget.Crm, DecisionTarget.Mailbox)
        from rule in Gen.Choose(-1, ruleCount - 1)
        select new FixtureModel($"t{index}", [.. values], decide, target, rule < 0 ? null : $"r{rule}", Nowhere);

    internal static Gen<RuleSetModel> RuleSetGen() =>
        from ruleCount in Gen.Choose(1, 6)
        from rules in Gen.CollectToArray(Enumerable.Range(0, ruleCount).Select(Rule))
        from testCount in Gen.Choose(0, 3)
        from tests in Gen.CollectToArray(Enumerable.Range(0, testCount).Select(i => Fixture(i, ruleCount)))
        from policy in Gen.Elements(HitPolicy.First, HitPolicy.Unique)
        from description in Text()
        select new RuleSetModel("generated", description, policy, [.. rules], [.. tests], "generated");
}
