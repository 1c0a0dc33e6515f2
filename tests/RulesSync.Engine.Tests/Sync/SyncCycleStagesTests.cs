using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>The sync's stages (read → plan → admit → journal → carry out → record) and CRM write conflicts (If-Match).</summary>
public class SyncCycleStagesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static FuncPolicy ShareChanges() => new(f =>
        f is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Created or ChangeKind.Updated }
            ? (DecisionAction.Share, DecisionTarget.Crm)
            : (DecisionAction.Ignore, DecisionTarget.Opposite));

    /// <summary>Shares new replicas; removes the calendar's replica when a CRM user deleted the record.</summary>
    private static FuncPolicy ShareThenFollowCrmDeletes() => new(f =>
        f is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Created } ? (DecisionAction.Share, DecisionTarget.Crm)
        : f is { Source: ChangeSource.Crm, Kind: ChangeKind.Deleted } ? (DecisionAction.Delete, DecisionTarget.Mailbox)
        : (DecisionAction.Ignore, DecisionTarget.Opposite));

    private static SyncOutcome Run(MailboxSyncState state, FakeMailbox mb, FakeCrm crm, IDecisionPolicy policy, SyncStages? stages = null) =>
        SyncCycleTests.Completed(SyncCycle.RunAsync(state, mb, crm, policy, SyncSettings.For(state.EmployeeId, true), Now, stages));

    /// <summary>Records every call of every stage, in order.</summary>
    private sealed class Recorder : ISyncJournal, IMeetingSerializer, IAdmissionBudget
    {
        private long fence;

        public List<string> Calls { get; } = [];

        public List<MailboxSyncState> Progress { get; } = [];

        public List<AdmittedDecision> Journaled { get; } = [];

        public GuardLimits Limits { get; init; } = GuardLimits.Defaults;

        public Dictionary<string, string> Reviews { get; } = [];

        private int taken;
        private string? tripped;

        public OwnWrite? OwnWriteBehind(SyncDecision decision) => null;

        public string? ReviewOf(string idempotencyKey) => Reviews.GetValueOrDefault(idempotencyKey);

        public ValueTask RecordAsync(AdmittedDecision decision, IMeetingLease? lease, CancellationToken cancellationToken)
        {
            Calls.Add($"journal {decision.Decision.Change.Kind} under lease {lease?.FencingToken}");
            Journaled.Add(decision);
            return ValueTask.CompletedTask;
        }

        public ValueTask CarriedOutAsync(AdmittedDecision decision, AdmittedEffect effect, CancellationToken cancellationToken)
        {
            Calls.Add("carried out " + (effect.ToCarryOut?.GetType().Name ?? "nothing"));
            return ValueTask.CompletedTask;
        }

        public ValueTask SupersededAsync(AdmittedDecision decision, CrmConflictException conflict, CancellationToken cancellationToken)
        {
            Calls.Add("superseded " + conflict.ObjectId);
            return ValueTask.CompletedTask;
        }

        public ValueTask CompletedAsync(AdmittedDecision decision, MailboxSyncState progress, CancellationToken cancellationToken)
        {
            Calls.Add("completed");
            Progress.Add(progress);
            return ValueTask.CompletedTask;
        }

        public ValueTask<IMeetingLease> EnterAsync(string meetingKey, CancellationToken cancellationToken)
        {
            Calls.Add("enter " + meetingKey);
            return new(new Lease(this, meetingKey, ++fence));
        }

        public string? Reserve(MailboxSyncState state, int plannedDestructive)
        {
            Calls.Add($"reserve {plannedDestructive}");
            tripped = Limits.Exceeded(state.EmployeeId, plannedDestructive, 0, plannedDestructive, 0);
            return tripped;
        }

        public string? Take(string mailbox, Effect effect) =>
            !EffectTraits.IsDestructive(effect) ? null : tripped ?? Limits.Exceeded(mailbox, ++taken, 0, taken, 0);

        private sealed class Lease(Recorder owner, string key, long token) : IMeetingLease
        {
            public string MeetingKey => key;

            public long FencingToken => token;

            public ValueTask DisposeAsync()
            {
                owner.Calls.Add("leave " + key);
                return ValueTask.CompletedTask;
            }
        }
    }

    private static SyncRead Read(MailboxSyncState state, FakeMailbox mb, FakeCrm crm)
    {
        var read = SyncCycle.ReadAsync(state, mb, crm);
        return read.IsCompleted ? read.GetAwaiter().GetResult() : throw new InvalidOperationException("the fakes complete synchronously");
    }

    /// <summary>A Google organizer's meetings, shared to the CRM; then a CRM user deleted every record.</summary>
    private static (FakeMailbox Mailbox, FakeCrm Crm, FuncPolicy Policy, MailboxSyncState State) SharedThenDeletedInTheCrm(int meetings)
    {
        var mb = new FakeMailbox("A", Provider.Google);
        var crm = new FakeCrm(ApiVersion.V2);
        for (var i = 1; i <= meetings; i++)
        {
            mb.Invite($"m{i}", organizer: true);
        }

        var policy = ShareThenFollowCrmDeletes();
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, policy).State;
        foreach (var id in crm.Live.Keys.ToList())
        {
            crm.Remove(id);
        }

        return (mb, crm, policy, state);
    }

    private static SyncStages Stages(Recorder r, bool dryRun = false) => new(r, r, r, dryRun);

    [Fact]
    public void RunAsync_WithStages_EntersTheMeetingJournalsBeforeEffectsAndReportsProgressWithTheOldCursor()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var r = new Recorder();

        var outcome = Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), Stages(r));

        Assert.Equal(["reserve 0", "enter m1", "journal Created under lease 1", "carried out CreateCrmRecord", "completed", "leave m1"], r.Calls);
        var progress = Assert.Single(r.Progress);
        Assert.True(progress.Cursor.IsStart, "progress is saved with the cursor the sync started from");
        Assert.Equal(default, progress.Watermark);
        Assert.Equal("R1", progress.Events.Single().Value.LinkedRecord);
        Assert.False(outcome.State.Cursor.IsStart, "the outcome's cursor is advanced");
    }

    [Fact]
    public void RunAsync_ProgressSavedThenRunAgain_DecidesNothingTwice()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        mb.Invite("m2", organizer: true);
        var r = new Recorder();
        Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), Stages(r));

        // A crash after the first meeting: restart from the first progress save, same page again.
        var restarted = Run(r.Progress[0], mb, crm, ShareChanges());

        var d = Assert.Single(restarted.Decisions);
        Assert.Equal("m2", d.Change.MeetingKey);
        Assert.Equal(2, crm.Live.Count);
    }

    [Fact]
    public void RunAsync_DryRun_JournalsEveryDecisionAndWritesNothing()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var r = new Recorder();

        var outcome = Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), Stages(r, dryRun: true));

        Assert.Equal(0, crm.Writes);
        Assert.Empty(Assert.Single(outcome.Decisions).Effects);
        Assert.Equal(AdmissionVerdict.DryRun, Assert.Single(Assert.Single(r.Journaled).Effects).Verdict);
        Assert.DoesNotContain(r.Calls, c => c.StartsWith("carried out", StringComparison.Ordinal) || c.StartsWith("reserve", StringComparison.Ordinal));
    }

    [Fact]
    public void RunAsync_WholePlanBeyondTheBudget_HoldsEveryDestructiveEffectFromTheFirst()
    {
        var (mb, crm, policy, state) = SharedThenDeletedInTheCrm(3);
        var r = new Recorder { Limits = GuardLimits.Defaults with { MaxDestructivePerMailbox = 2 } };
        var writes = mb.Writes;

        var outcome = Run(state, mb, crm, policy, Stages(r));

        Assert.Equal("reserve 3", r.Calls[0]); // The whole plan, before anything is journaled or carried out.
        Assert.Equal(writes, mb.Writes);
        Assert.Equal(3, mb.Live.Count);
        var held = outcome.Decisions.SelectMany(d => d.Effects).OfType<HeldEffect>().ToList();
        Assert.Equal(3, held.Count);
        Assert.All(held, h => Assert.Contains("would delete or cancel 3 meetings of A (limit 2 per mailbox)", h.Reason, StringComparison.Ordinal));
        Assert.All(r.Journaled.SelectMany(d => d.Effects).Where(e => e.Planned is DeleteEvent), e => Assert.Equal(AdmissionVerdict.HeldByMassChange, e.Verdict));
    }

    [Fact]
    public void RunAsync_WholePlanWithinTheBudget_CarriesOutEveryDestructiveEffect()
    {
        var (mb, crm, policy, state) = SharedThenDeletedInTheCrm(2);
        var r = new Recorder { Limits = GuardLimits.Defaults with { MaxDestructivePerMailbox = 2 } };

        var outcome = Run(state, mb, crm, policy, Stages(r));

        Assert.Equal("reserve 2", r.Calls[0]);
        Assert.Empty(mb.Live);
        Assert.Empty(outcome.Decisions.SelectMany(d => d.Effects).OfType<HeldEffect>());
    }

    [Fact]
    public void RunAsync_EffectInReview_IsHeldNotCarriedOut()
    {
        var mb = new FakeMailbox("A", Provider.Google);
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var policy = ShareThenFollowCrmDeletes();
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, policy).State;
        crm.Remove("R1");
        var plan = SyncCycle.Plan(state, Read(state, mb, crm), policy, SyncSettings.For("A", true), Now, mb.Provider, crm.Dialect);
        var delete = plan.Decisions.SelectMany(d => d.Effects).OfType<DeleteEvent>().Single();
        var r = new Recorder();
        r.Reviews[delete.IdempotencyKey] = "discarded";

        var outcome = Run(state, mb, crm, policy, Stages(r));

        Assert.Single(mb.Live);
        Assert.Contains("already discarded by review", outcome.Decisions.SelectMany(d => d.Effects).OfType<HeldEffect>().Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SameReadAsABareRun_PlansTheDecisionsTheRunTakesAndWritesNothing()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        mb.Invite("m2", organizer: true);
        var state = MailboxSyncState.Initial("A");
        var read = Read(state, mb, crm);

        var plan = SyncCycle.Plan(state, read, ShareChanges(), SyncSettings.For("A", true), Now, mb.Provider, crm.Dialect);

        Assert.Equal(0, crm.Writes);
        var run = Run(state, mb, crm, ShareChanges());
        Assert.Equal(run.Decisions.Select(d => (d.Change, d.Decision.Action, d.Effects.Length)), plan.Decisions.Select(d => (d.Change, d.Decision.Action, d.Effects.Length)));
        Assert.Equal(0, plan.Destructive);
    }

    [Fact]
    public void RunAsync_CrmRecordChangedBeforeTheWrite_DecidesAgainOnTheFreshRecord()
    {
        var (mb, crm, policy, state) = SharedThenMoved();
        var touched = 0;
        crm.BeforeWrite = id => { if (touched++ == 0) { crm.Touch(id, r => r with { End = r.End.AddHours(1) }); } };
        var r = new Recorder();
        policy.Seen.Clear();

        var outcome = Run(state, mb, crm, policy, Stages(r));

        Assert.Contains("superseded R1", r.Calls);
        Assert.Equal(3, policy.Seen.Count); // Planned once, decided again after the conflict.
        Assert.Equal("Moved", crm.Live["R1"].Subject);
        Assert.Equal(crm.Live["R1"].ETag, outcome.State.Records["R1"].Latest.ETag);
    }

    [Fact]
    public void RunAsync_CrmRecordChangesOnEveryAttempt_GivesUpAfterTheRetries()
    {
        var (mb, crm, policy, state) = SharedThenMoved();
        crm.BeforeWrite = id => crm.Touch(id, r => r);

        Assert.Throws<CrmConflictException>(() => Run(state, mb, crm, policy));
        Assert.NotEqual("Moved", crm.Live["R1"].Subject);
    }

    /// <summary>A's own meeting shared to the CRM as R1 by one sync, then moved ("Moved") in A's calendar, not synced yet.</summary>
    private static (FakeMailbox Mb, FakeCrm Crm, FuncPolicy Policy, MailboxSyncState State) SharedThenMoved()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        var policy = ShareChanges();
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, policy).State;
        mb.Put(ev with { ChangeKey = "2", Subject = "Moved" });
        return (mb, crm, policy, state);
    }
}
