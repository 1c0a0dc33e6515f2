using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Invariants;
using Xunit.Abstractions;

namespace RulesSync.Simulator.Tests.Exploration;

/// <summary>Random mode: FsCheck generators, shrinking to a minimal counterexample, replayable seeds, determinism.</summary>
public class RandomModeTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    private static SimulationOptions Random(ulong seed, int runs) => new() { Mode = SimulationMode.Random, Employees = 5, Runs = runs, Seed = seed, MaxSteps = 10 };

    [Fact]
    public void Run_RegressionRules_FindsAViolationShrunkToOneMinimalSchedule()
    {
        var report = Simulation.Run(Random(7, 300), RuleSets.Regression);
        var v = Assert.Single(report.Violations);
        output.WriteLine(v.Render());
        Assert.NotNull(v.Seed);
        Assert.True(report.DeterminismVerified);

        // 1-minimal: the shrunk case violates the invariant, and no smaller variant of it does.
        var shrunk = new SimulationCase(
            new Scenarios.Scenario([.. v.Scenario.Providers.Select(p => p == "google" ? Engine.Changes.Provider.Google : Engine.Changes.Provider.Exchange)], v.Scenario.ExternalAttendees, v.Scenario.ApiVersion == "v1" ? Engine.Changes.ApiVersion.V1 : Engine.Changes.ApiVersion.V2, v.Scenario.AutoShare, v.Scenario.Origin == "crm" ? Scenarios.MeetingOrigin.Crm : Scenarios.MeetingOrigin.Mailbox, v.Scenario.MeetingType == "visit" ? Engine.Changes.MeetingType.Visit : Engine.Changes.MeetingType.Appointment, v.Scenario.Past, v.Scenario.ExternalOrganizer)
            {
                SecondMeeting = v.Scenario.SecondMeeting, WindowEdge = v.Scenario.WindowEdge, CrmFieldEdits = v.Scenario.CrmEdits,
                CrmStatusEdits = v.Scenario.CrmStatusEdits, CreatedBeyondWindow = v.Scenario.BeyondWindow,
            },
            [.. v.Schedule.Skip(1).Take(ExplicitSteps(v)).Select(Scenarios.ScheduleStep.Parse)]);
        var id = InvariantCatalog.All.Single(i => InvariantCatalog.Name(i) == v.Invariant);
        Assert.True(CaseRunner.Run(shrunk, RuleSets.Regression, Now, trace: false).Has(id));
        Assert.All(Arbitraries.Shrink(shrunk), smaller => Assert.False(CaseRunner.Run(smaller, RuleSets.Regression, Now, trace: false).Has(id), smaller.ToString()));
        Assert.True(shrunk.Scenario.Employees <= 2);
        Assert.True(shrunk.Steps.Length <= 4);
    }

    [Fact]
    public void Run_SameSeedTwice_SameReport()
    {
        var a = Simulation.Run(Random(11, 40), RuleSets.Regression);
        var b = Simulation.Run(Random(11, 40), RuleSets.Regression);
        Assert.Equal(a.ToJson(), b.ToJson());
    }

    [Fact]
    public void Run_ViolationSeed_ReplaysAsRunZero()
    {
        var first = Simulation.Run(Random(7, 300), RuleSets.Regression);
        var seed = first.Violations[0].Seed!.Value;
        var replay = Simulation.Run(Random(seed, 1), RuleSets.Regression);
        Assert.Equal(first.Violations[0].Schedule.ToArray(), replay.Violations[0].Schedule.ToArray());
    }

    [Fact]
    public void Run_DefaultRules_RandomScenariosUpToFiveEmployeesHold()
    {
        var report = Simulation.Run(Random(20200222, 150), RuleSets.Default);
        Assert.True(report.Passed, string.Join("\n\n", report.Violations.Select(v => v.Render())));
        Assert.True(report.Scenarios >= 100);
        Assert.True(report.DeterminismVerified);
        Assert.True(report.GoalsMet, string.Join(", ", report.Goals.Where(g => !g.Reached).Select(g => g.Name)));
    }

    [Property(MaxTest = 60)]
    public Property DefaultRules_AnyCaseOfUpToFiveEmployees_HoldsEveryInvariant() =>
        Prop.ForAll(Arbitraries.Cases(5, 10), c =>
        {
            var r = CaseRunner.Run(c, RuleSets.Default, Now, trace: false);
            return (r.Violated == 0).Label(string.Join("; ", r.Reasons));
        });

    [Property(MaxTest = 30)]
    public Property AnyCase_ReplayedTwice_SameTrace() =>
        Prop.ForAll(Arbitraries.Cases(4, 8), c =>
        {
            var a = CaseRunner.Run(c, RuleSets.Regression, Now, trace: true);
            var b = CaseRunner.Run(c, RuleSets.Regression, Now, trace: true);
            return a.Trace.Select(t => t.Render()).SequenceEqual(b.Trace.Select(t => t.Render()));
        });

    [Property(MaxTest = 100)]
    public Property Shrink_EveryVariant_IsStrictlySmaller() =>
        Prop.ForAll(Arbitraries.Cases(5, 10), c =>
            Arbitraries.Shrink(c).All(s => Size(s) < Size(c)));

    private static int Size(SimulationCase c) =>
        (c.Scenario.Employees * 100) + (c.Scenario.ExternalAttendees * 10) + c.Steps.Length + (c.Scenario.Past ? 1 : 0) + (c.Scenario.MeetingType == Engine.Changes.MeetingType.Visit ? 1 : 0) + (c.Scenario.ExternalOrganizer ? 1 : 0)
        + (c.Scenario.WindowEdge ? 1 : 0) + (c.Scenario.CrmFieldEdits ? 1 : 0) + (c.Scenario.CrmStatusEdits ? 1 : 0) + (c.Scenario.SecondMeeting ? 1 : 0) + (c.Scenario.CreatedBeyondWindow ? 1 : 0);

    private static int ExplicitSteps(RulesSync.Simulator.Reports.ViolationReport v) => v.Trace.Count(t => !t.Quiescence) - 1;
}
