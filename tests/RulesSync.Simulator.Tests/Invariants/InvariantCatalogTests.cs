using RulesSync.Engine.Changes;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.Invariants;

/// <summary>Each invariant fires on the states it names, and only then.</summary>
public class InvariantCatalogTests
{
    private static SimWorld Created(int employees = 3)
    {
        var w = SimWorld.Create(new Scenario([.. Enumerable.Repeat(Provider.Exchange, employees)], 1, ApiVersion.V2, true, MeetingOrigin.Mailbox), RuleSets.Default, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        return w;
    }

    private static bool Has(int mask, InvariantId id) => (mask & (1 << (int)id)) != 0;

    [Fact]
    public void Names_AreTheIssuesNames()
    {
        Assert.Equal(
            [
                "no-spurious-cancellation", "no-spurious-deletion", "convergence", "no-duplicates", "idempotence",
                "cancel-is-not-deletion", "removal-stays-personal", "no-resurrection", "past-untouched", "no-auto-share-when-off",
                "nothing-held", "external-organizer-never-cancelled-for",
            ],
            InvariantCatalog.All.Select(InvariantCatalog.Name));
    }

    [Fact]
    public void CheckStep_CancellationWithoutIntent_IsSpurious()
    {
        var w = Created();
        w.CancelMeeting(0, w.LiveEvent(0)!.Id, "agent:A");
        Assert.True(Has(InvariantCatalog.CheckStep(w, null), InvariantId.NoSpuriousCancellation));
    }

    [Fact]
    public void CheckStep_OrganizerCancelled_IsMeant()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.OrganizerCancels, 0));
        Assert.Equal(0, InvariantCatalog.CheckStep(w, null));
    }

    [Fact]
    public void CheckStep_EventRemovedBySync_IsSpuriousDeletion()
    {
        var w = Created();
        w.RemoveEvent(2, w.LiveEvent(2)!.Id, byOwner: false, notifyAttendees: false, "agent:C");
        Assert.True(Has(InvariantCatalog.CheckStep(w, null), InvariantId.NoSpuriousDeletion));
    }

    [Fact]
    public void CheckStep_AttendeeOwnRemovalIsMeant_AnotherCopyRemovedIsNot()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.AttendeeDeletesCopy, 1));
        Assert.Equal(0, InvariantCatalog.CheckStep(w, null));
        w.RemoveEvent(2, w.LiveEvent(2)!.Id, byOwner: false, notifyAttendees: false, "agent:C");
        var mask = InvariantCatalog.CheckStep(w, null);
        Assert.True(Has(mask, InvariantId.RemovalStaysPersonal));
        Assert.False(Has(mask, InvariantId.NoSpuriousDeletion));
    }

    [Fact]
    public void CheckStep_OrganizerCancelled_LicensesCancellationNotDeletion()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.OrganizerCancels, 0));
        w.RemoveEvent(1, w.LiveEvent(1)!.Id, byOwner: false, notifyAttendees: false, "agent:B");
        Assert.Equal(InvariantCatalog.Bit(InvariantId.CancelIsNotDeletion), InvariantCatalog.CheckStep(w, null));
    }

    [Fact]
    public void CheckStep_OrganizerDeleted_LicensesDeletion()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.OrganizerDeletes, 0));
        w.RemoveEvent(1, w.LiveEvent(1)!.Id, byOwner: false, notifyAttendees: false, "agent:B");
        Assert.Equal(0, InvariantCatalog.CheckStep(w, null));
    }

    [Fact]
    public void CheckConvergence_AutoShareOnButNoRecord_Diverges()
    {
        var w = Created(); // auto-share on, nobody synced yet
        Assert.True(Has(InvariantCatalog.CheckConvergence(w, null), InvariantId.Convergence));
        w.Apply(new ScheduleStep(StepKind.Sync, 0));
        Assert.Equal(0, InvariantCatalog.CheckConvergence(w, null));
    }

    [Fact]
    public void CheckStep_RecordCreatedAfterCrmDeletion_IsResurrection()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.Sync, 0)); // auto-share on: R1
        w.Apply(new ScheduleStep(StepKind.CrmDeletes, 0));
        Assert.Equal(0, InvariantCatalog.CheckStep(w, null));
        w.PutRecord(w.FindRecord("R1")! with { ObjectId = "R2", Deleted = false });
        Assert.True(Has(InvariantCatalog.CheckStep(w, null), InvariantId.NoResurrection));
    }

    [Fact]
    public void CheckStep_HeldCrmDeletion_SaysWhatWasHeldOnWhichSideAndWhy()
    {
        // Every change decides "delete the CRM record"; the organizer's first sync finds no CRM record to delete.
        var deleteAll = RulesSync.Engine.Rules.Compilation.RuleSetCompiler.Load("delete-all.yaml", """
            name: delete-all
            hitPolicy: first
            rules:
              - name: always-delete-crm
                because: test
                when: {}
                decide: delete
                target: crm
            """).RuleSet!;
        var w = SimWorld.Create(new Scenario([Provider.Exchange, Provider.Exchange], 0, ApiVersion.V2, false, MeetingOrigin.Mailbox), deleteAll, RulesSync.Simulator.Exploration.CaseRunner.DefaultNow);
        w.Apply(new ScheduleStep(StepKind.Create, 0));
        w.Apply(new ScheduleStep(StepKind.Sync, 0));
        var reasons = new List<(InvariantId, string)>();

        Assert.True(Has(InvariantCatalog.CheckStep(w, reasons), InvariantId.NoSpuriousDeletion));
        var reason = Assert.Single(reasons, r => r.Item1 == InvariantId.NoSpuriousDeletion).Item2;
        Assert.Equal(
            "rule always-delete-crm decided to delete the CRM record on the CRM side; held: no live CRM record is correlated with this meeting — though nobody deleted or cancelled the meeting",
            reason);
        Assert.DoesNotContain("organizer's event", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckStep_TwoEventsInOneMailbox_IsDuplicate()
    {
        var w = Created();
        var ev = w.LiveEvent(1)!;
        w.Put(1, ev with { Id = "B-ev9" });
        Assert.True(Has(InvariantCatalog.CheckStep(w, null), InvariantId.NoDuplicates));
    }

    [Fact]
    public void CheckConvergence_RecordDisagreesWithOrganizer_Diverges()
    {
        var w = Created();
        w.Apply(new ScheduleStep(StepKind.Sync, 0));
        Assert.Equal(0, InvariantCatalog.CheckConvergence(w, null));
        w.Apply(new ScheduleStep(StepKind.OrganizerReschedules, 0));
        Assert.True(Has(InvariantCatalog.CheckConvergence(w, null), InvariantId.Convergence));
        w.Apply(new ScheduleStep(StepKind.Sync, 0));
        Assert.Equal(0, InvariantCatalog.CheckConvergence(w, null));
    }
}
