using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

/// <summary><c>expectUnreachable: true</c> with its <c>unreachableReason</c>: read, required together, written back.</summary>
public partial class RuleSetLoaderTests
{
    [Fact]
    public void Load_ExpectUnreachableWithReason_IsReadOntoTheRule()
    {
        var result = LoadRule("    when: {}\n    expectUnreachable: true\n    unreachableReason: no such meeting in the simulated world");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var rule = result.Model!.Rules[0];
        Assert.True(rule.ExpectUnreachable);
        Assert.Equal("no such meeting in the simulated world", rule.UnreachableReason);
    }

    [Fact]
    public void Load_RuleWithoutTheMark_ExpectsToFire()
    {
        var result = LoadRule("    when: {}\n    expectUnreachable: false");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.False(result.Model!.Rules[0].ExpectUnreachable);
    }

    [Theory]
    [InlineData("    expectUnreachable: true", "needs an 'unreachableReason'")]
    [InlineData("    expectUnreachable: true\n    unreachableReason: ''", "needs an 'unreachableReason'")]
    [InlineData("    unreachableReason: why", "only for a rule marked")]
    [InlineData("    expectUnreachable: maybe\n    unreachableReason: why", "must be true or false")]
    public void Load_ExpectUnreachableWithoutItsReason_IsAnError(string lines, string message)
    {
        var result = LoadRule("    when: {}\n" + lines);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Diagnostics, d => d.IsError && d.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Write_ExpectUnreachable_RoundTrips()
    {
        var model = LoadRule("    when: {}\n    expectUnreachable: true\n    unreachableReason: 'a: reason'").Model!;

        var again = RuleSetLoader.Load("w.yaml", RuleSetWriter.Write(model));

        Assert.True(again.Succeeded, string.Join("\n", again.Diagnostics));
        Assert.Equal(model.Rules[0], again.Model!.Rules[0]);
    }
}
