using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Runner.Push;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Push;

/// <summary>Push end to end against the emulators, and its faults: each ends with the change in the CRM exactly once.</summary>
public sealed partial class PushSubscriptionsTests
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Carol = ConnectorTestHost.Carol;

    [Fact]
    public async Task Ensure_GraphAndGoogle_SubscribedAfterTheHandshakeAndEveryMailboxScheduled()
    {
        await using var rig = await PushRig.StartAsync([Alice, Carol]);

        await rig.EnsureAsync();

        Assert.Equal(2, rig.Registry.Targets.Count);
        Assert.Single(rig.H.T.Host.GraphSubscriptionIds);
        Assert.Single(rig.H.T.Host.GoogleChannelIds);
        Assert.Equal(0, rig.Subscriptions.Failures);
        Assert.Equal(2, rig.Trigger.Take().Count);

        // Google's sync message: acknowledged, no work.
        Assert.Equal(1, await rig.DeliverAsync());
        Assert.Equal(1, rig.Registry.Count(PushVerdict.Handshake));
        Assert.Empty(rig.Trigger.Take());
    }

    [Fact]
    public async Task Notification_ChangeInAMailbox_ItsSyncAloneBringsTheChangeToTheCrm()
    {
        await using var rig = await PushRig.StartAsync([Alice, Bob]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();
        await rig.DeliverAsync();

        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Pushed review", 1, ConnectorTestHost.External));
        Assert.True(await rig.DeliverAsync() >= 1);
        var (only, report) = await rig.TriggeredCycleAsync();

        Assert.Equal([Alice], only);
        Assert.Equal(1, report.Synced);
        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Pushed review");
    }

    [Fact]
    public async Task Notification_Dropped_ThePollFindsTheChangeOnce()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();

        rig.H.T.Host.Push.DropNext = 10;
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Dropped review", 1, ConnectorTestHost.External));
        Assert.Equal(0, await rig.DeliverAsync());
        Assert.Empty(rig.Trigger.Take());
        Assert.Empty(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment));

        await rig.H.CycleAsync();

        Assert.True(rig.H.T.Host.Push.Dropped >= 1);
        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Dropped review");
    }

    [Fact]
    public async Task Notification_Duplicated_OneSyncAndTheChangeOnce()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();

        rig.H.T.Host.Push.DuplicateNext = 10;
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Twice told", 1, ConnectorTestHost.External));
        var sent = await rig.DeliverAsync();
        var requests = rig.Trigger.Requests;
        var (only, _) = await rig.TriggeredCycleAsync();
        await rig.H.CycleAsync();

        Assert.True(sent >= 2);
        Assert.Equal([Alice], only);
        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Twice told");
        Assert.True(requests >= 3);
    }

    [Fact]
    public async Task Notification_Delayed_DeliveredLaterAndTheChangeOnce()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();

        rig.H.T.Host.Push.Delay = TimeSpan.FromMinutes(2);
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Late news", 1, ConnectorTestHost.External));
        Assert.Equal(0, await rig.DeliverAsync());
        Assert.True(rig.H.T.Host.Push.Pending >= 1);

        await rig.H.CycleAsync();
        rig.H.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await rig.DeliverAsync() >= 1);
        await rig.TriggeredCycleAsync();

        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Late news");
    }

    [Fact]
    public async Task Notification_Forged_RefusedAndNothingSynced()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        rig.Trigger.Take();
        var subscription = rig.Registry.Targets.Single();
        using var http = new HttpClient();

        using var forged = await http.PostAsync(
            new Uri(rig.Receiver.Address, "graph"),
            new StringContent($$"""{"value":[{"subscriptionId":"{{subscription.Id}}","clientState":"not-the-secret","changeType":"deleted"}]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Empty(rig.Trigger.Take());
        Assert.Equal(1, rig.Registry.Refused);
    }

    [Fact]
    public async Task Subscription_Expired_ReplacedAndTheGapSynced()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();
        var old = rig.Registry.Targets.Single();

        rig.H.Advance(rig.Options.Lifetime + TimeSpan.FromMinutes(1));
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Unannounced", 10, ConnectorTestHost.External));
        Assert.Equal(0, await rig.DeliverAsync());
        await rig.EnsureAsync();
        var (only, _) = await rig.TriggeredCycleAsync();

        var replacement = rig.Registry.Targets.Single();
        Assert.NotEqual(old.Id, replacement.Id);
        Assert.Equal([Alice], only);
        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Unannounced");
    }

    [Fact]
    public async Task Subscription_DueForRenewal_PatchedNotReplaced()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        var before = rig.Registry.Targets.Single();

        rig.H.Advance(rig.Options.Lifetime - rig.Options.RenewBefore + TimeSpan.FromMinutes(1));
        await rig.EnsureAsync();

        var after = rig.Registry.Targets.Single();
        Assert.Equal(before.Id, after.Id);
        Assert.True(after.ExpiresAt > before.ExpiresAt);
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.update"));
    }

    [Fact]
    public async Task Lifecycle_SubscriptionRemoved_NewSubscriptionAndTheMailboxSynced()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        await rig.TriggeredCycleAsync();
        var old = rig.Registry.Targets.Single();

        Assert.True(rig.H.T.Host.SendGraphLifecycle(old.Id, "subscriptionRemoved"));
        await rig.DeliverAsync();
        Assert.True(rig.Subscriptions.LifecyclePending);
        await rig.EnsureAsync();

        var replacement = rig.Registry.Targets.Single();
        Assert.NotEqual(old.Id, replacement.Id);
        Assert.Equal([Alice], rig.Trigger.Take());
    }

    [Fact]
    public async Task Lifecycle_ReauthorizationRequired_Patched()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        await rig.EnsureAsync();
        var old = rig.Registry.Targets.Single();

        rig.H.T.Host.SendGraphLifecycle(old.Id, "reauthorizationRequired");
        await rig.DeliverAsync();
        await rig.EnsureAsync();

        Assert.Equal(old.Id, rig.Registry.Targets.Single().Id);
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("graph.subscriptions.update"));
    }

    [Fact]
    public async Task TokenEndpointDown_NoSubscriptionPollingCarriesOnAndTheNextCheckRecovers()
    {
        await using var rig = await PushRig.StartAsync([Alice]);
        rig.H.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "identity.microsoft.token", Times = null });

        await rig.EnsureAsync();
        Assert.Empty(rig.Registry.Targets);
        Assert.True(rig.Subscriptions.Failures >= 1);

        rig.H.T.Host.Faults.Clear();
        rig.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("While down", 1, ConnectorTestHost.External));
        await rig.H.CycleAsync();
        await rig.EnsureAsync();

        Assert.Single(rig.Registry.Targets);
        Assert.Single(rig.H.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "While down");
    }

    [Fact]
    public async Task StopAll_GoogleChannelAndGraphSubscription_StoppedAtTheProvider()
    {
        await using var rig = await PushRig.StartAsync([Alice, Carol]);
        rig.Options.UnsubscribeOnShutdown = true;
        await rig.EnsureAsync();

        await rig.H.T.CompleteWithRetriesAsync(PushRig.Done(rig.Subscriptions.StopAllAsync(CancellationToken.None)));

        Assert.Empty(rig.Registry.Targets);
        Assert.Empty(rig.H.T.Host.GraphSubscriptionIds);
        Assert.Empty(rig.H.T.Host.GoogleChannelIds);
        Assert.Equal(1, rig.H.T.Host.Counters.ForRoute("google.channels.stop"));
        Assert.Empty(rig.H.Store.PushSubscriptions());
    }
}
