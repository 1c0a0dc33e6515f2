using RulesSync.Engine.Changes;
using RulesSync.Simulator.Comparison;

namespace RulesSync.Simulator.Tests.Comparison;

public class RuleSetComparisonTests
{
    private static readonly SimulationOptions Small = new() { Employees = 2, ExternalAttendees = 0, MaxActions = 1 };

    [Fact]
    public void Compare_SameRuleSet_HasNoDifferencesAndNoNewViolations()
    {
        var diff = RuleSetComparison.Compare(Small, RuleSets.Default, RuleSets.Default);
        Assert.True(diff.FactsCompared > 0);
        Assert.Empty(diff.Changes);
        Assert.Empty(diff.NewViolations);
        Assert.All(diff.Outcomes, o => Assert.Equal(o.Old, o.New));
    }

    [Fact]
    public void Compare_DefaultToRegression_ShowsNewDeletionsAndViolations()
    {
        var diff = RuleSetComparison.Compare(Small, RuleSets.Default, RuleSets.Regression);
        Assert.True(diff.ChangesDestructiveOutcome);
        var deletions = Assert.Single(diff.Outcomes, o => o.Action == "delete");
        Assert.True(deletions.New > deletions.Old, $"deletions {deletions.Old} -> {deletions.New}");
        Assert.Contains(diff.NewViolations, v => v.Invariant == "no-spurious-cancellation");
        Assert.Contains(diff.Changes, c => c.To == "delete crm" && c.NewRule == "missing-from-calendar-deletes-crm");
    }

    [Fact]
    public void Compare_RegressionToDefault_FixesEveryViolation()
    {
        var diff = RuleSetComparison.Compare(Small, RuleSets.Regression, RuleSets.Default);
        Assert.NotEmpty(diff.Old.Violations);
        Assert.Empty(diff.New.Violations);
        Assert.Empty(diff.NewViolations);
    }

    [Fact]
    public void Diff_CountsEachDifferingFactOnce()
    {
        var facts = new[] { ChangeFacts.Default, ChangeFacts.Default with { Kind = ChangeKind.Missing, Role = Role.Attendee, Link = LinkState.Other } };
        var report = Simulation.Run(Small with { ApiVersions = [ApiVersion.V2], AutoShare = [false], Providers = [Provider.Google] }, RuleSets.Default);
        var diff = RuleSetComparison.Diff(facts, RuleSets.Default, RuleSets.Regression, report, report);
        Assert.Equal(2, diff.FactsCompared);
        Assert.Equal(1, diff.FactsDiffering); // only the missing-in-attendee's-calendar change differs
        Assert.Equal("delete crm", Assert.Single(diff.Changes).To);
    }
}
