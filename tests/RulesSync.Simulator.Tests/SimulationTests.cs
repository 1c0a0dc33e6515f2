using RulesSync.Engine.Changes;
using RulesSync.Simulator.Reports;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Tests;

/// <summary>The simulator's entry point: exhaustive scopes, coverage, goals, the JSON report.</summary>
public class SimulationTests
{
    // Every API version × auto-share × provider × origin combination with the acceptance scope's employees and syncs,
    // one user action after creation (the full three-action scope is a CLI/bench run; see docs/simulator.md).
    private static readonly SimulationOptions Reduced = new() { MaxActions = 1 };

    [Fact]
    public void Run_DefaultRulesAllCombinationsOneAction_NoViolationAndGoalsMet()
    {
        var report = Simulation.Run(Reduced, RuleSets.Default);
        Assert.True(report.Passed, string.Join("\n\n", report.Violations.Take(3).Select(v => v.Render())));
        Assert.True(report.GoalsMet, string.Join(", ", report.Goals.Where(g => !g.Reached).Select(g => g.Name)));
        Assert.Equal(2 * 2 * 6 * 2, report.Scenarios); // B/C mirror assignments explored once
        Assert.True(report.DistinctStates > 1000);
        Assert.True(report.SchedulesExplored > report.DistinctStates);
    }

    [Fact]
    public void Run_RegressionRulesAllCombinations_FlagsCancellationsWithTraces()
    {
        var report = Simulation.Run(Reduced with { MaxActions = 0 }, RuleSets.Regression);
        Assert.Contains(report.Violations, v => v.Invariant == "no-spurious-cancellation" && v.Scenario.ApiVersion == "v2" && v.Scenario.AutoShare);
        Assert.Contains(report.Violations, v => v.Invariant == "no-spurious-cancellation" && v.Scenario.ApiVersion == "v1");
        Assert.All(report.Violations, v => Assert.Equal(v.Schedule.Length, v.Trace.Length));
    }

    [Fact]
    public void Run_ReportsRulesThatNeverFired()
    {
        var report = Simulation.Run(Reduced with { MaxActions = 0, ApiVersions = [ApiVersion.V2] }, RuleSets.Default);
        Assert.Contains("past-meetings-untouched", report.Coverage.NeverFired);
        Assert.Contains("auto-share-organizer-meetings", report.Coverage.Fired);
        Assert.Equal(report.Coverage.Rules.Length, report.Coverage.Fired.Length + report.Coverage.NeverFired.Length);
        Assert.Contains(report.Goals, g => g.Name == "api v1" && !g.Reached);
        Assert.False(report.GoalsMet);
    }

    [Fact]
    public void Run_WithoutSymmetry_ExploresMirrorAssignmentsToo()
    {
        var options = Reduced with { MaxActions = 0, ApiVersions = [ApiVersion.V2], AutoShare = [true], Origins = [MeetingOrigin.Mailbox] };
        var with = Simulation.Run(options, RuleSets.Default);
        var without = Simulation.Run(options with { Symmetry = false }, RuleSets.Default);
        Assert.Equal(6, with.Scenarios);
        Assert.Equal(8, without.Scenarios);
        Assert.True(without.DistinctStates > with.DistinctStates);
        Assert.Equal(without.Passed, with.Passed);
    }

    [Fact]
    public void ToJson_RoundTrips()
    {
        var report = Simulation.Run(Reduced with { MaxActions = 0, ApiVersions = [ApiVersion.V1], AutoShare = [false] }, RuleSets.Regression);
        Assert.NotEmpty(report.Violations);
        var json = report.ToJson();
        Assert.Contains("\"schedulesExplored\"", json, StringComparison.Ordinal);
        Assert.Contains("\"neverFired\"", json, StringComparison.Ordinal);
        var back = SimulationReport.FromJson(json);
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void Run_ReportsProgressPerScenario()
    {
        var seen = new List<SimulationProgress>();
        var progress = new SyncProgress(seen.Add);
        var report = Simulation.Run(Reduced with { MaxActions = 0, ApiVersions = [ApiVersion.V1], AutoShare = [false] }, RuleSets.Default, progress);
        Assert.Equal(report.Scenarios, seen.Count);
        Assert.Equal(seen.Count, seen[^1].Done);
    }

    private sealed class SyncProgress(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }
}
