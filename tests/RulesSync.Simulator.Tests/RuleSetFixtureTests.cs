using RulesSync.Engine.Rules.Fixtures;

namespace RulesSync.Simulator.Tests;

/// <summary>The rule sets the simulator tunes still pass their own fixtures.</summary>
public class RuleSetFixtureTests
{
    [Fact]
    public void DefaultRules_PassTheirFixtures()
    {
        var report = FixtureRunner.Run(RuleSets.Default);
        Assert.True(report.AllPassed, string.Join("\n", report.Results.Where(r => !r.Passed)));
        Assert.True(report.Results.Length >= 8);
        Assert.True(report.UnexercisedRules.IsEmpty, "rules without a fixture: " + string.Join(", ", report.UnexercisedRules));
    }

    [Fact]
    public void RegressionRules_PassTheirFixtures()
    {
        var report = FixtureRunner.Run(RuleSets.Regression);
        Assert.True(report.AllPassed, string.Join("\n", report.Results.Where(r => !r.Passed)));
    }
}
