using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// The clock and the sync window's edges (issue 10): time carrying a meeting beyond the window into it, a meeting
/// leaving the window at its past edge, and a meeting first seen beyond the window auto-shared when it enters.
/// </summary>
public class WindowClockTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    /// <summary>
    /// A consultant's shortcut: "a meeting that dropped out of the window behind us is stale" — its CRM record is
    /// deleted on the next change seen of it.
    /// </summary>
    internal static readonly Lazy<CompiledRuleSet> StaleRecordsDeleted = new(() => RuleSets.DefaultWithFirst("""
          - name: meetings-behind-the-window-are-stale
            because: a consultant's shortcut
            when: { timing: past, inSyncWindow: false, kind: [updated, cancelled, declined] }
            decide: delete
            target: crm
        """));

    /// <summary>The window edge's family at one employee (A with the external attendee), up to three actions.</summary>
    private static readonly SimulationOptions PastEdgeScope = new()
    {
        Employees = 1, ExternalAttendees = 1, MaxActions = 3, MaxSyncsPerEmployee = 2,
        ApiVersions = [ApiVersion.V1, ApiVersion.V2], AutoShare = [false, true], Origins = [MeetingOrigin.Mailbox, MeetingOrigin.Crm],
        ExternalOrganizerEmployees = 0, VisitEmployees = 0, AttendeeChangeEmployees = 0, WindowEdgeEmployees = 1, CrmEditEmployees = 0,
    };

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    private static readonly ScheduleStep TimePasses = new(StepKind.ClockAdvances, 0);

    private static Scenario Beyond(MeetingOrigin origin, bool autoShare, ApiVersion api = ApiVersion.V2) =>
        new([Provider.Exchange, Provider.Google], 1, api, autoShare, origin) { CreatedBeyondWindow = true, WindowEdge = true, CrmFieldEdits = true };

    private static SimWorld Play(SimulationCase c) => BeyondWindowTests.Play(c);

    [Theory]
    [InlineData(ApiVersion.V1)]
    [InlineData(ApiVersion.V2)]
    public void Replay_ClockCarriesACrmAppointmentIntoTheWindow_DefaultCreatesItInTheOrganizersCalendar(ApiVersion api)
    {
        var c = new SimulationCase(Beyond(MeetingOrigin.Crm, false, api), [Sync(0), TimePasses, Sync(0), Sync(1)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("just inside its far edge", StringComparison.Ordinal));

        var before = Play(c with { Steps = [Sync(0)] });
        Assert.True(before.MeetingBeyondWindow);
        Assert.Null(before.LiveEvent(0));
        Assert.False(before.HasNews(0));

        // Nothing changed in any store: the clock alone brings the appointment into the window, and A's sync decides
        // on it as new (the engine's OutOfWindow snapshot), so it reaches A's calendar and B's.
        var carried = Play(c with { Steps = [Sync(0), TimePasses] });
        Assert.False(carried.MeetingBeyondWindow);
        Assert.True(carried.HasNews(0));

        var world = Play(c);
        var record = world.LiveRecord()!;
        Assert.Equal(record.Start, world.LiveEvent(0)!.Start);
        Assert.Equal(record.Start, world.LiveEvent(1)!.Start);
        Assert.Equal(CrmStatus.Open, record.Status);
    }

    [Fact]
    public void Replay_ClockCarriesAMeetingFirstSeenBeyondTheWindowIn_AutoShareSharesItOnce()
    {
        var c = new SimulationCase(Beyond(MeetingOrigin.Mailbox, true), [Sync(0), Sync(1), TimePasses, Sync(0), Sync(1), Sync(0)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
        Assert.Null(Play(c with { Steps = [Sync(0), Sync(1)] }).LiveRecord()); // beyond the window: not shared
        var world = Play(c);
        var record = Assert.Single(world.Crm.Rows, r => !r.Deleted);
        Assert.Equal(world.LiveEvent(0)!.Start, record.Start);
        Assert.Equal(CrmStatus.Open, record.Status);
    }

    [Theory]
    [InlineData(Provider.Exchange)]
    [InlineData(Provider.Google)]
    public void Replay_OrganizerMovesAMeetingFirstSeenBeyondTheWindowIntoIt_AutoShareSharesIt(Provider organizer)
    {
        // The known gap FirstSeenBeyondWindow, closed: the move arrives as `created` (never decided inside the window).
        var c = new SimulationCase(Beyond(MeetingOrigin.Mailbox, true) with { Providers = [organizer, Provider.Google] },
            [Sync(0), new(StepKind.OrganizerCrossesWindow, 0), Sync(0), Sync(1)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
        var world = Play(c);
        Assert.False(world.MeetingBeyondWindow);
        Assert.Equal(world.LiveEvent(0)!.Start, world.LiveRecord()!.Start);
    }

    [Fact]
    public void Replay_CrmDeletedThenMovedOutAndBackIn_DefaultDoesNotCreateTheRecordAgain()
    {
        // Decided on inside the window (shared), then a CRM user deletes the record: leaving the window and coming
        // back does not make the meeting new again, so auto-share does not undo the deletion.
        var scenario = new Scenario([Provider.Exchange, Provider.Google], 1, ApiVersion.V2, true, MeetingOrigin.Mailbox) { WindowEdge = true };
        var cross = new ScheduleStep(StepKind.OrganizerCrossesWindow, 0);
        var c = new SimulationCase(scenario, [Sync(0), new(StepKind.CrmDeletes, 0), Sync(0), cross, Sync(0), cross, Sync(0), Sync(1)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
        var world = Play(c);
        Assert.NotNull(world.LiveEvent(0));
        Assert.Null(world.LiveRecord());
    }

    [Fact]
    public void Replay_MeetingLeavesTheWindowAtItsPastEdge_BrokenRuleDeletesTheRecordDefaultLeavesItAlone()
    {
        var scenario = new Scenario([Provider.Exchange], 1, ApiVersion.V2, true, MeetingOrigin.Mailbox) { WindowEdge = true };
        var c = new SimulationCase(scenario, [Sync(0), TimePasses, TimePasses, new(StepKind.CrmEdits, 0), Sync(0)]);

        var passed = Play(c with { Steps = [Sync(0), TimePasses, TimePasses] });
        Assert.Equal(40, passed.ClockDays);
        Assert.True(passed.MeetingIsPast);
        Assert.False(passed.InSyncWindow(passed.LiveEvent(0)!.Start));

        var violations = Simulation.Replay(c, StaleRecordsDeleted.Value, Now, out var trace);
        Assert.Contains(violations, v => v.Invariant == "past-untouched");
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("leaves the sync window at its past edge", StringComparison.Ordinal));

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
        var world = Play(c);
        Assert.Equal(CrmStatus.Open, world.LiveRecord()!.Status);
        Assert.NotNull(world.LiveEvent(0));
    }

    [Fact]
    public void TimePasses_WithoutTheWindowEdge_StopsAtTenDays()
    {
        var scenario = new Scenario([Provider.Exchange], 1, ApiVersion.V2, true, MeetingOrigin.Mailbox);
        var world = Play(new SimulationCase(scenario, [Sync(0), TimePasses]));
        Assert.Equal(10, world.ClockDays);
        Assert.False(world.IsEnabled(TimePasses));
    }

    [Fact]
    public void Run_PastEdgeScope_ExplorerFindsTheStaleRecordDefectOnlyWithTheWindowEdgeAndPassesTheDefault()
    {
        Assert.Contains(Simulation.Run(PastEdgeScope, StaleRecordsDeleted.Value).Violations, v => v.Invariant == "past-untouched");
        Assert.Empty(Simulation.Run(PastEdgeScope with { WindowEdgeEmployees = 0 }, StaleRecordsDeleted.Value).Violations);
        Assert.Empty(Simulation.Run(PastEdgeScope, RuleSets.Default).Violations);
    }
}
