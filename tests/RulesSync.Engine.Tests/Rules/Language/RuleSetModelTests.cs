using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class RuleSetModelTests
{
    private static FactDefinition Fact(string name) => FactCatalog.All.Single(f => f.Name == name);

    private static readonly SourceLocation Here = new("a.yaml", 1, 1);
    private static readonly SourceLocation There = new("b.yaml", 9, 9);

    [Theory]
    [InlineData(ConditionOperator.Equals, new[] { 2 }, 0b000100)]
    [InlineData(ConditionOperator.NotEquals, new[] { 2 }, 0b1111011)]
    [InlineData(ConditionOperator.In, new[] { 0, 5 }, 0b100001)]
    [InlineData(ConditionOperator.NotIn, new[] { 0, 5 }, 0b1011110)]
    [InlineData(ConditionOperator.In, new int[0], 0)]
    public void AcceptedMask_PerOperator_IsTheAcceptedValueSet(ConditionOperator op, int[] values, int mask)
    {
        var condition = new FactCondition(Fact("kind"), op, [.. values], Here);

        Assert.Equal((ulong)mask, condition.AcceptedMask);
        Assert.Equal((mask & (1 << (int)ChangeKind.Deleted)) != 0, condition.Holds(ChangeFacts.Default with { Kind = ChangeKind.Deleted }));
    }

    [Fact]
    public void ToString_Condition_ReadsLikeTheRule()
    {
        Assert.Equal("role not in [attendee, none]", new FactCondition(Fact("role"), ConditionOperator.NotIn, [1, 2], Here).ToString());
        Assert.Equal("link != this", new FactCondition(Fact("link"), ConditionOperator.NotEquals, [1], Here).ToString());
    }

    [Fact]
    public void Equals_IgnoresLocationsButNotContent()
    {
        RuleModel Rule(SourceLocation at, int priority) => new(
            "a", "because", priority, [new FactCondition(Fact("kind"), ConditionOperator.In, [2, 5], at)], new RuleExpression("autoShare", at), DecisionAction.Delete, DecisionTarget.Crm, at);

        var a = new RuleSetModel("s", "d", HitPolicy.First, [Rule(Here, 0)], [], "a.yaml");
        var b = new RuleSetModel("s", "d", HitPolicy.First, [Rule(There, 0)], [], "b.yaml");
        var c = new RuleSetModel("s", "d", HitPolicy.First, [Rule(Here, 1)], [], "a.yaml");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, a with { HitPolicy = HitPolicy.Unique });
    }

    [Fact]
    public void Facts_Fixture_AppliesGivenOnTopOfDefault()
    {
        var fixture = new FixtureModel("f", [new FactAssignment(Fact("timing"), 1, Here), new FactAssignment(Fact("autoShare"), 1, Here)], DecisionAction.Ignore, null, null, Here);

        Assert.Equal(ChangeFacts.Default with { Timing = Timing.Past, AutoShare = true }, fixture.Facts);
    }

    [Fact]
    public void RulesInPriorityOrder_IsStableDescending()
    {
        RuleModel Rule(string name, int priority) => new(name, "x", priority, [], null, DecisionAction.Ignore, DecisionTarget.Opposite, Here);
        var model = new RuleSetModel("s", string.Empty, HitPolicy.First, [Rule("a", 0), Rule("b", 1), Rule("c", 0), Rule("d", -1), Rule("e", 1)], [], "a.yaml");

        Assert.Equal(["b", "e", "a", "c", "d"], model.RulesInPriorityOrder.Select(r => r.Name));
    }
}
