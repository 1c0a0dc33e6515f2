using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// The admit stage in the simulator: the intent guard over the in-memory journal, explored like any other step. The
/// known-bad rules are contained in every schedule; the default rules lose nothing to it (nothing held, same verdicts).
/// </summary>
public class SimAdmissionTests
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
}
