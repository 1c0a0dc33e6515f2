using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// Meetings created beyond the sync window and entering it (<see cref="Scenario.CreatedBeyondWindow"/>, issue 10): the
/// organizer moves the meeting into the window, or a CRM user reschedules the appointment into it.
/// </summary>
public class BeyondWindowTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    /// <summary>
    /// A consultant's shortcut: "appointments more than a year out are placeholders" — the CRM record of a meeting
    /// created beyond the window is deleted.
    /// </summary>
    internal static readonly Lazy<CompiledRuleSet> FarFutureRecordsDeleted = new(() => RuleSets.DefaultWithFirst("""
          - name: far-future-records-are-placeholders
            because: a consultant's shortcut
            when: { source: crm, kind: created, inSyncWindow: false }
            decide: delete
            target: crm
        """));

    private static readonly SimulationOptions Scope = new()
    {
        Employees = 2, ExternalAttendees = 1, MaxActions = 2, MaxSyncsPerEmployee = 2,
        ApiVersions = [ApiVersion.V1, ApiVersion.V2], AutoShare = [false, true], Origins = [MeetingOrigin.Mailbox, MeetingOrigin.Crm],
        ExternalOrganizerEmployees = 0, VisitEmployees = 0, AttendeeChangeEmployees = 0, WindowEdgeEmployees = 0, CrmEditEmployees = 0,
        BeyondWindowEmployees = 2,
    };

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    /// <summary>The world after creation and <paramref name="c"/>'s steps, with the default rules (steps not enabled are skipped).</summary>
    internal static SimWorld Play(SimulationCase c)
    {
        var world = SimWorld.Create(c.Scenario, RuleSets.Default, Now);
        world.Apply(new ScheduleStep(StepKind.Create, 0));
        foreach (var step in c.Steps)
        {
            world.Apply(step);
        }

        return world;
    }

    [Fact]
    public void ExhaustiveScenarios_BeyondWindowEmployees_AddsBeyondWindowScenariosOnlyWhenAskedAndUpToThePopulation()
    {
        Assert.DoesNotContain(Simulation.ExhaustiveScenarios(new SimulationOptions()), s => s.CreatedBeyondWindow);
        var beyond = Simulation.ExhaustiveScenarios(new SimulationOptions { BeyondWindowEmployees = 2 }).Where(s => s.CreatedBeyondWindow).ToArray();
        Assert.NotEmpty(beyond);
        Assert.All(beyond, s => Assert.True(s.Employees <= 2 && s.WindowEdge && s.CrmFieldEdits && !s.ExternalOrganizer && s.MeetingType == MeetingType.Appointment));
        Assert.Contains("beyond-window", beyond[0].ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ApiVersion.V1, true)]
    [InlineData(ApiVersion.V2, false)]
    public void Replay_CrmReschedulesAnAppointmentIntoTheWindow_DefaultCreatesItInTheOrganizersCalendar(ApiVersion api, bool autoShare)
    {
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Google], 1, api, autoShare, MeetingOrigin.Crm) { CreatedBeyondWindow = true, WindowEdge = true, CrmFieldEdits = true },
            [Sync(0), new(StepKind.CrmReschedules, 0), Sync(0), Sync(1)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("into the sync window", StringComparison.Ordinal));

        // Beyond the window A's first sync leaves the appointment alone; moved in, it reaches A's calendar and B's.
        var before = Play(c with { Steps = [Sync(0)] });
        Assert.True(before.MeetingBeyondWindow);
        Assert.Null(before.LiveEvent(0));

        var world = Play(c);
        var record = world.LiveRecord()!;
        Assert.False(world.BeyondWindow(record.Start));
        Assert.Equal(record.Start, world.LiveEvent(0)!.Start);
        Assert.Equal(record.Start, world.LiveEvent(1)!.Start);
    }

    [Theory]
    [InlineData(Provider.Exchange)]
    [InlineData(Provider.Google)]
    public void Replay_OrganizerMovesAMeetingCreatedBeyondTheWindowIntoIt_DefaultKeepsTheLinkedRecordInStep(Provider organizer)
    {
        // The organizer's own meeting, created beyond the window (B's copy follows it there), moved into the window.
        var c = new SimulationCase(new Scenario([organizer, Provider.Google], 1, ApiVersion.V2, false, MeetingOrigin.Mailbox) { CreatedBeyondWindow = true, WindowEdge = true, CrmFieldEdits = true },
            [Sync(0), Sync(1), new(StepKind.OrganizerCrossesWindow, 0), Sync(0), Sync(1)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
        var world = Play(c);
        Assert.False(world.MeetingBeyondWindow);
        Assert.Equal(world.LiveEvent(0)!.Start, world.LiveEvent(1)!.Start);
        Assert.Null(world.LiveRecord()); // auto-share off: nothing reaches the CRM from a mailbox
    }

    [Fact]
    public void Replay_FarFutureRecordsDeleted_BrokenRuleDeletesTheAppointmentDefaultKeepsIt()
    {
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Google], 1, ApiVersion.V2, false, MeetingOrigin.Crm) { CreatedBeyondWindow = true, WindowEdge = true, CrmFieldEdits = true },
            [Sync(0)]);

        var violations = Simulation.Replay(c, FarFutureRecordsDeleted.Value, Now, out var trace);
        Assert.Contains(violations, v => v.Invariant == "no-spurious-deletion");
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("far-future-records-are-placeholders", StringComparison.Ordinal));
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
    }

    [Fact]
    public void Run_BeyondWindowScope_ExplorerFindsTheFarFutureDefectOnlyWithMeetingsCreatedBeyondAndPassesTheDefault()
    {
        Assert.Contains(Simulation.Run(Scope, FarFutureRecordsDeleted.Value).Violations, v => v.Invariant == "no-spurious-deletion");
        Assert.Empty(Simulation.Run(Scope with { BeyondWindowEmployees = 0 }, FarFutureRecordsDeleted.Value).Violations);
        Assert.Empty(Simulation.Run(Scope, RuleSets.Default).Violations);
    }
}
