using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Tenant;

public sealed class TenantOperationsTests : IDisposable
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob@contoso.example";

    private readonly TempFiles files = new();
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-12-07T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly StateStore store;
    private readonly TenantOperations operations;

    public TenantOperationsTests()
    {
        store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        store.EnsureMailbox(Alice, "exchange");
        store.EnsureMailbox(Bob, "google");
        operations = new TenantOperations(store, time);
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Dispose()
    {
        store.Dispose();
        files.Dispose();
    }

    [Fact]
    public void Suspend_KnownMailbox_RecordsWhoWhyAndWhenAndKeepsTheOthersSyncing()
    {
        var row = operations.Suspend(Alice, "ops", "investigating");

        Assert.Equal((MailboxStatus.Suspended, "ops", "investigating", Now), (row!.Status, row.SuspendedBy, row.SuspendedReason, row.SuspendedAt));
        Assert.Equal(MailboxStatus.Suspended, store.Mailbox(Alice)!.Status);
        Assert.Equal(MailboxStatus.Active, store.Mailbox(Bob)!.Status);
        Assert.False(store.Tenant().KillSwitch);
    }

    [Fact]
    public void Resume_MailboxTheBreakerSuspended_IsActiveWithACleanFailureCount()
    {
        store.UpdateMailbox(Alice, m =>
        {
            m.ConsecutiveFailures = 3;
            MailboxLifecycle.Suspend(m, "circuit breaker", "3 consecutive failed syncs", 1);
        });

        var row = operations.Resume(Alice, "ops");

        Assert.Equal((MailboxStatus.Active, 0, null, null), (row!.Status, row.ConsecutiveFailures, row.SuspendedBy, row.SuspendedAt));
    }

    [Fact]
    public void SuspendAndResume_NoMailbox_SetAndLiftTheKillSwitchLeavingIndividualSuspensions()
    {
        operations.Suspend(Bob, "ops", "its own reason");

        Assert.Null(operations.Suspend(null, "ops", "incident"));
        var on = store.Tenant();
        Assert.Equal((true, "ops", "incident", Now), (on.KillSwitch, on.KillSwitchBy, on.KillSwitchReason, on.KillSwitchAt));

        Assert.Null(operations.Resume(null, "ops"));
        var off = store.Tenant();
        Assert.Equal((false, null, null, null), (off.KillSwitch, off.KillSwitchBy, off.KillSwitchReason, off.KillSwitchAt));
        Assert.Equal(MailboxStatus.Suspended, store.Mailbox(Bob)!.Status);
        Assert.Equal(MailboxStatus.Active, store.Mailbox(Alice)!.Status);
    }

    [Fact]
    public void Suspend_UnknownMailbox_IsNotFoundAndChangesNothing()
    {
        var e = Assert.Throws<OperatorConsoleNotFoundException>(() => operations.Suspend("nobody@contoso.example", "ops", "x"));

        Assert.Equal((OperatorConsoleSubject.Mailbox, "nobody@contoso.example"), (e.Subject, e.Id));
        Assert.All(store.Mailboxes(), m => Assert.Equal(MailboxStatus.Active, m.Status));
    }

    [Fact]
    public void Review_ApproveOne_MarksItApprovedByTheReviewerAndLeavesTheOthersHeld()
    {
        Hold("e1", "e2");

        var done = operations.Review(["e1"], approve: true, "ops@contoso.example");

        Assert.Equal(["e1"], done);
        var approved = store.Effect("e1")!;
        Assert.Equal((EffectStatus.Approved, "ops@contoso.example", Now), (approved.Status, approved.ReviewedBy, approved.ReviewedAt));
        Assert.Equal(EffectStatus.Held, store.Effect("e2")!.Status);
    }

    [Fact]
    public void Review_DiscardEverything_DiscardsEveryHeldEffect()
    {
        Hold("e1", "e2");

        var done = operations.Review(null, approve: false, "ops");

        Assert.Equal(["e1", "e2"], done.Order(StringComparer.Ordinal));
        Assert.All(done, k => Assert.Equal(EffectStatus.Discarded, store.Effect(k)!.Status));
    }

    [Fact]
    public void Review_EffectNoLongerHeld_IsRefusedWithItsStatus()
    {
        Hold("e1");
        operations.Review(["e1"], approve: false, "ops");

        var e = Assert.Throws<EffectNotHeldException>(() => operations.Review(["e1"], approve: true, "ops"));

        Assert.Equal(("e1", EffectStatus.Discarded), (e.Key, e.Status));
        Assert.Equal("effect e1 is discarded, not held", e.Message);
        Assert.Equal(EffectStatus.Discarded, store.Effect("e1")!.Status);
    }

    [Fact]
    public void Review_UnknownEffect_IsNotFound()
    {
        var e = Assert.Throws<OperatorConsoleNotFoundException>(() => operations.Review(["nope"], approve: true, "ops"));

        Assert.Equal((OperatorConsoleSubject.HeldEffect, "nope"), (e.Subject, e.Id));
    }

    private void Hold(params string[] keys) =>
        store.Journal(
            new DecisionRow { At = 1, Mailbox = StateStore.Key(Alice), MeetingKey = "uid-1", Action = "cancel", Rule = "r" },
            [.. keys.Select(k => new EffectRow { Id = k, IdempotencyKey = k, Mailbox = StateStore.Key(Alice), MeetingKey = "uid-1", Kind = "CancelEvent", Destructive = true, Status = EffectStatus.Held, CreatedAt = 1, UpdatedAt = 1 })]);
}
