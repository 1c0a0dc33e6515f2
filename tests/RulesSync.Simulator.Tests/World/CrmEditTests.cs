using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// A CRM user's edits of the appointment's time and owner as exhaustive steps (<see cref="Scenario.CrmFieldEdits"/>,
/// issue 10), beside the subject edit, cancellation and deletion.
/// </summary>
public class CrmEditTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    /// <summary>
    /// A consultant's shortcut: "a record someone else took over is theirs to run" — the organizer retracts their
    /// meeting when a CRM change shows the record owned by someone else.
    /// </summary>
    internal static readonly Lazy<CompiledRuleSet> HandoverRetracts = new(() => RuleSets.DefaultWithFirst("""
          - name: record-handed-over-retracts-meeting
            because: a consultant's shortcut
            when: { source: crm, kind: updated, role: organizer, ownsRecord: false }
            decide: cancel
            target: mailbox
        """));

    private static readonly SimulationOptions Scope = new()
    {
        Employees = 2, ExternalAttendees = 1, MaxActions = 2, MaxSyncsPerEmployee = 2,
        ApiVersions = [ApiVersion.V1, ApiVersion.V2], AutoShare = [false, true], Origins = [MeetingOrigin.Mailbox, MeetingOrigin.Crm],
        ExternalOrganizerEmployees = 2, VisitEmployees = 0, AttendeeChangeEmployees = 0, WindowEdgeEmployees = 0,
        CrmEditEmployees = 2,
    };

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    [Fact]
    public void Actions_CrmFieldEdits_AddTimeAndOwnerEditsThatParseBack()
    {
        var scenario = new Scenario([Provider.Exchange, Provider.Google, Provider.Google], 0, ApiVersion.V2, true, MeetingOrigin.Crm) { CrmFieldEdits = true };
        var actions = scenario.Actions();
        Assert.Contains(new ScheduleStep(StepKind.CrmReschedules, 0), actions);
        Assert.Contains(new ScheduleStep(StepKind.CrmChangesOwner, 2), actions);
        Assert.All(actions, a => Assert.Equal(a, ScheduleStep.Parse(a.ToString())));
        Assert.DoesNotContain((scenario with { CrmFieldEdits = false }).Actions(), a => a.Kind is StepKind.CrmReschedules or StepKind.CrmChangesOwner);
        Assert.DoesNotContain(Simulation.ExhaustiveScenarios(new SimulationOptions()), s => s.CrmFieldEdits);
        Assert.All(Simulation.ExhaustiveScenarios(new SimulationOptions { CrmEditEmployees = 2 }), s => Assert.Equal(s.Employees <= 2, s.CrmFieldEdits));
    }

    [Theory]
    [InlineData(ApiVersion.V1, MeetingOrigin.Crm)]
    [InlineData(ApiVersion.V2, MeetingOrigin.Mailbox)]
    public void Replay_CrmReschedules_DefaultCarriesTheNewTimeToEveryCalendar(ApiVersion api, MeetingOrigin origin)
    {
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Google], 1, api, true, origin) { CrmFieldEdits = true },
            [Sync(0), new(StepKind.CrmReschedules, 0), Sync(0), Sync(1)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("two hours later", StringComparison.Ordinal));

        var world = SimWorld.Create(c.Scenario, RuleSets.Default, Now);
        world.Apply(new ScheduleStep(StepKind.Create, 0));
        foreach (var step in c.Steps)
        {
            Assert.True(world.Apply(step));
        }

        var moved = world.LiveRecord()!.Start;
        Assert.Equal(world.MeetingStart.AddHours(2), moved);
        Assert.Equal(moved, world.LiveEvent(0)!.Start);
        Assert.Equal(moved, world.LiveEvent(1)!.Start);
    }

    /// <summary>
    /// What <c>check --crm-edits 2</c> found (issue 10, fourth session): the organizer removed B and moved the meeting beyond
    /// the window (the rules leave both unshared), a CRM user rescheduled it. The CRM user's new time brings the meeting
    /// back into the window; the organizer's calendar stays the source of the attendees, so the record must follow it
    /// (B off the record too), or the two disagree for ever.
    /// </summary>
    [Theory]
    [InlineData(Provider.Exchange, Provider.Google)]
    [InlineData(Provider.Google, Provider.Exchange)]
    public void Replay_CrmRescheduleBringsAnUnsharedRemovalBackIntoTheWindow_RecordFollowsTheOrganizersAttendees(Provider organizer, Provider attendee)
    {
        var c = new SimulationCase(new Scenario([organizer, attendee], 1, ApiVersion.V1, false, MeetingOrigin.Crm) { CrmFieldEdits = true, WindowEdge = true },
            [Sync(0), new(StepKind.OrganizerRemovesAttendee, 1), new(StepKind.CrmReschedules, 0), new(StepKind.OrganizerCrossesWindow, 0)]);

        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));

        var world = SimWorld.Create(c.Scenario, RuleSets.Default, Now);
        world.Apply(new ScheduleStep(StepKind.Create, 0));
        foreach (var step in c.Steps.Concat([Sync(0), Sync(1), Sync(0)]))
        {
            world.Apply(step);
        }

        var ev = world.LiveEvent(0)!;
        var record = world.LiveRecord()!;
        Assert.Equal(world.MeetingStart.AddHours(2), ev.Start);
        Assert.Equal(ev.Start, record.Start);
        Assert.DoesNotContain(ev.Attendees, a => a.Address == "B");
        Assert.DoesNotContain(record.Parties, p => p.Party == "B");
    }

    [Fact]
    public void Replay_CrmHandsOverToB_BrokenRuleRetractsTheMeetingDefaultKeepsIt()
    {
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Google], 1, ApiVersion.V2, false, MeetingOrigin.Crm) { CrmFieldEdits = true },
            [Sync(0), new(StepKind.CrmChangesOwner, 1), Sync(0)]);

        Assert.Contains(Simulation.Replay(c, HandoverRetracts.Value, Now, out var trace), v => v.Invariant == "no-spurious-cancellation");
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("over to B", StringComparison.Ordinal));
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
    }

    [Fact]
    public void Run_CrmEditScope_ExplorerFindsTheHandoverDefectOnlyWithOwnerEditsAndPassesTheDefault()
    {
        Assert.Contains(Simulation.Run(Scope, HandoverRetracts.Value).Violations, v => v.Schedule.Any(s => s.StartsWith("crm hands over", StringComparison.Ordinal)));
        Assert.Empty(Simulation.Run(Scope with { CrmEditEmployees = 0 }, HandoverRetracts.Value).Violations);

        var report = Simulation.Run(Scope, RuleSets.Default);
        Assert.Empty(report.Violations);
    }

    [Fact]
    public void Explore_ReducedAndFullWithCrmEdits_FindTheSameViolations()
    {
        foreach (var rules in new[] { RuleSets.Default, HandoverRetracts.Value })
        {
            var picked = Simulation.ExhaustiveScenarios(Scope with { MaxSyncsPerEmployee = 1 }).Where(s => s.CrmFieldEdits && s.Employees == 2).Take(4).ToArray();
            foreach (var scenario in picked)
            {
                var full = new ExhaustiveExplorer(rules, Now, 2, 1, new HashSet<string>(StringComparer.Ordinal), reduce: false).Explore(scenario);
                var reduced = new ExhaustiveExplorer(rules, Now, 2, 1, new HashSet<string>(StringComparer.Ordinal), reduce: true, audit: true).Explore(scenario);
                Assert.Equal(full.Violations.Select(v => (v.Invariant, v.Steps.Length)).ToHashSet(), reduced.Violations.Select(v => (v.Invariant, v.Steps.Length)).ToHashSet());
            }
        }
    }
}
