using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Cluster;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>
/// The live runner end to end against the emulators. The incident orderings, held effects and fault campaigns take a
/// <see cref="RunnerKind"/> and run against the single-process runner and against a 3-silo cluster alike.
/// </summary>
public sealed partial class LiveRunnerTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Regression = "embedded:regressions/2020-02-ordering";

    [Fact]
    public async Task RunCycle_NewMeeting_IsSharedToTheCrmOnceAndJournaled()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        var m = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));

        var first = await h.CycleAsync();
        var second = await h.CycleAsync();

        Assert.Equal(2, first.Synced);
        Assert.Equal(0, first.Failed);
        Assert.Single(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment), a => a.Subject == "Review");
        var history = h.Queries.MeetingHistory(m.ICalUid);
        Assert.Contains(history, d => d.Effects.Any(e => e.Kind == "CreateCrmRecord" && e.Status == EffectStatus.Applied));
        Assert.All(history.SelectMany(d => d.Effects), e => Assert.NotEqual(EffectStatus.Planned, e.Status));
        Assert.Equal(0, second.Held);
        Assert.DoesNotContain(h.T.Organization.Messages, x => x.Kind == MessageKind.Cancellation);
    }

    public static TheoryData<RunnerKind, string, ApiVersion, string, string, bool> Incidents
    {
        get
        {
            var data = new TheoryData<RunnerKind, string, ApiVersion, string, string, bool>();
            foreach (var kind in new[] { RunnerKind.Embedded, RunnerKind.Cluster })
            {
                // Scenario 1: auto-share on, API v2, the attendee syncs first.
                data.Add(kind, "embedded:default", ApiVersion.V2, Bob, Alice, false);
                data.Add(kind, Regression, ApiVersion.V2, Bob, Alice, true);

                // Scenario 2: API v1, the organizer syncs first.
                data.Add(kind, "embedded:default", ApiVersion.V1, Alice, Bob, false);
                data.Add(kind, Regression, ApiVersion.V1, Alice, Bob, true);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Incidents))]
    public async Task RunCycle_IncidentOrdering_NoSpuriousCancellationAndTheRegressionIsHeld(RunnerKind kind, string rules, ApiVersion dialect, string first, string second, bool regression)
    {
        await using var h = await TenantUnderTest.StartAsync(kind, cluster, rules, dialect, mailboxes: [first, second], configure: o =>
        {
            o.Guards.MaxDestructivePerMailbox = 0;
            o.Guards.MaxDestructivePerTenant = 0;
        });
        var meeting = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob, ConnectorTestHost.External));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        Assert.DoesNotContain(h.T.Organization.Messages, x => x.Kind == MessageKind.Cancellation);
        Assert.False(h.T.Organization.Find(Alice, meeting.ICalUid)!.IsCancelled);
        Assert.NotEmpty(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));
        var held = h.Queries.HeldEffects();
        if (regression)
        {
            Assert.NotEmpty(held);
            Assert.All(held, e => Assert.True(e.Destructive));
            Assert.Contains(h.Notices, n => n.Kind == RulesSync.Runner.Notifications.NoticeKind.EffectsHeld);
        }
        else
        {
            Assert.Empty(held);
            Assert.Empty(h.Notices);
        }

        if (kind == RunnerKind.Cluster)
        {
            // Every decision was journaled under the activation's lease and under a lease on the meeting.
            var token = await cluster.Tenant(h.Clustered.Key).LeaseTokenAsync();
            Assert.All(h.Store.DecisionsOfMeeting(meeting.ICalUid), d => Assert.Equal(token, d.Fence));
            Assert.All(h.Store.DecisionsOfMeeting(meeting.ICalUid), d => Assert.True(d.MeetingFence > 0, $"decision {d.Id} has no meeting lease token"));
        }
    }

    [Theory]
    [MemberData(nameof(TenantUnderTest.Kinds), MemberType = typeof(TenantUnderTest))]
    public async Task Approve_HeldCancellation_IsCarriedOutAtTheNextCycleAndRecorded(RunnerKind kind)
    {
        await using var h = await TenantUnderTest.StartAsync(kind, cluster, Regression, ApiVersion.V2, mailboxes: [Bob, Alice], configure: o => o.Guards.MaxDestructivePerMailbox = 0);
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob));
        for (var i = 0; i < 3; i++)
        {
            await h.CycleAsync();
        }

        var held = h.Queries.HeldEffects();
        Assert.NotEmpty(held);
        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Review([held[0].Key], approve: true, "ops@contoso.example");

        var report = await h.CycleAsync();

        Assert.Equal(1, report.ApprovedApplied);
        var effect = h.Queries.Effect(held[0].Key)!;
        Assert.Equal(EffectStatus.Applied, effect.Status);
        Assert.Equal("ops@contoso.example", effect.ReviewedBy);
    }

    [Theory]
    [MemberData(nameof(TenantUnderTest.Kinds), MemberType = typeof(TenantUnderTest))]
    public async Task Discard_HeldEffect_IsNeverCarriedOut(RunnerKind kind)
    {
        await using var h = await TenantUnderTest.StartAsync(kind, cluster, Regression, ApiVersion.V2, mailboxes: [Bob, Alice], configure: o => o.Guards.MaxDestructivePerMailbox = 0);
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob));
        for (var i = 0; i < 3; i++)
        {
            await h.CycleAsync();
        }

        var keys = h.Queries.HeldEffects().Select(e => e.Key).ToArray();
        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Review(null, approve: false, "ops");
        var messages = h.T.Organization.Messages.Count;

        await h.CycleAsync();

        Assert.All(keys, k => Assert.Equal(EffectStatus.Discarded, h.Queries.Effect(k)!.Status));
        Assert.DoesNotContain(h.T.Organization.Messages.Skip(messages), x => x.Kind == MessageKind.Cancellation);
    }

    [Fact]
    public async Task RunCycle_DryRun_JournalsButAppliesNothingAndSavesNoState()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        h.Restart(dryRun: true);
        var m = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        var requestsBefore = h.T.Host.Counters.ForRoute("crm.v2.AppointmentCollection.create");

        var report = await h.CycleAsync();

        Assert.True(report.Decisions > 0);
        Assert.Empty(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));
        Assert.Equal(requestsBefore, h.T.Host.Counters.ForRoute("crm.v2.AppointmentCollection.create"));
        var effects = h.Queries.MeetingHistory(m.ICalUid).SelectMany(d => d.Effects).ToList();
        Assert.NotEmpty(effects);
        Assert.All(effects, e => Assert.Equal(EffectStatus.DryRun, e.Status));
        Assert.Null(h.Store.Mailbox(Alice)!.SyncState);

        h.Restart();
        await h.CycleAsync();
        Assert.Single(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));
    }

    [Fact]
    public async Task SuspendResume_ChangesWhileSuspended_AreSettledOnResumeWithNothingLost()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("First", 1, Bob));
        await h.CycleAsync();
        var cursor = h.Store.SyncState(Alice).Cursor;
        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Suspend(Alice, "ops", "investigating");

        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("While suspended", 3, Bob));
        var suspended = await h.CycleAsync();

        Assert.Equal(1, suspended.Skipped);
        Assert.Equal(cursor, h.Store.SyncState(Alice).Cursor);
        Assert.DoesNotContain(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment), a => a.Subject == "While suspended" && a.OwnerPartyID == Alice);

        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Resume(Alice, "ops");
        await h.CycleAsync();
        await h.CycleAsync();

        var subjects = h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment).Select(a => a.Subject).Order().ToArray();
        Assert.Equal(["First", "While suspended"], subjects);
        Assert.Equal(MailboxStatus.Active, h.Store.Mailbox(Alice)!.Status);
    }

    [Fact]
    public async Task KillSwitch_On_NoMailboxSyncs()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        new RulesSync.Runner.Tenant.TenantOperations(h.Store, h.T.Time).Suspend(null, "ops", "incident");
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));
        var total = h.T.Host.Counters.Total;

        var report = await h.CycleAsync();

        Assert.True(report.KillSwitch);
        Assert.Equal(total, h.T.Host.Counters.Total);
    }

    [Fact]
    public async Task RunCycle_BrokenRuleFile_KeepsTheOldRulesAndTellsOperators()
    {
        await using var h = await RunnerTestHost.StartAsync(configure: o =>
        {
            var path = Path.Combine(o.BaseDirectory, "rules.yaml");
            File.WriteAllText(path, RulesSync.Runner.RuleFiles.RuleFileReader.Read("embedded:default").Text);
            o.Rules = path;
        });
        var hash = h.Store.Tenant().RuleSetHash;
        File.WriteAllText(Path.Combine(h.Folder, "rules.yaml"), "name: broken\nrules: [\n");
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));

        var report = await h.CycleAsync();

        Assert.Equal(0, report.Failed);
        Assert.Equal(hash, h.Rules.Current.Hash);
        Assert.Equal(hash, h.Store.Tenant().RuleSetHash);
        Assert.NotNull(h.Store.Tenant().LastReloadError);
        Assert.Single(h.Notices, n => n.Kind == RulesSync.Runner.Notifications.NoticeKind.RuleReloadFailed);
        Assert.Single(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));
    }
}
