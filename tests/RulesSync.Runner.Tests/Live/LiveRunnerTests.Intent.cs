using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Live;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>The intent guard end to end, under the documented default guards: counts that never trip, causes that do.</summary>
public sealed partial class LiveRunnerTests
{
    [Fact]
    public async Task RunCycle_RegressionUnderDefaultGuards_IsHeldByTheIntentGuard()
    {
        // Incident 1 with one meeting: far below every count of the mass-change guard. Alice's new event is taken for
        // a stale copy and "retracted" — a cancellation nobody asked for, held because no person's act caused it.
        await using var h = await RunnerTestHost.StartAsync(Regression, ApiVersion.V2, autoShare: true, mailboxes: [Bob, Alice]);
        var meeting = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob, ConnectorTestHost.External));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        Assert.DoesNotContain(h.T.Organization.Messages, x => x.Kind == MessageKind.Cancellation);
        Assert.False(h.T.Organization.Find(Alice, meeting.ICalUid)!.IsCancelled);
        var held = Assert.Single(h.Queries.HeldEffects());
        Assert.Equal("CancelEvent", held.Kind);
        Assert.Equal(LiveSyncJournal.HeldByIntent, held.HeldBy);
        Assert.StartsWith("intent guard: nobody cancelled or deleted the meeting", held.Detail, StringComparison.Ordinal);
        var decision = Assert.Single(h.Queries.MeetingHistory(held.MeetingKey), d => d.Effects.Any(e => e.Key == held.Key));
        Assert.Equal("no-act", decision.Cause);
    }

    [Fact]
    public async Task RunCycle_CancellationCausedByOurOwnApprovedDeletion_IsHeldAsOurOwnEffect()
    {
        // Incident 2 on v1: Bob's calendar cannot find Alice's CRM meeting and the rules delete the record — held. An
        // operator approves that deletion; the record is gone. Alice's sync then sees the record deleted, and the rules
        // cancel her meeting. The deletion is a write of ours, not a CRM user's act: the cancellation is held.
        await using var h = await RunnerTestHost.StartAsync(Regression, ApiVersion.V1, autoShare: false, mailboxes: [Alice, Bob]);
        var record = AddCrmMeeting(h, "Account review", 2);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        var deletion = Assert.Single(h.Queries.HeldEffects(), e => e.Kind == "DeleteCrmRecord");
        Assert.Equal(LiveSyncJournal.HeldByIntent, deletion.HeldBy);
        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Review([deletion.Key], approve: true, "ops@contoso.example");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        Assert.Equal(EffectStatus.Applied, h.Queries.Effect(deletion.Key)!.Status);
        Assert.Null(h.T.Host.Crm.Get(RulesSync.Emulators.Crm.CrmActivityKind.Appointment, record.ObjectID));
        Assert.DoesNotContain(h.T.Organization.Messages, x => x.Kind == MessageKind.Cancellation);
        var cancel = Assert.Single(h.Queries.HeldEffects(), e => e.Kind == "CancelEvent");
        Assert.Equal(LiveSyncJournal.HeldByIntent, cancel.HeldBy);
        Assert.Contains("an effect of our own", cancel.Detail, StringComparison.Ordinal);
        Assert.Contains(deletion.Key, cancel.Detail, StringComparison.Ordinal);
        var decision = Assert.Single(h.Queries.MeetingHistory(cancel.MeetingKey), d => d.Effects.Any(e => e.Key == cancel.Key));
        Assert.Equal("own-effect", decision.Cause);
    }

    [Fact]
    public async Task RunCycle_CrmUserCancelsUnderDefaultGuards_CancellationReachesTheAttendees()
    {
        // The person's act the guard lets through: a CRM user cancels the appointment; the organizer's meeting is cancelled.
        await using var h = await RunnerTestHost.StartAsync("embedded:default", ApiVersion.V2, autoShare: false, mailboxes: [Alice, Bob]);
        var record = AddCrmMeeting(h, "Account review", 2);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        h.T.Host.Crm.Update(RulesSync.Emulators.Crm.CrmActivityKind.Appointment, record.ObjectID, a => a with { LifeCycleStatusCode = "4" });
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        Assert.Contains(h.T.Organization.Messages, x => x.Kind == MessageKind.Cancellation && x.Subject == "Account review");
        Assert.Empty(h.Queries.HeldEffects());
    }
}
