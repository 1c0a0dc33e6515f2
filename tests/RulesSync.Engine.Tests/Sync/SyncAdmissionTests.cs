using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

public sealed class SyncAdmissionTests
{
    [Fact]
    public void AssertCancellationsAreDecided_CancelEventFromAShare_IsRefused()
    {
        var decision = Decision(DecisionAction.Share, new CancelEvent("k", "e1"));

        var e = Assert.Throws<InvalidOperationException>(() => SyncAdmission.AssertCancellationsAreDecided(decision));

        Assert.Contains("refusing to notify attendees", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertCancellationsAreDecided_DecidedCancel_Passes() =>
        SyncAdmission.AssertCancellationsAreDecided(Decision(DecisionAction.Cancel, new CancelEvent("k", "e1")));

    [Fact]
    public void AssertCancellationsAreDecided_DeleteWithoutNotification_Passes() =>
        SyncAdmission.AssertCancellationsAreDecided(Decision(DecisionAction.Delete, new DeleteEvent("k", "e1")));

    [Fact]
    public void Admit_NoPersonsAct_HoldsTheDestructiveEffectByIntentAndRunsTheRest()
    {
        var d = Decision(DecisionAction.Delete, new DeleteEvent("k1", "e1"), new UnlinkReplica("k2", "o1"));
        var cause = new ChangeCause(CauseKind.NoAct, "nobody deleted anything");

        var admitted = SyncAdmission.Admit(d, cause, new NoJournal(), budget: null, dryRun: false, shadow: null);

        Assert.Equal([AdmissionVerdict.HeldByIntent, AdmissionVerdict.Run], admitted.Effects.Select(e => e.Verdict));
        var taken = admitted.Taken().Effects;
        Assert.IsType<HeldEffect>(taken[0]);
        Assert.Same(d.Effects[1], taken[1]);
    }

    [Fact]
    public void Admit_DryRun_CarriesOutNothingAndSaysWhatWouldBeHeld()
    {
        var d = Decision(DecisionAction.Delete, new DeleteEvent("k1", "e1"));

        var admitted = SyncAdmission.Admit(d, new ChangeCause(CauseKind.NoAct, "nobody"), new NoJournal(), budget: null, dryRun: true, shadow: null);

        var e = Assert.Single(admitted.Effects);
        Assert.Equal(AdmissionVerdict.DryRun, e.Verdict);
        Assert.StartsWith("intent guard:", e.Reason, StringComparison.Ordinal);
        Assert.Empty(admitted.Taken().Effects);
    }

    [Fact]
    public void Admit_EverythingRuns_KeepsThePlannedEffectsAsTheyAre()
    {
        var d = Decision(DecisionAction.Share, new LinkReplica("k", "e1", "o1"));

        var admitted = SyncAdmission.Admit(d, new ChangeCause(CauseKind.NoAct, "an update"), new NoJournal(), budget: null, dryRun: false, shadow: null);

        Assert.Equal(d.Effects, admitted.Taken().Effects);
        Assert.Null(admitted.Shadow);
    }

    [Fact]
    public void Exceeded_TenantShareFromTheMinimumOn_NamesTheLimit()
    {
        var limits = GuardLimits.Defaults with { MaxDestructivePerTenant = 1000, MaxDestructiveSharePerTenant = 0.1 };

        Assert.Null(limits.Exceeded("A", 1, 0, 2, 19));
        Assert.Contains("3 of the tenant's 20 meetings (limit 10%)", limits.Exceeded("A", 1, 0, 3, 20), StringComparison.Ordinal);
    }

    private sealed class NoJournal : ISyncJournal
    {
        public OwnWrite? OwnWriteBehind(SyncDecision decision) => null;

        public string? ReviewOf(string idempotencyKey) => null;

        public ValueTask RecordAsync(AdmittedDecision decision, IMeetingLease? lease, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CarriedOutAsync(AdmittedDecision decision, AdmittedEffect effect, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SupersededAsync(AdmittedDecision decision, CrmConflictException conflict, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CompletedAsync(AdmittedDecision decision, MailboxSyncState progress, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static SyncDecision Decision(DecisionAction action, params Effect[] effects) => new(
        "alice@contoso.example",
        new ObservedChange("uid-1", ChangeSource.Crm, ChangeKind.Deleted, "o1", "v1"),
        ChangeFacts.Default,
        new Decision(action, DecisionTarget.Mailbox, "r", "hash", "why"),
        [.. effects]);
}
