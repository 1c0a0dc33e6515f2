using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.Tests.World;
using Xunit.Abstractions;

namespace RulesSync.Simulator.Tests.Exploration;

/// <summary>
/// Random mode draws the world the exhaustive phase explores only in small or opt-in scopes (issue 10): the window's
/// edge (the organizer's crossing, the clock taking a past meeting out at the past edge), meetings created beyond the
/// window (the clock or a CRM user bringing them in), CRM edits of time and owner, of status and parties, a second
/// meeting, and with the admit stage crashed syncs. Per step a rule set built to break on it (the world tests'
/// breakers) is caught by random mode at a fixed seed and a modest run count, and the default passes the same runs.
/// </summary>
public class RandomModeWorldTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    private const int Runs = 400;

    private static SimulationOptions Random(ulong seed, int runs = Runs) =>
        new() { Mode = SimulationMode.Random, Employees = 3, Runs = runs, Seed = seed, MaxSteps = 10 };

    [Fact]
    public void Draw_FixedSeed_DrawsEveryExtensionAndCarriesOutItsSteps()
    {
        var cases = Enumerable.Range(0, Runs).Select(i => Arbitraries.Draw(Arbitraries.RunSeed(5, i), 3, 10)).ToList();

        Assert.Contains(cases, c => c.Scenario.WindowEdge);
        Assert.Contains(cases, c => c.Scenario.CrmFieldEdits);
        Assert.Contains(cases, c => c.Scenario.CrmStatusEdits);
        Assert.Contains(cases, c => c.Scenario.HasSecondMeeting);
        Assert.Contains(cases, c => c.Scenario.CreatedBeyondWindow);

        // Only the combinations the world models, as in the exhaustive phase.
        Assert.All(cases.Where(c => c.Scenario.SecondMeeting), c => Assert.True(!c.Scenario.ExternalOrganizer && c.Scenario.MeetingType == Engine.Changes.MeetingType.Appointment));
        Assert.All(cases.Where(c => c.Scenario.CreatedBeyondWindow), c => Assert.True(c.Scenario is { ExternalOrganizer: false, Past: false, WindowEdge: true, CrmFieldEdits: true }));

        // The drawn steps are carried out (not only drawn and skipped), any invited employee's for the CRM's party edits.
        // A reopening needs a completion before it and a party added one removed, so both are rarer: 2,000 cases.
        var done = Enumerable.Range(0, 2000).Select(i => Arbitraries.Draw(Arbitraries.RunSeed(5, i), 3, 10))
            .SelectMany(c => CaseRunner.Run(c, RuleSets.Default, Now, trace: false, quiescence: false).Schedule).ToList();
        output.WriteLine(string.Join(", ", done.GroupBy(s => s.Kind).Select(g => $"{g.Key}: {g.Count()}")));
        foreach (var kind in new[]
        {
            StepKind.OrganizerCrossesWindow, StepKind.CrmReschedules, StepKind.CrmChangesOwner, StepKind.CrmCompletes, StepKind.CrmReopens,
            StepKind.CrmRemovesParty, StepKind.SecondMeetingReschedules, StepKind.SecondMeetingCancels, StepKind.ClockAdvances,
        })
        {
            Assert.True(done.Any(s => s.Kind == kind), $"no drawn case carried out {kind}");
        }

        // A party is added back only when drawn after its removal (and before the organizer's removal reaches the
        // record): drawn, but rarely carried out (the exhaustive phase covers it).
        Assert.Contains(cases, c => c.Steps.Any(s => s.Kind == StepKind.CrmAddsParty));

        Assert.Contains(new ScheduleStep(StepKind.CrmRemovesParty, 1), done);
        Assert.Contains(new ScheduleStep(StepKind.CrmRemovesParty, 2), done);

        // Crashed syncs only where the admit stage runs.
        Assert.DoesNotContain(cases, c => c.Steps.Any(s => s.Kind == StepKind.SyncCrashes));
        Assert.Contains(Enumerable.Range(0, Runs).Select(i => Arbitraries.Draw(Arbitraries.RunSeed(5, i), 3, 10, crashes: true)), c => c.Steps.Any(s => s.Kind == StepKind.SyncCrashes));
    }

    /// <summary>
    /// The breakers of the world tests, each caught by random mode through the step it breaks on, at a fixed seed and
    /// 400 runs. A breaker may break elsewhere too (e.g. the Google-copy rule on a customer's meeting, the moved-meeting
    /// rule on the first meeting), and random mode reports the first failing run it meets; the seed is one whose first
    /// failing run goes through the step (seeds 1–8 were scanned: docs/simulator.md, "The wider world in random mode").
    /// </summary>
    public static TheoryData<string, ulong, string, string> Breakers => new()
    {
        { "completion-clears-calendar", 2, "no-spurious-cancellation", "crm completes" },
        { "dropped-party-deletes-copy", 4, "no-spurious-deletion", "crm removes " },
        { "handover-retracts", 1, "no-spurious-cancellation", "crm hands over to " },
        { "old-window-rule", 6, "convergence", "A moves across the window edge" },
        { "stale-records-deleted", 2, "no-spurious-deletion", "time passes" },
        { "far-future-records-deleted", 1, "no-spurious-deletion", "create" },
        { "moved-means-cancelled", 1, "no-spurious-cancellation", "A reschedules m2" },
    };

    private static CompiledRuleSet Breaker(string name) => name switch
    {
        "completion-clears-calendar" => CrmStatusEditTests.CompletionClearsCalendar.Value,
        "dropped-party-deletes-copy" => CrmStatusEditTests.DroppedPartyDeletesCopy.Value,
        "handover-retracts" => CrmEditTests.HandoverRetracts.Value,
        "old-window-rule" => WiderWorldTests.OldWindowRule.Value,
        "stale-records-deleted" => WindowClockTests.StaleRecordsDeleted.Value,
        "far-future-records-deleted" => BeyondWindowTests.FarFutureRecordsDeleted.Value,
        "moved-means-cancelled" => TwoMeetingsTests.MovedMeansCancelled.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such breaker"),
    };

    [Theory]
    [MemberData(nameof(Breakers))]
    public void Run_RuleSetBuiltToBreakOnANewStep_CaughtThroughThatStep(string breaker, ulong seed, string invariant, string step)
    {
        var report = Simulation.Run(Random(seed), Breaker(breaker));

        var v = Assert.Single(report.Violations);
        output.WriteLine(v.Render());
        Assert.Equal(invariant, v.Invariant);
        Assert.Contains(v.Schedule, s => s.StartsWith(step, StringComparison.Ordinal));
        Assert.True(report.DeterminismVerified);
        switch (breaker)
        {
            case "far-future-records-deleted":
                Assert.True(v.Scenario.BeyondWindow);
                break;
            case "stale-records-deleted":
                Assert.Contains(v.Trace.SelectMany(t => t.Events), e => e.Text.Contains("leaves the sync window at its past edge", StringComparison.Ordinal));
                break;
            case "moved-means-cancelled":
                Assert.True(v.Scenario.SecondMeeting);
                Assert.Contains("m2", v.Message, StringComparison.Ordinal);
                break;
        }

        // The default passes the same runs.
        Assert.True(Simulation.Run(Random(seed), RuleSets.Default).Passed);
    }

    [Fact]
    public void Run_DefaultRules_TheWiderWorldHolds()
    {
        var report = Simulation.Run(Random(1, 1000) with { Employees = 5, MaxSteps = 12 }, RuleSets.Default);

        Assert.True(report.Passed, string.Join("\n\n", report.Violations.Select(v => v.Render())));
        Assert.Equal(1000, report.Scenarios);
        Assert.True(report.DeterminismVerified);
        Assert.Contains("crm-completion-carries-edits", report.Coverage.Fired);
    }

    [Fact]
    public void Run_DefaultRulesWithTheAdmitStage_CrashedSyncsResumeAndNothingIsHeld()
    {
        var options = Random(3, 200) with { Admit = true };
        var report = Simulation.Run(options, RuleSets.Default);
        Assert.True(report.Passed, string.Join("\n\n", report.Violations.Select(v => v.Render())));

        var crashed = Enumerable.Range(0, options.Runs).Select(i => Arbitraries.Draw(Arbitraries.RunSeed(3, i), 3, 10, crashes: true))
            .Select(c => CaseRunner.Run(c, RuleSets.Default, Now, trace: false, admit: true))
            .Where(r => r.Schedule.Any(s => s.Kind == StepKind.SyncCrashes))
            .ToList();
        Assert.NotEmpty(crashed);
        Assert.All(crashed, r => Assert.Equal(0, r.Violated));
    }

    [Fact]
    public void Run_SameSeedTwice_SameReportInTheWiderWorld()
    {
        var a = Simulation.Run(Random(9, 120), RuleSets.Regression);
        var b = Simulation.Run(Random(9, 120) with { MaxDegreeOfParallelism = 1 }, RuleSets.Regression);
        Assert.Equal(a.ToJson(), b.ToJson());
    }
}
