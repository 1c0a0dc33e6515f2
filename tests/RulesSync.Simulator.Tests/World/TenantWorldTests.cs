using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// The world a tenant has, second part: attendees removed and invited again (so <c>role: none</c> occurs), customers
/// organizing (external organizers, their meetings tracked in the CRM), and visits in the exhaustive phase. Each
/// catches a rule set built to break on it, and the default passes.
/// </summary>
public class TenantWorldTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    private static readonly SimulationOptions Small = new()
    {
        Employees = 2, ExternalAttendees = 1, MaxActions = 2, MaxSyncsPerEmployee = 2,
        ApiVersions = [ApiVersion.V2], AutoShare = [true], Origins = [MeetingOrigin.Mailbox],
    };

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    private static ScheduleStep Act(StepKind kind, int e = 0) => new(kind, e);

    private static Scenario Tenant(Provider attendee, ApiVersion api = ApiVersion.V2, MeetingOrigin origin = MeetingOrigin.Mailbox, bool customer = false) =>
        new([Provider.Exchange, attendee], 1, api, true, origin, ExternalOrganizer: customer);

    /// <summary>The default with one rule added first (a consultant's addition).</summary>
    private static CompiledRuleSet DefaultWithFirst(string yaml)
    {
        var text = $"name: broken\nhitPolicy: first\nrules:\n{yaml}\n  - name: rest\n    because: nothing else\n    when: {{}}\n    decide: ignore\n";
        var extra = RuleSetCompiler.Load("broken.yaml", text).RuleSet ?? throw new InvalidOperationException("does not load");
        var model = RuleSets.Default.Model;
        return RuleSetCompiler.Compile(model with { Rules = [extra.Model.Rules[0], .. model.Rules], Tests = [] });
    }

    private static CompiledRuleSet DefaultWithout(params string[] rules) => RuleSets.DefaultWithout(rules);

    [Fact]
    public void Actions_AttendeeRemovedAndAdded_RoundTripAndOnlyForInvitedEmployees()
    {
        var actions = ExhaustiveExplorer.Actions(3);
        Assert.Contains(new ScheduleStep(StepKind.OrganizerRemovesAttendee, 2), actions);
        Assert.Contains(new ScheduleStep(StepKind.OrganizerAddsAttendee, 2), actions);
        Assert.DoesNotContain(new ScheduleStep(StepKind.OrganizerRemovesAttendee, 0), actions);

        // Exhaustive: only the last-named employee is removed (up to renaming, the others are covered); random: any.
        Assert.DoesNotContain(new ScheduleStep(StepKind.OrganizerRemovesAttendee, 1), actions);
        var three = new Scenario([Provider.Exchange, Provider.Exchange, Provider.Google], 0, ApiVersion.V2, true, MeetingOrigin.Mailbox);
        Assert.Contains(new ScheduleStep(StepKind.OrganizerRemovesAttendee, 1), three.Actions(anyAttendeeRemoved: true));
        Assert.All(actions, a => Assert.Equal(a, ScheduleStep.Parse(a.ToString())));

        // A customer's meeting invites A too: A can be removed, decline, delete their copy.
        var customer = Tenant(Provider.Google, customer: true).Actions();
        Assert.Contains(new ScheduleStep(StepKind.OrganizerRemovesAttendee, 1), customer);
        Assert.Contains(new ScheduleStep(StepKind.AttendeeDeclines, 0), customer);
    }

    /// <summary>
    /// Exchange keeps the removed attendee's copy, cancelled and without them among its attendees: role none. Google
    /// removes it; the engine judges a removal by the copy it last knew (with them invited): role attendee.
    /// </summary>
    [Theory]
    [InlineData(Provider.Exchange, "cancelled (source=mailbox role=none")]
    [InlineData(Provider.Google, "deleted (source=mailbox role=attendee")]
    public void RemoveAttendee_RemovedCopySynced_RoleObservedAndDefaultPasses(Provider provider, string observed)
    {
        var c = new SimulationCase(Tenant(provider), [Sync(0), Sync(1), Act(StepKind.OrganizerRemovesAttendee, 1), Sync(0), Sync(1)]);
        var violations = Simulation.Replay(c, RuleSets.Default, Now, out var trace);
        Assert.Empty(violations);
        var decisions = trace.SelectMany(t => t.Events).Where(e => e.Kind == "decision").Select(e => e.Text).ToList();
        Assert.Contains(decisions, d => d.Contains($"B's replica B-ev1 {observed}", StringComparison.Ordinal));

        // The removed attendee's cancellation is the organizer's doing, not a spurious one; the record drops B.
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Kind == "message" && e.Text == "cancellation A → B");
    }

    [Fact]
    public void RemoveAttendee_RuleCancelsOnRoleNone_CaughtAsSpuriousCancellation()
    {
        var broken = DefaultWithFirst("""
              - name: uninvited-copy-cancels-crm
                because: a consultant reads a cancelled copy as the meeting's end
                when: { source: mailbox, role: none, kind: [cancelled, deleted] }
                decide: cancel
                target: crm
            """);
        var c = new SimulationCase(Tenant(Provider.Exchange), [Sync(0), Sync(1), Act(StepKind.OrganizerRemovesAttendee, 1), Sync(1)]);
        Assert.Contains(Simulation.Replay(c, broken, Now, out _), v => v.Invariant == "no-spurious-cancellation");
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));

        Assert.Contains(Simulation.Run(Small, broken).Violations, v => v.Invariant == "no-spurious-cancellation");
        Assert.Empty(Simulation.Run(Small, RuleSets.Default).Violations);
    }

    [Theory]
    [InlineData(Provider.Exchange)]
    [InlineData(Provider.Google)]
    public void AddAttendee_RemovedThenInvitedAgain_CopyLiveAndConverges(Provider provider)
    {
        var c = new SimulationCase(Tenant(provider), [Sync(0), Act(StepKind.OrganizerRemovesAttendee, 1), Sync(1), Act(StepKind.OrganizerAddsAttendee, 1)]);
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace, t => t.Step == "organizer adds B");

        // A step that is not enabled (B is invited) is a no-op in a replay: nothing recorded for it.
        var again = new SimulationCase(Tenant(provider), [Act(StepKind.OrganizerAddsAttendee, 1)]);
        Simulation.Replay(again, RuleSets.Default, Now, out var none);
        Assert.DoesNotContain(none, t => t.Step == "organizer adds B");
    }

    [Fact]
    public void ExternalOrganizer_TrackedMeetingCancelledByCustomer_DefaultCancelsTheRecord()
    {
        // The customer cancels; only the attendees' copies show it (the customer's calendar is not synced), so the
        // record follows through organizer-cancel-seen-on-copy. Without it the record stays open: convergence.
        var c = new SimulationCase(Tenant(Provider.Google, origin: MeetingOrigin.Crm, customer: true), [Act(StepKind.OrganizerCancels), Sync(1)]);
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Rule == "organizer-cancel-seen-on-copy");

        var trimmed = DefaultWithout("organizer-cancel-seen-on-copy");
        Assert.Contains(Simulation.Replay(c, trimmed, Now, out _), v => v.Invariant == "convergence");
        var scope = Small with { Origins = [MeetingOrigin.Crm] };
        Assert.Contains(Simulation.Run(scope, trimmed).Violations, v => v.Invariant == "convergence" && v.Scenario.ExternalOrganizer);
        Assert.Empty(Simulation.Run(scope, RuleSets.Default).Violations);
    }

    [Fact]
    public void ExternalOrganizer_CopyCancelledReopenedAndCancelledBetweenSyncs_ReadsAsUpdatedAndIsNotRequired()
    {
        // Found by check: A (who tracked the meeting) is removed (copy cancelled, role none), syncs, is invited again
        // and the customer cancels, all before A's next sync. A's sync sees the copy cancelled before and after: the
        // engine classifies it `updated`, so no rule can carry the cancellation. Convergence asks only for what a
        // sync saw turn cancelled while its owner was invited.
        var c = new SimulationCase(new Scenario([Provider.Exchange], 1, ApiVersion.V1, false, MeetingOrigin.Crm, ExternalOrganizer: true),
            [Act(StepKind.OrganizerRemovesAttendee, 0), Sync(0), Act(StepKind.OrganizerAddsAttendee, 0), Act(StepKind.OrganizerCancels), Sync(0)]);
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out var trace));
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("A's replica A-ev1 updated (source=mailbox role=attendee link=this", StringComparison.Ordinal));
    }

    [Fact]
    public void ExternalOrganizerNeverCancelledFor_SyncDeletesCopyOfCustomersMeeting_Caught()
    {
        var broken = DefaultWithFirst("""
              - name: tracked-copy-deleted-on-crm-cancel
                because: a consultant tidies calendars after a CRM cancellation
                when: { source: crm, kind: cancelled, role: attendee }
                decide: delete
                target: mailbox
            """);
        var c = new SimulationCase(Tenant(Provider.Exchange, origin: MeetingOrigin.Crm, customer: true), [Sync(0), Act(StepKind.CrmCancels), Sync(0)]);
        var violations = Simulation.Replay(c, broken, Now, out var trace);
        Assert.Contains(violations, v => v.Invariant == "external-organizer-never-cancelled-for");
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.StartsWith("VIOLATION external-organizer-never-cancelled-for:", StringComparison.Ordinal));
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));

        var scope = Small with { Origins = [MeetingOrigin.Crm] };
        Assert.Contains(Simulation.Run(scope, broken).Violations, v => v.Invariant == "external-organizer-never-cancelled-for");
    }

    [Fact]
    public void ExhaustiveScenarios_DefaultScope_IncludesCustomersAndVisitsUpToTheirPopulations()
    {
        // The acceptance scope: customers, visits and attendee changes for populations up to 2 (docs/simulator.md).
        var all = Simulation.ExhaustiveScenarios(new SimulationOptions());
        Assert.Contains(all, s => s.ExternalOrganizer && s.Employees == 2);
        Assert.Contains(all, s => s.MeetingType == MeetingType.Visit && s.Employees == 2);
        Assert.DoesNotContain(all, s => (s.ExternalOrganizer || s.MeetingType == MeetingType.Visit || s.AttendeeChanges) && s.Employees == 3);
        Assert.Contains(all, s => s.AttendeeChanges && s.Employees == 2 && s.Actions().Contains(new ScheduleStep(StepKind.OrganizerRemovesAttendee, 1)));
        Assert.DoesNotContain(all, s => s.ExternalOrganizer && s.MeetingType == MeetingType.Visit);
        Assert.Contains(Simulation.ExhaustiveScenarios(new SimulationOptions { ExternalOrganizerEmployees = 3 }), s => s.ExternalOrganizer && s.Employees == 3);

        var none = Simulation.ExhaustiveScenarios(new SimulationOptions { ExternalOrganizerEmployees = 0, VisitEmployees = 0 });
        Assert.All(none, s => Assert.False(s.ExternalOrganizer || s.MeetingType == MeetingType.Visit));
    }

    [Fact]
    public void Visits_ExhaustivePhase_VisitOnlyMistakeCaught()
    {
        var broken = DefaultWithFirst("""
              - name: visit-update-cancels
                because: a consultant thinks a moved visit is a new one
                when: { source: mailbox, role: organizer, kind: updated, meetingType: visit, link: this }
                decide: cancel
                target: crm
            """);
        var report = Simulation.Run(Small, broken);
        Assert.Contains(report.Violations, v => v.Scenario.MeetingType == "visit");
        Assert.DoesNotContain(report.Violations, v => v.Scenario.MeetingType == "appointment");
        Assert.Empty(Simulation.Run(Small with { VisitEmployees = 0 }, broken).Violations);
    }

    [Fact]
    public void RandomMode_Draws_CustomersAndAttendeeChanges()
    {
        var cases = Enumerable.Range(0, 300).Select(i => Arbitraries.Draw(Arbitraries.RunSeed(7, i), 3, 12)).ToList();
        Assert.Contains(cases, c => c.Scenario.ExternalOrganizer);
        Assert.Contains(cases, c => c.Steps.Any(s => s.Kind == StepKind.OrganizerRemovesAttendee));
        Assert.Contains(cases, c => c.Steps.Any(s => s.Kind == StepKind.OrganizerAddsAttendee));
    }
}
