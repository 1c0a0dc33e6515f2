using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Tests.Rules.Sandbox;

public class RuleFunctionsTests
{
    [Theory]
    [InlineData(false, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void Implies_TruthTable(bool a, bool b, bool expected) => Assert.Equal(expected, RuleFunctions.Implies(a, b));

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, false)]
    public void ExactlyOne_TruthTable(bool a, bool b, bool expected) => Assert.Equal(expected, RuleFunctions.ExactlyOne(a, b));

    [Fact]
    public void IsRemoval_TrueOnlyForKindsThatTakeAReplicaAway()
    {
        var removals = Enum.GetValues<ChangeKind>().Where(RuleFunctions.IsRemoval);

        Assert.Equal([ChangeKind.Deleted, ChangeKind.Cancelled, ChangeKind.Declined, ChangeKind.Missing], removals);
    }

    [Fact]
    public void RuleFunctions_AreStaticPureAndTakeOnlyFactTypes()
    {
        var methods = typeof(RuleFunctions).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly);

        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.Equal(typeof(bool), m.ReturnType));
        Assert.All(methods.SelectMany(m => m.GetParameters()), p => Assert.True(p.ParameterType == typeof(bool) || p.ParameterType.Namespace == typeof(ChangeKind).Namespace, p.Name));
        Assert.Empty(typeof(RuleFunctions).GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public));
    }
}
