using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

public sealed partial class LiveRunnerTests
{
    private const string Carol = ConnectorTestHost.Carol;

    [Theory]
    [MemberData(nameof(TenantUnderTest.Kinds), MemberType = typeof(TenantUnderTest))]
    public async Task RunCycle_ThrottlingOutagesAndMalformedAnswers_AreRetriedAndNothingIsLost(RunnerKind kind)
    {
        await using var h = await TenantUnderTest.StartAsync(kind, cluster, mailboxes: [Alice, Carol]);
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Exchange meeting", 1, Bob));
        h.T.Organization.ScheduleMeeting(Carol, ConnectorTestHost.Draft("Google meeting", 2, ConnectorTestHost.Dave));
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.calendarView.delta", Mailbox = Alice, Times = 2 });
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "crm.v2.AppointmentCollection.query", Times = 1 });
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Route = "google.events.list", Mailbox = Carol, Times = 1 });
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "crm.v2.AppointmentCollection.create", Times = 1 });

        var report = await h.CycleAsync();

        Assert.Equal(0, report.Failed);
        Assert.Equal(2, report.Synced);
        var subjects = h.T.Host.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject).Order().ToArray();
        Assert.Equal(["Exchange meeting", "Google meeting"], subjects);
        Assert.Contains(h.T.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
    }

    [Theory]
    [MemberData(nameof(TenantUnderTest.Kinds), MemberType = typeof(TenantUnderTest))]
    public async Task RunCycle_PersistentFailure_BacksOffThenSuspendsWithThePlainErrorAndResumeLosesNothing(RunnerKind kind)
    {
        await using var h = await TenantUnderTest.StartAsync(kind, cluster, mailboxes: [Alice, Carol]);
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Route = "graph.calendarView.delta", Mailbox = Alice, Times = null });
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Blocked", 1, Bob));

        var first = await h.CycleAsync();
        var backingOff = await h.CycleAsync();

        Assert.Equal(1, first.Failed);
        Assert.Equal(1, first.Synced);
        Assert.Equal(1, backingOff.Skipped);
        var row = h.Store.Mailbox(Alice)!;
        Assert.Equal(MailboxStatus.Failing, row.Status);
        Assert.Equal("a service sent an answer that could not be read (malformed JSON)", row.LastError);

        for (var i = 0; i < 2; i++)
        {
            h.Advance(TimeSpan.FromMinutes(5));
            await h.CycleAsync();
        }

        row = h.Store.Mailbox(Alice)!;
        Assert.Equal(MailboxStatus.Suspended, row.Status);
        Assert.Equal("circuit breaker", row.SuspendedBy);
        Assert.Contains("3 consecutive failed syncs; last error: a service sent an answer that could not be read", row.SuspendedReason, StringComparison.Ordinal);
        Assert.Single(h.Notices, n => n.Kind == NoticeKind.Suspended && n.Mailbox == Alice);
        Assert.Empty(h.T.Host.Crm.All(CrmActivityKind.Appointment));

        h.T.Host.Faults.Clear();
        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Resume(Alice, "ops");
        var resumed = await h.CycleAsync();

        Assert.Equal(2, resumed.Synced);
        Assert.Single(h.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Blocked");
        Assert.Null(h.Store.Mailbox(Alice)!.NextAttemptAt);
    }

    [Theory]
    [MemberData(nameof(TenantUnderTest.Kinds), MemberType = typeof(TenantUnderTest))]
    public async Task RunCycle_CrmDown_SkipsTheCycleWithoutBlamingAnyMailbox(RunnerKind kind)
    {
        await using var h = await TenantUnderTest.StartAsync(kind, cluster, mailboxes: [Alice]);
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "crm.*", Times = null });

        var report = await h.CycleAsync();

        Assert.NotNull(report.Error);
        Assert.Equal(0, h.Store.Mailbox(Alice)!.ConsecutiveFailures);
        Assert.Equal(MailboxStatus.Active, h.Store.Mailbox(Alice)!.Status);
    }
}
