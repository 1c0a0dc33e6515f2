using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Comparison;
using RulesSync.Simulator.Mutation;
using RulesSync.Tests.Shared;

namespace RulesSync.Simulator.Tests.Mutation;

public class MutationTestingTests
{
    private static readonly SimulationOptions Tiny = new() { Employees = 2, ExternalAttendees = 0, MaxActions = 1, MaxSyncsPerEmployee = 1 };

    [Fact]
    public void Run_Regression_ReportsEveryMutantDeterministically()
    {
        var first = MutationTesting.Run(RuleSets.Regression, Tiny, parallelism: 2);
        var second = MutationTesting.Run(RuleSets.Regression, Tiny, parallelism: 1);
        Assert.Equal(RuleSetMutator.Mutants(RuleSets.Regression.Model).Count(), first.Results.Length);
        for (var i = 0; i < first.Results.Length; i++)
        {
            Assert.Equal(first.Results[i], second.Results[i]);
        }
    }

    [Fact]
    public void Run_MutantThatBreaksAFixture_IsCaughtByThatFixture()
    {
        var report = MutationTesting.Run(RuleSets.Default, Tiny, parallelism: 2);
        var removePast = Assert.Single(report.Results, r => r.Mutant == "remove:past-meetings-untouched");
        Assert.StartsWith("fixture ", removePast.CaughtBy, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithoutFixtures_JudgesEveryMutantByTheSimulatorAlone()
    {
        var report = MutationTesting.Run(RuleSets.Default, Tiny, parallelism: 2, fixtures: false);
        Assert.DoesNotContain(report.Results, r => r.CaughtBy is { } by && by.StartsWith("fixture ", StringComparison.Ordinal));

        // Without its fixture, removing the past rule is caught by the past-untouched invariant (time passes, then a
        // sync shares the now past meeting).
        var removePast = Assert.Single(report.Results, r => r.Mutant == "remove:past-meetings-untouched");
        Assert.Equal("invariant past-untouched", removePast.CaughtBy);
        Assert.True(removePast.ChangesOutcome);
        Assert.InRange(report.CaughtBySimulator, 1, report.OutcomeChanging);
        Assert.Equal((double)report.CaughtBySimulator / report.OutcomeChanging, report.SimulatorScore);
    }

    [Fact]
    public void Run_UnpinnedDestructiveRule_IsDangerousUntilAFixturePinsIt()
    {
        // A rule set whose only cancel rule has no fixture: flipping it to delete changes a destructive outcome
        // (organizer cancellations) that no invariant forbids, so only a fixture can catch it.
        const string Rules = UnpinnedCancelRuleSet.Yaml;
        const string Fixture = """

            tests:
              - name: organizer-cancel-is-cancel
                given: { source: mailbox, role: organizer, kind: cancelled, link: this }
                expect: { decide: cancel, target: crm }
            """;
        var scope = Tiny with { Origins = [Scenarios.MeetingOrigin.Mailbox] };

        var unpinned = MutationTesting.Run(RuleSetCompiler.Load("p.yaml", Rules).RuleSet!, scope, parallelism: 2);
        var pinned = MutationTesting.Run(RuleSetCompiler.Load("p.yaml", Rules + Fixture).RuleSet!, scope, parallelism: 2);

        var before = Assert.Single(unpinned.Results, r => r.Mutant == "flip:organizer-cancel:delete");
        var after = Assert.Single(pinned.Results, r => r.Mutant == "flip:organizer-cancel:delete");
        Assert.True(before.Dangerous || before.Caught, "the flip either changes a destructive outcome or breaks an invariant");
        Assert.Equal("fixture organizer-cancel-is-cancel", after.CaughtBy);
    }

    [Fact]
    public void Run_DestructiveDecisionThatNeverTakesEffect_IsNoOutcomeChange()
    {
        // Flipping the rule to cancel decides "cancel the CRM record" for a record a CRM user already cancelled: the
        // planner plans nothing wherever it is asked, so the mutant is equivalent in the explored world — neither
        // dangerous nor outcome-changing.
        const string Rules = """
            name: inert
            hitPolicy: first
            rules:
              - name: crm-cancel-before-calendar
                because: the calendar never had the meeting
                when: { source: crm, kind: cancelled, role: organizer, link: unlinked }
                decide: ignore
                target: crm
              - name: rest
                because: nothing else
                when: {}
                decide: ignore
            """;
        var scope = Tiny with { Origins = [Scenarios.MeetingOrigin.Crm], AutoShare = [false], ExternalOrganizerEmployees = 0, VisitEmployees = 0 };
        var report = MutationTesting.Run(RuleSetCompiler.Load("i.yaml", Rules).RuleSet!, scope, parallelism: 2, fixtures: false);
        var flip = Assert.Single(report.Results, r => r.Mutant == "flip:crm-cancel-before-calendar:cancel");
        Assert.False(flip.Caught);
        Assert.False(flip.Dangerous);
        Assert.False(flip.ChangesOutcome);

        // A flip to delete does take effect (the record is there): a cancel was meant, not a deletion.
        var delete = Assert.Single(report.Results, r => r.Mutant == "flip:crm-cancel-before-calendar:delete");
        Assert.Equal("invariant cancel-is-not-deletion", delete.CaughtBy);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("regression")]
    public void Run_WithShortcuts_ReportsWhatWholeExplorationsReport(string ruleSet)
    {
        // The shortcuts (equivalent mutants not explored, explorations stopped after the first scenario with a new
        // violation) against every mutant explored over the whole scope; the regression set has violations of its own.
        var original = ruleSet == "default" ? RuleSets.Default : RuleSets.Regression;
        var fast = MutationTesting.Run(original, Tiny, 2, null, fixtures: false, shortcuts: true);
        var full = MutationTesting.Run(original, Tiny, 2, null, fixtures: false, shortcuts: false);
        Assert.Equal(full.Results.Length, fast.Results.Length);
        for (var i = 0; i < full.Results.Length; i++)
        {
            Assert.Equal(full.Results[i], fast.Results[i]);
        }

        // Both shortcuts were taken: some mutants are caught, some decide alike and survive with no difference.
        Assert.Contains(fast.Results, r => r.CaughtBy is { } by && by.StartsWith("invariant ", StringComparison.Ordinal));
        Assert.Contains(fast.Results, r => !r.Caught && r.OutcomeDifferences == 0);
    }

    [Fact]
    public void DecidesAlike_MutantsDecidingAsTheOriginal_ExploreExactlyAsTheOriginal()
    {
        // The equivalence shortcut's claim, checked on real explorations: a mutant deciding every fact combination the
        // original's exploration asked about as the original did explores the same schedules and states, finds the same
        // violations, fires the same rules, and asks and acts on exactly the same fact combinations.
        var (report, recording) = RuleSetComparison.Record(Tiny, RuleSets.Default);
        var decided = recording.Observed.Select(f => (Facts: f, Decision: RuleSets.Default.Decide(f))).ToArray();
        var alike = RuleSetMutator.Mutants(RuleSets.Default.Model)
            .Select(m => RuleSetCompiler.Compile(m.Model))
            .Where(m => MutationTesting.DecidesAlike(m, decided))
            .Take(4)
            .ToList();
        Assert.Equal(4, alike.Count);
        foreach (var mutant in alike)
        {
            var (mutantReport, mutantRecording) = RuleSetComparison.Record(Tiny, mutant);
            Assert.Equal(report.SchedulesExplored, mutantReport.SchedulesExplored);
            Assert.Equal(report.DistinctStates, mutantReport.DistinctStates);
            Assert.Equal(report.Violations.Select(v => (v.Invariant, string.Join(' ', v.Schedule))), mutantReport.Violations.Select(v => (v.Invariant, string.Join(' ', v.Schedule))));
            Assert.Equal(report.Coverage.Fired.Order(StringComparer.Ordinal), mutantReport.Coverage.Fired.Order(StringComparer.Ordinal));
            Assert.True(recording.Observed.SetEquals(mutantRecording.Observed));
            Assert.True(recording.Effective.SetEquals(mutantRecording.Effective));
        }

        // And a mutant that decides differently somewhere is not taken for one.
        var flipped = RuleSetMutator.Mutants(RuleSets.Default.Model).Select(m => RuleSetCompiler.Compile(m.Model)).First(m => !MutationTesting.DecidesAlike(m, decided));
        Assert.Contains(decided, d => !DecidesAs(flipped, d.Facts, d.Decision));
    }

    private static bool DecidesAs(CompiledRuleSet policy, Engine.Changes.ChangeFacts facts, Engine.Decisions.Decision expected)
    {
        try
        {
            var d = policy.Decide(facts);
            return d.Action == expected.Action && d.Target == expected.Target && d.Rule == expected.Rule;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
