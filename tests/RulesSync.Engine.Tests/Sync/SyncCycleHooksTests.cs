using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>What the live runner hangs on a sync (<see cref="ISyncHooks"/>), and CRM write conflicts (If-Match).</summary>
public class SyncCycleHooksTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static FuncPolicy ShareChanges() => new(f =>
        f is { Source: ChangeSource.Mailbox, Kind: ChangeKind.Created or ChangeKind.Updated }
            ? (DecisionAction.Share, DecisionTarget.Crm)
            : (DecisionAction.Ignore, DecisionTarget.Opposite));

    private static SyncOutcome Run(MailboxSyncState state, FakeMailbox mb, FakeCrm crm, IDecisionPolicy policy, ISyncHooks? hooks = null) =>
        SyncCycleTests.Completed(SyncCycle.RunAsync(state, mb, crm, policy, SyncSettings.For(state.EmployeeId, true), Now, hooks));

    /// <summary>Records every call; admits what <see cref="Admit"/> returns (default: everything planned).</summary>
    private sealed class RecordingHooks : ISyncHooks
    {
        public List<string> Calls { get; } = [];

        public List<MailboxSyncState> Progress { get; } = [];

        public Func<SyncDecision, ImmutableArray<Effect>> Admit { get; set; } = d => d.Effects;

        public ValueTask<IAsyncDisposable?> EnterMeetingAsync(string meetingKey, CancellationToken cancellationToken)
        {
            Calls.Add("enter " + meetingKey);
            return new(new Scope(this, meetingKey));
        }

        public ValueTask<ImmutableArray<Effect>> AdmitAsync(SyncDecision decision, CancellationToken cancellationToken)
        {
            Calls.Add("admit " + decision.Change.Kind);
            return new(Admit(decision));
        }

        public ValueTask EffectAppliedAsync(SyncDecision decision, Effect effect, CancellationToken cancellationToken)
        {
            Calls.Add("applied " + effect.GetType().Name);
            return ValueTask.CompletedTask;
        }

        public ValueTask DecisionSupersededAsync(SyncDecision decision, CrmConflictException conflict, CancellationToken cancellationToken)
        {
            Calls.Add("superseded " + conflict.ObjectId);
            return ValueTask.CompletedTask;
        }

        public ValueTask DecisionCompletedAsync(SyncDecision decision, MailboxSyncState progress, CancellationToken cancellationToken)
        {
            Calls.Add("completed");
            Progress.Add(progress);
            return ValueTask.CompletedTask;
        }

        private sealed class Scope(RecordingHooks hooks, string key) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                hooks.Calls.Add("leave " + key);
                return ValueTask.CompletedTask;
            }
        }
    }

    [Fact]
    public void RunAsync_WithHooks_EntersTheMeetingAdmitsBeforeEffectsAndReportsProgressWithTheOldCursor()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var hooks = new RecordingHooks();

        var outcome = Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), hooks);

        Assert.Equal(["enter m1", "admit Created", "applied CreateCrmRecord", "completed", "leave m1"], hooks.Calls);
        var progress = Assert.Single(hooks.Progress);
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
        var hooks = new RecordingHooks();
        Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), hooks);

        // A crash after the first meeting: restart from the first progress save, same page again.
        var restarted = Run(hooks.Progress[0], mb, crm, ShareChanges());

        var d = Assert.Single(restarted.Decisions);
        Assert.Equal("m2", d.Change.MeetingKey);
        Assert.Equal(2, crm.Live.Count);
    }

    [Fact]
    public void RunAsync_HooksWithholdEverything_NothingIsWritten()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var hooks = new RecordingHooks { Admit = _ => [] };

        var outcome = Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), hooks);

        Assert.Equal(0, crm.Writes);
        Assert.Empty(Assert.Single(outcome.Decisions).Effects);
        Assert.DoesNotContain(hooks.Calls, c => c.StartsWith("applied", StringComparison.Ordinal));
    }

    [Fact]
    public void RunAsync_HooksAdmitAnEffectTheDecisionDidNotPlan_Throws()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        mb.Invite("m1", organizer: true);
        var hooks = new RecordingHooks { Admit = d => [.. d.Effects, new DeleteCrmRecord("k", "R9")] };

        Assert.Throws<InvalidOperationException>(() => Run(MailboxSyncState.Initial("A"), mb, crm, ShareChanges(), hooks));
        Assert.Equal(0, crm.Writes);
    }

    [Fact]
    public void RunAsync_CrmRecordChangedBeforeTheWrite_DecidesAgainOnTheFreshRecord()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        var policy = ShareChanges();
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, policy).State;
        mb.Put(ev with { ChangeKey = "2", Subject = "Moved" });
        var touched = 0;
        crm.BeforeWrite = id => { if (touched++ == 0) { crm.Touch(id, r => r with { End = r.End.AddHours(1) }); } };
        var hooks = new RecordingHooks();
        policy.Seen.Clear();

        var outcome = Run(state, mb, crm, policy, hooks);

        Assert.Contains("superseded R1", hooks.Calls);
        Assert.Equal(2, policy.Seen.Count);
        Assert.Equal("Moved", crm.Live["R1"].Subject);
        Assert.Equal(crm.Live["R1"].ETag, outcome.State.Records["R1"].Latest.ETag);
    }

    [Fact]
    public void RunAsync_CrmRecordChangesOnEveryAttempt_GivesUpAfterTheRetries()
    {
        var mb = new FakeMailbox("A");
        var crm = new FakeCrm(ApiVersion.V2);
        var ev = mb.Invite("m1", organizer: true);
        var policy = ShareChanges();
        var state = Run(MailboxSyncState.Initial("A"), mb, crm, policy).State;
        mb.Put(ev with { ChangeKey = "2", Subject = "Moved" });
        crm.BeforeWrite = id => crm.Touch(id, r => r);

        Assert.Throws<CrmConflictException>(() => Run(state, mb, crm, policy));
        Assert.NotEqual("Moved", crm.Live["R1"].Subject);
    }
}
