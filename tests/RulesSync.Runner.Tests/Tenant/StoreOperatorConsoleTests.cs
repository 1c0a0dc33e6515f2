using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Tenant;

/// <summary>The dashboard's console over the live runner's real state file, after real cycles against the emulators.</summary>
public sealed class StoreOperatorConsoleTests
{
    private const string Regression = "embedded:regressions/2020-02-ordering";

    private static async Task<(RunnerTestHost Host, StoreOperatorConsole Console)> HeldIncidentAsync()
    {
        var h = await RunnerTestHost.StartAsync(Regression, ApiVersion.V2, autoShare: true, mailboxes: [ConnectorTestHost.Bob, ConnectorTestHost.Alice], configure: o => o.Guards.MaxDestructivePerMailbox = 0);
        h.T.Organization.ScheduleMeeting(ConnectorTestHost.Alice, ConnectorTestHost.Draft("Quarterly review", 2, ConnectorTestHost.Bob));
        for (var i = 0; i < 3; i++)
        {
            await h.CycleAsync();
        }

        return (h, new StoreOperatorConsole(h.Store, h.T.Time));
    }

    [Fact]
    public async Task HeldEffects_AfterTheGuardHeldACancellation_ShowTheRuleTheMeetingAndItsSubject()
    {
        var (h, console) = await HeldIncidentAsync();
        await using var _ = h;

        var held = await console.HeldEffectsAsync(CancellationToken.None);

        var cancel = Assert.Single(held, e => e.Decision == DecisionAction.Cancel);
        Assert.Equal("foreign-owner-retracts-stale-copy", cancel.Rule);
        Assert.Equal("Quarterly review", cancel.MeetingSubject);
        Assert.Equal(ConnectorTestHost.Alice, cancel.MeetingOrganizer);
        var meeting = Assert.Single(h.T.Organization.Calendar(ConnectorTestHost.Alice), m => m.Subject == "Quarterly review");
        Assert.Equal(meeting.Start, cancel.MeetingStart);
        Assert.Contains("intent guard", cancel.WhyHeld, StringComparison.Ordinal);
        var history = await console.MeetingHistoryAsync(cancel.MeetingUid, CancellationToken.None);
        Assert.Contains(history, d => d.Decision == DecisionAction.Cancel && d.Effects.Any(e => e.Status == RulesSync.Runner.State.EffectStatus.Held));
        Assert.Equal("v2", history[0].Facts["apiVersion"]);
    }

    [Fact]
    public async Task DecisionsOverTime_AfterCycles_CountsEachKindAndTheHeldDecisions()
    {
        var (h, console) = await HeldIncidentAsync();
        await using var _ = h;

        var buckets = await console.DecisionsOverTimeAsync(CancellationToken.None);

        var decisions = h.Store.Decisions(0, long.MaxValue);
        Assert.NotEmpty(decisions);
        Assert.Equal(decisions.Count, buckets.Sum(b => b.Ignore + b.Share + b.Delete + b.Cancel + b.Unlink + b.Held));
        Assert.Equal(decisions.Count(d => d.Action == "share"), buckets.Sum(b => b.Share));
        Assert.True(buckets.Sum(b => b.Share) > 0, "the meeting was shared with the CRM");
        Assert.True(buckets.Sum(b => b.Held) > 0, "the cancellation the guard held counts as held");
    }

    [Fact]
    public async Task Approve_HeldEffect_IsApprovedOnceThenAConflict()
    {
        var (h, console) = await HeldIncidentAsync();
        await using var _ = h;
        var id = (await console.HeldEffectsAsync(CancellationToken.None))[0].Id;

        await console.ApproveAsync(id, "ops@contoso.example", CancellationToken.None);

        Assert.Equal(RulesSync.Runner.State.EffectStatus.Approved, h.Store.Effect(id)!.Status);
        await Assert.ThrowsAsync<OperatorConsoleConflictException>(() => console.DiscardAsync(id, "ops", CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<OperatorConsoleNotFoundException>(() => console.ApproveAsync("no-such-effect", "ops", CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task SuspendResume_Mailbox_ShowsInTheTableAndTheKillSwitchSuspendsEveryone()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [ConnectorTestHost.Alice, ConnectorTestHost.Bob]);
        await h.CycleAsync();
        var console = new StoreOperatorConsole(h.Store, h.T.Time);

        await console.SuspendAsync(ConnectorTestHost.Alice, "ops", "checking", CancellationToken.None);
        var table = await console.MailboxesAsync(CancellationToken.None);
        Assert.Equal(MailboxState.Suspended, table.Single(m => m.Id == ConnectorTestHost.Alice).State);
        Assert.Equal(MailboxState.Syncing, table.Single(m => m.Id == ConnectorTestHost.Bob).State);

        await console.SuspendAsync(null, "ops", "incident", CancellationToken.None);
        Assert.All(await console.MailboxesAsync(CancellationToken.None), m => Assert.Equal(MailboxState.Suspended, m.State));
        Assert.NotNull((await console.OverviewAsync(CancellationToken.None)).KillSwitch);

        await console.ResumeAsync(null, "ops", CancellationToken.None);
        await console.ResumeAsync(ConnectorTestHost.Alice, "ops", CancellationToken.None);
        Assert.All(await console.MailboxesAsync(CancellationToken.None), m => Assert.Equal(MailboxState.Syncing, m.State));
        await Assert.ThrowsAsync<OperatorConsoleNotFoundException>(() => console.SuspendAsync("nobody@contoso.example", "ops", "x", CancellationToken.None).AsTask());
    }
}
