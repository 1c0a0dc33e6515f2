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
        // 1, 2 and 3 employees (B/C mirror assignments explored once), and for 1 and 2 employees the same with a
        // customer organizing and as visits.
        Assert.Equal(2 * 2 * ((2 + 4 + 6) + (2 * (2 + 4))) * 2, report.Scenarios);
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
    public void Run_DefectOfASmallerPopulation_IsFoundAtEveryLargerScope()
    {
        // A consultant's rule for meetings with no employee attendee: it exists only with one employee, so an
        // "exactly three employees" scope would never reach it. Scopes are "up to N": every larger scope finds it.
        var text = "name: solo\nhitPolicy: first\nrules:\n"
            + "  - name: solo-meetings-cancelled\n    because: a mistake\n    when: { source: mailbox, role: organizer, kind: created, employeeAttendees: false }\n    decide: cancel\n    target: mailbox\n"
            + "  - name: rest\n    because: nothing else\n    when: {}\n    decide: ignore\n";
        var broken = Engine.Rules.Compilation.RuleSetCompiler.Load("solo.yaml", text).RuleSet!;
        var tiny = Reduced with { MaxActions = 0, ApiVersions = [ApiVersion.V2], AutoShare = [false], Origins = [MeetingOrigin.Mailbox], ExternalAttendees = 1 };
        for (var employees = 1; employees <= 3; employees++)
        {
            var report = Simulation.Run(tiny with { Employees = employees }, broken);
            var found = Assert.Single(report.Violations, v => v.Invariant == "no-spurious-cancellation" && v.Scenario.Employees == 1 && v.Scenario.Providers[0] == "exchange" && v.Scenario.MeetingType == "appointment");
            Assert.Equal(["create", "sync A"], found.Schedule.Take(2));
        }
    }

    [Fact]
    public void Run_ViolationsFoundAtTwoEmployees_AreFoundAtThree()
    {
        var options = Reduced with { MaxActions = 1, ExternalAttendees = 0 };
        var two = Simulation.Run(options with { Employees = 2 }, RuleSets.Regression);
        var three = Simulation.Run(options with { Employees = 3 }, RuleSets.Regression);
        static string Key(ViolationReport v) => $"{v.Invariant} {v.Scenario.Employees} {v.Scenario.ApiVersion} {v.Scenario.AutoShare} {v.Scenario.Origin} {string.Join(',', v.Scenario.Providers)}";
        Assert.NotEmpty(two.Violations);
        Assert.Subset(three.Violations.Select(Key).ToHashSet(), two.Violations.Select(Key).ToHashSet());
    }

    [Fact]
    public void Run_WithoutSymmetry_ExploresMirrorAssignmentsToo()
    {
        var options = Reduced with { MaxActions = 0, ApiVersions = [ApiVersion.V2], AutoShare = [true], Origins = [MeetingOrigin.Mailbox], ExternalOrganizerEmployees = 0, VisitEmployees = 0 };
        var with = Simulation.Run(options, RuleSets.Default);
        var without = Simulation.Run(options with { Symmetry = false }, RuleSets.Default);
        Assert.Equal(2 + 4 + 6, with.Scenarios);
        Assert.Equal(2 + 4 + 8, without.Scenarios);
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
