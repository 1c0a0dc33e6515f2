using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// The world extensions of the exhaustive phase: time passing (a linked meeting becomes past), the organizer moving
/// the meeting across the sync window's edge, CRM edits. Each catches a rule set built to break on it, and the default passes.
/// </summary>
public class WiderWorldTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    private static readonly SimulationOptions Small = new()
    {
        Employees = 2, ExternalAttendees = 1, MaxActions = 2, MaxSyncsPerEmployee = 2,
        ApiVersions = [ApiVersion.V2], AutoShare = [true], Origins = [MeetingOrigin.Mailbox],
    };

    /// <summary>
    /// The default with its window rule as it was before the window's edge was explored: every change beyond the sync
    /// window ignored, cancellations and deletions too (so a meeting moved out and then deleted leaves its record open).
    /// </summary>
    internal static readonly Lazy<CompiledRuleSet> OldWindowRule = new(() => RuleSetCompiler.Compile(RuleSets.Default.Model with
    {
        Rules = [.. RuleSets.Default.Model.Rules.Select(r => r.Name == "outside-window-untouched" ? r with { When = [r.When[0]] } : r)],
        Tests = [],
    }));

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    private static CompiledRuleSet DefaultWithout(params string[] rules) => RuleSets.DefaultWithout(rules);

    [Fact]
    public void Actions_ExhaustivePhase_IncludesCrmEditsAndTime()
    {
        var kinds = ExhaustiveExplorer.Actions(3).Select(a => a.Kind).ToHashSet();
        Assert.Contains(StepKind.CrmEdits, kinds);
        Assert.Contains(StepKind.ClockAdvances, kinds);
        Assert.All(ExhaustiveExplorer.Actions(3), a => Assert.Equal(a, ScheduleStep.Parse(a.ToString())));
        var cross = new ScheduleStep(StepKind.OrganizerCrossesWindow, 0);
        Assert.Equal(cross, ScheduleStep.Parse(cross.ToString()));
    }

    [Fact]
    public void TimePasses_LinkedMeetingBecomesPast_RuleSetWithoutThePastRuleIsCaught()
    {
        // Linked first (sync A shares it), then time passes and the organizer reschedules: without the past rule
        // the organizer's change is shared to the record of a past meeting.
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Exchange], 1, ApiVersion.V2, true, MeetingOrigin.Mailbox),
            [Sync(0), new(StepKind.ClockAdvances, 0), new(StepKind.OrganizerReschedules, 0), Sync(0)]);
        var trimmed = DefaultWithout("past-meetings-untouched");
        Assert.Contains(Simulation.Replay(c, trimmed, Now, out _), v => v.Invariant == "past-untouched");
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));

        Assert.Contains(Simulation.Run(Small, trimmed).Violations, v => v.Invariant == "past-untouched");
        var report = Simulation.Run(Small, RuleSets.Default);
        Assert.Empty(report.Violations);
        Assert.Contains("past-meetings-untouched", report.Coverage.Fired);
    }

    [Fact]
    public void WindowEdge_MeetingMovedOutThenDeleted_DefaultCancelsTheLinkedRecord()
    {
        // What the window edge found in the default: a meeting moved beyond the window, then deleted, left its
        // linked record open (the old window rule ignored every kind of change out there).
        var c = new SimulationCase(new Scenario([Provider.Google], 0, ApiVersion.V2, false, MeetingOrigin.Crm),
            [Sync(0), new(StepKind.OrganizerCrossesWindow, 0), Sync(0), new(StepKind.OrganizerDeletes, 0)]);
        var oldWindowRule = OldWindowRule.Value;
        Assert.Contains(Simulation.Replay(c, oldWindowRule, Now, out _), v => v.Invariant == "convergence");
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Rule == "outside-window-untouched");
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Rule == "organizer-cancel-reaches-crm");
    }

    [Fact]
    public void CrmEdits_ExploredExhaustively_ReachTheOrganizer()
    {
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Google], 1, ApiVersion.V1, false, MeetingOrigin.Crm),
            [Sync(0), new(StepKind.CrmEdits, 0), Sync(0)]);
        var violations = Simulation.Replay(c, RuleSets.Default, Now, out var trace);
        Assert.Empty(violations);
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Rule == "crm-changes-reach-organizer" && e.Text.Contains("updated", StringComparison.Ordinal));

        // Without the rule that carries CRM changes to the calendar, the explorer finds the divergence by itself.
        var trimmed = DefaultWithout("crm-changes-reach-organizer");
        Assert.Contains(Simulation.Run(Small with { Origins = [MeetingOrigin.Crm], AutoShare = [false], ApiVersions = [ApiVersion.V1] }, trimmed).Violations, v => v.Invariant == "convergence");
    }

    [Fact]
    public void ExhaustiveScenarios_WindowEdgeEmployees_CrossingForThosePopulationsOnly()
    {
        var scenarios = Simulation.ExhaustiveScenarios(new SimulationOptions { WindowEdgeEmployees = 2 });

        Assert.All(scenarios, s => Assert.Equal(s.Employees <= 2, s.WindowEdge));
        Assert.All(scenarios, s => Assert.Equal(s.WindowEdge && !s.ExternalOrganizer, s.Actions().Any(a => a.Kind == StepKind.OrganizerCrossesWindow)));
        Assert.DoesNotContain(Simulation.ExhaustiveScenarios(new SimulationOptions { WindowEdgeEmployees = 0 }), s => s.WindowEdge);
        Assert.Equal(2, new SimulationOptions().WindowEdgeEmployees);
    }

    [Fact]
    public void WindowEdge_MovedOutDeletedThenTimePasses_CancellingTheStaleRecordIsNotPastUntouched()
    {
        // The artefact that kept the window edge out of the acceptance scope: the record left at the meeting's old
        // time is past once time passes, but the organizer had moved the meeting 400 days out before deleting it, so
        // the meeting was not history and cancelling its stale record is right.
        var c = new SimulationCase(new Scenario([Provider.Google], 1, ApiVersion.V2, false, MeetingOrigin.Crm),
            [Sync(0), new(StepKind.OrganizerCrossesWindow, 0), Sync(0), new(StepKind.OrganizerDeletes, 0), new(StepKind.ClockAdvances, 0), Sync(0)]);

        var violations = Simulation.Replay(c, RuleSets.Default, Now, out var trace);

        Assert.Empty(violations);
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Rule == "organizer-cancel-reaches-crm");
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("ten days pass", StringComparison.Ordinal));
    }

    [Fact]
    public void WindowEdge_InTheExhaustiveScope_CatchesTheOldWindowRuleByItselfAndPassesTheDefault()
    {
        var oldWindowRule = OldWindowRule.Value;
        var scope = Small with { Origins = [MeetingOrigin.Crm], AutoShare = [false], WindowEdgeEmployees = 2 };

        Assert.Contains(Simulation.Run(scope, oldWindowRule).Violations, v => v.Invariant == "convergence");
        var report = Simulation.Run(scope, RuleSets.Default);
        Assert.Empty(report.Violations);
        Assert.Contains("outside-window-untouched", report.Coverage.Fired);
    }

    [Theory]
    [InlineData(Provider.Exchange, true, MeetingOrigin.Mailbox)]
    [InlineData(Provider.Google, false, MeetingOrigin.Crm)]
    public void WindowEdge_CrmEditAfterAnUnsharedMoveAndRemoval_CarriesOnlyTheSubjectAndCancelsNothing(Provider organizer, bool autoShare, MeetingOrigin origin)
    {
        // The schedule behind the window edge's 12 reports: A's sync ignores the move beyond the window (and B's
        // removal with it), then carries the CRM user's edit to A's event. Before the engine's field merge, the share
        // wrote the record's whole older content back — the old time, and B invited again. Now only the subject the
        // CRM user changed travels: A's meeting stays beyond the window, without B, and nobody is cancelled for.
        var c = new SimulationCase(new Scenario([organizer, Provider.Exchange], 1, ApiVersion.V2, autoShare, origin) { WindowEdge = true, AttendeeChanges = true },
            [Sync(0), new(StepKind.OrganizerRemovesAttendee, 1), new(StepKind.CrmEdits, 0), new(StepKind.OrganizerCrossesWindow, 0), Sync(0), Sync(0), Sync(1)]);

        var violations = Simulation.Replay(c, RuleSets.Default, Now, out var trace);

        Assert.Empty(violations);
        Assert.DoesNotContain(trace.SelectMany(t => t.Events), e => e.Text.Contains("B's calendar receives the invitation again", StringComparison.Ordinal));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Rule == "crm-changes-reach-organizer");
        var world = SimWorld.Create(c.Scenario, RuleSets.Default, Now);
        world.Apply(new ScheduleStep(StepKind.Create, 0));
        foreach (var step in c.Steps)
        {
            world.Apply(step);
        }

        var ev = world.LiveEvent(0)!;
        Assert.True(world.BeyondWindow(ev.Start));
        Assert.EndsWith("(edited)", ev.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain(ev.Attendees, a => a.Address == "B");
    }
}
