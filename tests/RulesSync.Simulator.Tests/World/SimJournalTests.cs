using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// The admit and journal stages in the simulator: the intent guard and the mass-change budget over the in-memory
/// journal, and crashes at the journal/carry-out boundary, explored like any other step. The known-bad rules are
/// contained in every schedule; the default rules lose nothing to it (nothing held, same verdicts).
/// </summary>
public class SimJournalTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    private static Scenario Incident(ApiVersion api, bool autoShare, MeetingOrigin origin) =>
        new([Provider.Exchange, Provider.Exchange], 1, api, autoShare, origin);

    public static TheoryData<ApiVersion, bool, MeetingOrigin, int[], InvariantId> IncidentCases() => new()
    {
        // Scenario 1: auto-share on, v2, the attendee syncs first; the organizer's sync cancels the meeting.
        { ApiVersion.V2, true, MeetingOrigin.Mailbox, [1, 0], InvariantId.NoSpuriousCancellation },

        // Scenario 2: v1, from the CRM, the organizer first; the attendee's sync deletes the record, the organizer's cancels.
        { ApiVersion.V1, false, MeetingOrigin.Crm, [0, 1, 0], InvariantId.NoSpuriousDeletion },
        { ApiVersion.V1, false, MeetingOrigin.Crm, [0, 1, 0], InvariantId.NoSpuriousCancellation },
    };

    [Theory]
    [MemberData(nameof(IncidentCases))]
    public void Run_IncidentOrderingWithTheAdmitStage_IsContainedWhereWithoutItIsNot(ApiVersion api, bool autoShare, MeetingOrigin origin, int[] syncs, InvariantId invariant)
    {
        var c = new SimulationCase(Incident(api, autoShare, origin), [.. syncs.Select(Sync)]);

        var bare = CaseRunner.Run(c, RuleSets.Regression, Now, trace: false, quiescence: false);
        var admitted = CaseRunner.Run(c, RuleSets.Regression, Now, trace: true, quiescence: false, admit: true);

        Assert.True(bare.Has(invariant));
        Assert.False(admitted.Has(invariant));
        Assert.Equal(0, admitted.Cancellations);
        Assert.False(admitted.Has(InvariantId.NoSpuriousCancellation) || admitted.Has(InvariantId.NoSpuriousDeletion));
        Assert.True(admitted.Has(InvariantId.NothingHeld)); // What the admit stage held stays visible as held.
        Assert.Contains(admitted.Trace.SelectMany(t => t.Events), e => e.Text.Contains("intent guard:", StringComparison.Ordinal));
    }

    public static TheoryData<ApiVersion, bool, MeetingOrigin> Scenarios() => new()
    {
        { ApiVersion.V2, true, MeetingOrigin.Mailbox },
        { ApiVersion.V2, false, MeetingOrigin.Crm },
        { ApiVersion.V1, false, MeetingOrigin.Crm },
        { ApiVersion.V1, true, MeetingOrigin.Mailbox },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Explore_RegressionRulesWithTheAdmitStage_NoSpuriousCancellationOrDeletionInAnySchedule(ApiVersion api, bool autoShare, MeetingOrigin origin)
    {
        var scenario = Incident(api, autoShare, origin);
        var explorer = new ExhaustiveExplorer(RuleSets.Regression, Now, maxActions: 1, maxSyncs: 2, [], admit: true);

        var result = explorer.Explore(scenario);

        Assert.True(result.Schedules > 1);
        var spurious = result.Violations.Where(v => v.Invariant is InvariantId.NoSpuriousCancellation or InvariantId.NoSpuriousDeletion).ToList();
        Assert.True(spurious.Count == 0, string.Join('\n', spurious.Select(v => $"{v.Invariant}: {v.Reason} [{string.Join(' ', v.Steps)}]")));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Explore_DefaultRulesWithTheAdmitStage_SameVerdictsAndNothingHeld(ApiVersion api, bool autoShare, MeetingOrigin origin)
    {
        // The guard holds only what no person's act caused: the default rules never plan that, so the guarded
        // exploration finds exactly what the bare one finds (NothingHeld included: a held effect would be a finding).
        var scenario = Incident(api, autoShare, origin);

        var bare = new ExhaustiveExplorer(RuleSets.Default, Now, maxActions: 1, maxSyncs: 2, [], symmetry: false).Explore(scenario);
        var admitted = new ExhaustiveExplorer(RuleSets.Default, Now, maxActions: 1, maxSyncs: 2, [], admit: true).Explore(scenario);

        Assert.Equal(bare.Violations.Select(v => v.Invariant).Order(), admitted.Violations.Select(v => v.Invariant).Order());
        Assert.DoesNotContain(admitted.Violations, v => v.Invariant == InvariantId.NothingHeld);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_EverySyncCrashesOnceAtTheJournalBoundaryThenResumes_ConvergesWithNothingViolated(ApiVersion api, bool autoShare, MeetingOrigin origin)
    {
        // Each employee's first sync crashes after journaling its first decision (nothing of it carried out); the next
        // sync resumes from the progress saved. Quiescence then checks convergence, duplicates and idempotence.
        var steps = new[] { new ScheduleStep(StepKind.SyncCrashes, 0), new ScheduleStep(StepKind.SyncCrashes, 1), Sync(0), Sync(1), Sync(0) };
        var c = new SimulationCase(Incident(api, autoShare, origin), [.. steps]);

        var result = CaseRunner.Run(c, RuleSets.Default, Now, trace: true, admit: true);

        Assert.True(result.Violated == 0, string.Join('\n', result.Reasons.Select(r => $"{r.Id}: {r.Reason}")));
        Assert.Contains(result.Trace.SelectMany(t => t.Events), e => e.Text.Contains("crashed after journaling decision 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Sync_CrashAtEachJournalBoundary_ResumedSyncEndsWhereAnUncrashedOneDoes()
    {
        // Crash A's first sync at each of its journal boundaries in turn (beyond its last, it does not crash), resume,
        // and compare the world with the one whose sync never crashed.
        var scenario = Incident(ApiVersion.V2, autoShare: true, MeetingOrigin.Mailbox);
        var reference = SimWorld.Create(scenario, RuleSets.Default, Now, admit: true);
        reference.Apply(new ScheduleStep(StepKind.Create, 0));
        reference.Sync(0);
        var afterFirstSync = StateHasher.Of(reference);
        reference.Sync(1);
        var expected = StateHasher.Of(reference);
        var crashed = 0;

        for (var k = 1; k <= 3; k++)
        {
            var w = SimWorld.Create(scenario, RuleSets.Default, Now, admit: true);
            w.Apply(new ScheduleStep(StepKind.Create, 0));
            w.Sync(0, crashAt: k);
            crashed += StateHasher.Of(w) != afterFirstSync ? 1 : 0;
            w.Sync(0);
            w.Sync(1);

            Assert.Equal(expected, StateHasher.Of(w));
        }

        Assert.True(crashed >= 1, "at least the first boundary is reached and the crash leaves the sync undone");
    }

    [Fact]
    public void Sync_BudgetOfNoDestructiveEffect_HoldsTheOrganizersCancellationAndStaysWithinIt()
    {
        var scenario = Incident(ApiVersion.V2, autoShare: true, MeetingOrigin.Mailbox);
        var w = SimWorld.Create(scenario, RuleSets.Default, Now, admit: true, limits: GuardLimits.Defaults with { MaxDestructivePerMailbox = 0 });
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        w.Sync(0);
        w.Sync(1);
        w.Apply(new ScheduleStep(StepKind.CrmCancels, 0));

        w.Sync(0);

        Assert.True(w.AdmissionHeld > 0);
        Assert.False(w.AdmittedOverBudget);
        Assert.Equal(0, InvariantCatalog.CheckStep(w, null) & InvariantCatalog.Bit(InvariantId.AdmittedWithinBudget));
    }

    [Fact]
    public void CheckStep_AdmitStageLetTooMuchThrough_ReportsAdmittedWithinBudget()
    {
        var w = SimWorld.Create(Incident(ApiVersion.V2, true, MeetingOrigin.Mailbox), RuleSets.Default, Now, admit: true);
        w.AdmittedOverBudget = true;
        var reasons = new List<(InvariantId Id, string Reason)>();

        InvariantCatalog.CheckStep(w, reasons);

        Assert.Contains(reasons, r => r.Id == InvariantId.AdmittedWithinBudget && r.Reason.Contains("more than 10 destructive effects", StringComparison.Ordinal));
        Assert.Equal("admitted-within-budget", InvariantCatalog.Name(InvariantId.AdmittedWithinBudget));
        Assert.DoesNotContain(InvariantId.AdmittedWithinBudget, InvariantCatalog.All);
    }

    [Fact]
    public void Parse_CrashStep_RoundTrips()
    {
        var step = new ScheduleStep(StepKind.SyncCrashes, 1);

        Assert.Equal("sync B crashes", step.ToString());
        Assert.Equal(step, ScheduleStep.Parse("sync B crashes"));
        Assert.Equal(new ScheduleStep(StepKind.Sync, 1), ScheduleStep.Parse("sync B"));
    }
}
