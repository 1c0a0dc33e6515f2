using RulesSync.Emulators.Crm;
using RulesSync.Runner.Push;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Push;

/// <summary>Subscriptions kept in the state file across a restart: reused, renewed, or stopped when unwanted.</summary>
public sealed partial class PushSubscriptionsTests
{
    [Fact]
    public async Task StopAll_ByDefault_SubscriptionsKeptAtTheProviderAndInTheStateFile()
    {
        await using var rig = await PushRig.StartAsync([Alice, Carol]);
        await rig.EnsureAsync();

        await rig.H.T.CompleteWithRetriesAsync(PushRig.Done(rig.Subscriptions.StopAllAsync(CancellationToken.None)));

        Assert.Single(rig.H.T.Host.GraphSubscriptionIds);
        Assert.Single(rig.H.T.Host.GoogleChannelIds);
        Assert.Equal(0, rig.H.T.Host.Counters.ForRoute("google.channels.stop"));
        var rows = rig.H.Store.PushSubscriptions();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Matches("^[0-9a-f]{64}$", r.SecretHash));
    }

    [Fact]
    public async Task Restart_UnexpiredSubscriptions_ReusedGraphRenewedAndNotificationsStillAccepted()
    {
        await using var rig = await PushRig.StartAsync([Alice, Carol]);
        await rig.EnsureAsync();
        await rig.DeliverAsync();
        var before = rig.Registry.Targets.Select(t => t.Id).Order(StringComparer.Ordinal).ToList();
        rig.H.Advance(TimeSpan.FromHours(2));

        await rig.RestartAsync();
        await rig.EnsureAsync();

        Assert.Equal(before, rig.Registry.Targets.Select(t => t.Id).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.create"));
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("google.events.watch"));
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.update"));
        var graph = rig.Registry.ForMailbox(Alice)!;
        Assert.Equal(rig.H.T.Time.GetUtcNow() + rig.Options.Lifetime, graph.ExpiresAt);
        Assert.Equal(graph.ExpiresAt.ToUnixTimeMilliseconds(), rig.H.Store.PushSubscriptions().Single(r => r.Id == graph.Id).ExpiresAt);

        // The new process checks notifications of the old subscriptions against the kept hashes.
        rig.Trigger.Take();
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("After restart", 1, ConnectorTestHost.External));
        rig.H.T.Organization.ScheduleMeeting(Carol, ConnectorTestHost.Draft("After restart too", 2, ConnectorTestHost.External));
        Assert.True(await rig.DeliverAsync() >= 2);
        Assert.Equal(0, rig.Registry.Refused);
        Assert.Equal(new HashSet<string>([Alice, Carol], StringComparer.OrdinalIgnoreCase), rig.Trigger.Take());
    }

    [Fact]
    public async Task Restart_MailboxNoLongerConfigured_ItsChannelStoppedAndForgotten()
    {
        await using var rig = await PushRig.StartAsync([Alice, Carol]);
        await rig.EnsureAsync();

        await rig.RestartAsync([Alice]);
        await rig.EnsureAsync();

        Assert.Empty(rig.H.T.Host.GoogleChannelIds);
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("google.channels.stop"));
        Assert.Equal(Alice, rig.Registry.Targets.Single().Mailbox, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(Alice, rig.H.Store.PushSubscriptions().Single().Mailbox, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.create"));
    }

    [Fact]
    public async Task Restart_SubscriptionExpiredWhileDown_ForgottenReplacedAndTheGapSynced()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();
        var old = rig.Registry.Targets.Single();

        rig.H.Advance(rig.Options.Lifetime + TimeSpan.FromMinutes(1));
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("While stopped", 3, ConnectorTestHost.External));
        await rig.RestartAsync();
        await rig.EnsureAsync();
        var (only, _) = await rig.TriggeredCycleAsync();

        var replacement = rig.Registry.Targets.Single();
        Assert.NotEqual(old.Id, replacement.Id);
        Assert.Equal(replacement.Id, rig.H.Store.PushSubscriptions().Single().Id);
        Assert.Equal(0, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.delete"));
        Assert.Equal([Alice], only);
        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "While stopped");
    }

    [Fact]
    public async Task Restart_KeptSubscriptionGoneAtGraph_NewOneMadeAndTheMailboxSynced()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        var old = rig.Registry.Targets.Single();
        rig.H.T.Host.SendGraphLifecycle(old.Id, "subscriptionRemoved");

        // Removed at Graph while the runner was down: the lifecycle notification went nowhere.
        await rig.RestartAsync();
        await rig.DeliverAsync();
        Assert.Equal(1, rig.Registry.Count(PushVerdict.Unknown));
        await rig.EnsureAsync();

        Assert.NotEqual(old.Id, rig.Registry.Targets.Single().Id);
        Assert.Equal(2, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.create"));
        Assert.Contains(Alice, rig.Trigger.Take(), StringComparer.OrdinalIgnoreCase);
        Assert.NotNull(rig.Registry.LastTrouble(Alice));
    }

    [Fact]
    public async Task Lifecycle_Missed_MailboxBackToTheNormalPoll()
    {
        await using var rig = await PushRig.StartAsync([Alice, Bob]);
        await rig.EnsureAsync();
        var scope = new PushPollScope(rig.Options, rig.H.Options, rig.Registry);
        Assert.Null(scope.MailboxesToPoll(rig.H.T.Time.GetUtcNow()));
        rig.H.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(scope.MailboxesToPoll(rig.H.T.Time.GetUtcNow())!);

        rig.H.T.Host.SendGraphLifecycle(rig.Registry.ForMailbox(Alice)!.Id, "missed");
        await rig.DeliverAsync();
        rig.H.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal([Alice], scope.MailboxesToPoll(rig.H.T.Time.GetUtcNow())!);
        Assert.Contains(Alice, rig.Trigger.Take(), StringComparer.OrdinalIgnoreCase);
    }
}
