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

    internal static Gen<RuleModel> Rule(int index) =>
        from facts in Gen.Shuffle(FactCatalog.All.ToArray())
        from conditionCount in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 4)))
        from conditions in Gen.CollectToArray(facts.Take(conditionCount).Select(Condition))
        from expression in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Gen.Elements(Expressions).Select(e => (string?)e)))
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
