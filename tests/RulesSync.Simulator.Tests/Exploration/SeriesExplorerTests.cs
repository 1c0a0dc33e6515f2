using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Simulator.Exploration;

namespace RulesSync.Simulator.Tests.Exploration;

/// <summary>The recurring series in the simulated world: the default holds every series invariant; the fan-out regression is caught.</summary>
public class SeriesExplorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Exhaustive_DefaultRuleSet_EverySeriesInvariantHoldsAndTheSeriesRulesFire()
    {
        var report = SeriesExplorer.Exhaustive(RuleSets.Default, new SeriesScope(Employees: 2, MaxActions: 2), Now);

        Assert.True(report.Passed, string.Join("\n", report.Violations.Select(v => $"{v.Invariant} [{v.Scenario}] {string.Join(", ", v.Steps)}: {v.Detail}")));
        Assert.Equal(8, report.Scenarios);
        Assert.True(report.Schedules > 1000, $"{report.Schedules} schedules");
        Assert.Contains("series-removal-cancels-future-occurrence-records", report.FiredRules);
        Assert.Contains("occurrence-removal-cancels-its-record-only", report.FiredRules);
        Assert.Contains("past-meetings-untouched", report.FiredRules);
    }

    [Fact]
    public void Exhaustive_SeriesFanoutRegression_FlaggedWithAShortTrace()
    {
        var report = SeriesExplorer.Exhaustive(RuleSets.SeriesRegression, new SeriesScope(Employees: 2, MaxActions: 2), Now);

        var deleted = Assert.Single(report.Violations, v => v.Invariant == "series-no-record-deleted");
        Assert.InRange(deleted.Steps.Length, 1, 6);
        Assert.Contains(deleted.Steps, s => s is "A deletes the series" or "A ends the series before occurrence 3");
        Assert.Contains("was deleted", deleted.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Exhaustive_ThreeEmployeesOneAction_DefaultHolds()
    {
        var report = SeriesExplorer.Exhaustive(RuleSets.Default, new SeriesScope(Employees: 3, MaxActions: 1), Now);

        Assert.True(report.Passed, string.Join("\n", report.Violations.Select(v => $"{v.Invariant}: {v.Detail}")));
        Assert.Equal(16, report.Scenarios);
    }

    [Property(MaxTest = 20)]
    public Property Random_DefaultRuleSet_HoldsForEverySeed(int seed)
    {
        var report = SeriesExplorer.Random(RuleSets.Default, runs: 25, seed, Now);
        return report.Passed.Label($"seed {seed}: {string.Join("; ", report.Violations.Select(v => $"{v.Invariant} {string.Join(", ", v.Steps)}: {v.Detail}"))}");
    }

    [Fact]
    public void Random_SeriesFanoutRegression_Caught()
    {
        var report = SeriesExplorer.Random(RuleSets.SeriesRegression, runs: 300, seed: 7, Now);

        Assert.Contains(report.Violations, v => v.Invariant == "series-no-record-deleted");
    }
}
