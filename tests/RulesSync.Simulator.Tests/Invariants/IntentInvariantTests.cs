using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Tests.Invariants;

/// <summary>
/// The invariants that judge each effect against who meant it. Per invariant: a rule set written here to break it,
/// the schedule that shows it (replayed with a trace naming the intent and the invariant), the exhaustive explorer
/// finding it on its own at a small scope, and the default rule set passing the same schedule and scope.
/// </summary>
public class IntentInvariantTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    /// <summary>Small enough for a unit test, large enough for every schedule below (≤ 2 actions, 2 syncs each).</summary>
    private static readonly SimulationOptions Small = new() { Employees = 2, ExternalAttendees = 1, MaxActions = 2, MaxSyncsPerEmployee = 2 };

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    private static ScheduleStep Act(StepKind kind, int e = 0) => new(kind, e);

    private static Scenario Tenant(bool autoShare = true, ApiVersion api = ApiVersion.V2, MeetingOrigin origin = MeetingOrigin.Mailbox, bool past = false, int employees = 2) =>
        new([.. Enumerable.Repeat(Provider.Google, employees)], 1, api, autoShare, origin, Past: past);

    private static CompiledRuleSet Rules(string name, params string[] rules)
    {
        var text = $"name: {name}\nhitPolicy: first\nrules:\n{string.Join('\n', rules)}\n  - name: rest\n    because: nothing else\n    when: {{}}\n    decide: ignore\n";
        var loaded = RuleSetCompiler.Load($"{name}.yaml", text);
        return loaded.RuleSet ?? throw new InvalidOperationException(string.Join('\n', loaded.Diagnostics));
    }

    /// <summary>The organizer's meetings are auto-shared (the usual first rule of every rule set below).</summary>
    private const string ShareOrganizer = """
          - name: share-organizer
            because: auto-share
            when: { source: mailbox, role: organizer, kind: created, link: unlinked, autoShare: true }
            decide: share
        """;

    private static void AssertCaught(CompiledRuleSet broken, SimulationCase c, InvariantId id, SimulationOptions? scope = null)
    {
        var name = InvariantCatalog.Name(id);
        var violations = Simulation.Replay(c, broken, Now, out var trace);
        Assert.Contains(violations, v => v.Invariant == name);
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Kind == "violation" && e.Text.StartsWith($"VIOLATION {name}:", StringComparison.Ordinal));

        // The same default-passing schedule under the default rules: nothing violated.
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));

        // The explorer finds it by itself; the default passes the same scope.
        var options = (scope ?? Small) with { Origins = [c.Scenario.Origin], AutoShare = [c.Scenario.AutoShare], ApiVersions = [c.Scenario.ApiVersion] };
        Assert.Contains(Simulation.Run(options, broken).Violations, v => v.Invariant == name);
        Assert.Empty(Simulation.Run(options, RuleSets.Default).Violations);
    }

    [Fact]
    public void CancelIsNotDeletion_OrganizerCancelDeletesTheRecord_Caught()
    {
        var broken = Rules("cancel-deletes", ShareOrganizer, """
              - name: organizer-cancel-deletes-crm
                because: a consultant's shortcut
                when: { source: mailbox, role: organizer, kind: cancelled, link: [this, other] }
                decide: delete
                target: crm
            """);
        var c = new SimulationCase(Tenant(), [Sync(0), Act(StepKind.OrganizerCancels), Sync(0)]);
        AssertCaught(broken, c, InvariantId.CancelIsNotDeletion);

        // Under the old global flag a cancel licensed any removal; the trace now names what was meant.
        Simulation.Replay(c, broken, Now, out var trace);
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Kind == "intent" && e.Text.Contains("never deleting", StringComparison.Ordinal));
    }

    [Fact]
    public void CancelIsNotDeletion_CrmCancelDeletesTheOrganizersEvent_Caught()
    {
        var broken = Rules("crm-cancel-deletes", """
              - name: crm-cancel-deletes-event
                because: a consultant's shortcut
                when: { source: crm, kind: cancelled, role: organizer }
                decide: delete
                target: mailbox
              - name: crm-to-calendar
                because: CRM appointments reach the organizer
                when: { source: crm, kind: created, role: organizer }
                decide: share
            """);
        var c = new SimulationCase(Tenant(origin: MeetingOrigin.Crm), [Sync(0), Act(StepKind.CrmCancels), Sync(0)]);
        AssertCaught(broken, c, InvariantId.CancelIsNotDeletion);
    }

    [Fact]
    public void RemovalStaysPersonal_AttendeeDeletionDeletesTheRecord_Caught()
    {
        var broken = Rules("attendee-removal-deletes", ShareOrganizer, """
              - name: attendee-deletion-deletes-crm
                because: a consultant's shortcut
                when: { source: mailbox, role: attendee, kind: deleted, link: [this, other] }
                decide: delete
                target: crm
            """);
        var c = new SimulationCase(Tenant(), [Sync(0), Sync(1), Act(StepKind.AttendeeDeletesCopy, 1), Sync(1)]);
        AssertCaught(broken, c, InvariantId.RemovalStaysPersonal);
    }

    [Fact]
    public void RemovalStaysPersonal_AttendeeDeclineCancelsTheMeeting_Caught()
    {
        var broken = Rules("attendee-decline-cancels", ShareOrganizer, """
              - name: decline-cancels-crm
                because: a consultant's shortcut
                when: { source: mailbox, role: attendee, kind: declined, link: [this, other] }
                decide: cancel
                target: crm
            """);
        var c = new SimulationCase(Tenant(), [Sync(0), Sync(1), Act(StepKind.AttendeeDeclines, 1), Sync(1)]);
        AssertCaught(broken, c, InvariantId.RemovalStaysPersonal);
    }

    [Fact]
    public void NoResurrection_AttendeeAutoShareAfterCrmDeletion_Caught()
    {
        // The shipped default before this invariant: an attendee's copy was auto-shared on v2. `create, sync A, crm
        // deletes, sync B`: B's first sync sees its copy as new and unlinked and creates the record again.
        var broken = Rules("attendee-share", ShareOrganizer, """
              - name: share-attendee-copies
                because: on v2 an attendee may share first
                when: { source: mailbox, role: attendee, kind: created, link: unlinked, autoShare: true, apiVersion: v2 }
                decide: share
              - name: crm-removal-unlinks
                because: a deletion in the CRM leaves calendars alone
                when: { source: crm, kind: [deleted, missing] }
                decide: unlink
            """);
        var c = new SimulationCase(Tenant(), [Sync(0), Act(StepKind.CrmDeletes), Sync(1)]);
        AssertCaught(broken, c, InvariantId.NoResurrection);
    }

    [Fact]
    public void PastUntouched_RuleSetWithoutAPastRule_Caught()
    {
        var broken = Rules("no-past-rule", ShareOrganizer);
        var c = new SimulationCase(Tenant(past: true), [Sync(0)]);
        var name = InvariantCatalog.Name(InvariantId.PastUntouched);
        Assert.Contains(Simulation.Replay(c, broken, Now, out _), v => v.Invariant == name);
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
    }

    [Fact]
    public void NoAutoShareWhenOff_ShareWithoutTheFlag_Caught()
    {
        var broken = Rules("share-regardless", """
              - name: share-new-meetings
                because: a consultant forgot the flag
                when: { source: mailbox, role: organizer, kind: created, link: unlinked }
                decide: share
            """);
        var c = new SimulationCase(Tenant(autoShare: false), [Sync(0)]);
        AssertCaught(broken, c, InvariantId.NoAutoShareWhenOff);
    }

    [Fact]
    public void NothingHeld_AttendeeAskedToCancel_Caught()
    {
        // A CRM cancellation is meant, so no cancellation invariant objects; but an attendee's sync cannot cancel the
        // meeting (Graph answers 400), so the planner holds it for an operator: the rule set asks the impossible.
        var broken = Rules("everyone-cancels", """
              - name: crm-cancel-cancels-every-copy
                because: a consultant's shortcut
                when: { source: crm, kind: cancelled, link: [this, other] }
                decide: cancel
                target: mailbox
              - name: crm-to-calendar
                because: CRM appointments reach the organizer
                when: { source: crm, kind: created, role: organizer }
                decide: share
            """);
        var c = new SimulationCase(Tenant(origin: MeetingOrigin.Crm), [Sync(0), Sync(1), Act(StepKind.CrmCancels), Sync(1)]);
        AssertCaught(broken, c, InvariantId.NothingHeld);
    }

    [Fact]
    public void NoDuplicates_AttendeeCopySharedOnV1_Caught()
    {
        // On v1 an attendee's copy cannot find the organizer's record (no UID): sharing it books the meeting twice.
        var broken = Rules("attendee-shares-too", ShareOrganizer, """
              - name: share-attendee-copies
                because: a consultant shares every calendar's meetings
                when: { source: mailbox, role: attendee, kind: created, link: unlinked, autoShare: true }
                decide: share
            """);
        var c = new SimulationCase(Tenant(api: ApiVersion.V1), [Sync(0), Sync(1)]);
        AssertCaught(broken, c, InvariantId.NoDuplicates);
    }

    [Fact]
    public void Idempotence_AttendeeClaimsTheOrganizersRecord_Caught()
    {
        // Every calendar made the record's master: B's sync links the record to B's copy, A's sync (carrying the CRM
        // change) links it back to A's event, and so on for ever — each sync sees the other's write as news.
        var broken = RuleSets.DefaultWithFirst("""
              - name: attendee-claims-the-record
                because: a consultant makes every calendar the record's master
                when: { role: attendee, link: other }
                decide: share
                target: crm
            """);
        var c = new SimulationCase(Tenant(), [Sync(0), Sync(1)]);
        AssertCaught(broken, c, InvariantId.Idempotence);
    }

    [Fact]
    public void Default_IssueResurrectionSchedule_LeavesTheRecordDeleted()
    {
        var c = new SimulationCase(Tenant(employees: 3), [Sync(0), Act(StepKind.CrmDeletes), Sync(1), Sync(2), Sync(0)]);
        var r = CaseRunner.Run(c, RuleSets.Default, Now, trace: false);
        Assert.Equal(0, r.Violated);
    }

    [Fact]
    public void Names_EveryInvariantHasADistinctName()
    {
        var ids = Enum.GetValues<InvariantId>();
        var names = ids.Select(InvariantCatalog.Name).ToImmutableArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());

        // check judges the rules by every invariant but the admit stage's own, which only worlds that admit check.
        Assert.Equal(ids.Where(id => id != InvariantId.AdmittedWithinBudget).ToHashSet(), InvariantCatalog.All.ToHashSet());
    }
}
