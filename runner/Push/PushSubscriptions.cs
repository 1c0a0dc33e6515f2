using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Graph;
using RulesSync.Runner.Guards;
using RulesSync.Runner.Live;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Push;

/// <summary>
/// Keeps one Graph subscription or Google channel per configured mailbox: creates missing ones, renews them
/// <see cref="PushOptions.RenewBefore"/> their expiry (Graph: PATCH expirationDateTime; Google: a new channel, then
/// <c>channels.stop</c> on the old one, as Google has no renewal), acts on Graph lifecycle notifications
/// (<c>reauthorizationRequired</c>: PATCH; <c>subscriptionRemoved</c>: a new subscription; <c>missed</c>: nothing
/// beyond the sync the receiver already scheduled), and stops them all at shutdown. Whenever a mailbox was without
/// a working subscription (first start, expiry, removal, a failed attempt) its sync is scheduled once the new one
/// exists: changes made meanwhile were never announced. A failure (token endpoint down, provider error) is logged
/// and retried at the next check; polling carries on meanwhile. Thread-safe: one <see cref="EnsureAsync"/> at a time.
/// <para>
/// Every subscription is kept in the state file (<see cref="StateStore.PushSubscriptions"/>, the secret as a hash
/// only). The first pass after a start takes them back: an unexpired one for a configured mailbox and the current
/// public URL is reused (a Graph subscription renewed at once, which also proves it still exists; a Google channel
/// kept until its renewal is due); one for a mailbox no longer configured, another provider or an old URL is
/// stopped (Graph DELETE, <c>channels.stop</c>) and forgotten; an expired one is forgotten. A graceful stop keeps
/// them for the next start unless <see cref="PushOptions.UnsubscribeOnShutdown"/>.
/// </para>
/// </summary>
internal sealed partial class PushSubscriptions(
    PushOptions options, RunnerOptions runner, RunnerConnections connections, StateStore store, PushRegistry registry, SyncTrigger trigger, TimeProvider time, ILogger<PushSubscriptions> logger) : IDisposable
{
    private readonly ConcurrentQueue<(PushTarget Target, string Event)> lifecycle = new();
    private readonly SemaphoreSlim running = new(1, 1);
    private bool restored;

    /// <summary>Failed create/renew/stop attempts so far.</summary>
    public int Failures { get; private set; }

    /// <summary>The receiver's handler for lifecycle notifications: queued for the next <see cref="EnsureAsync"/>.</summary>
    public void OnLifecycle(PushTarget target, string lifecycleEvent)
    {
        if (lifecycleEvent is "missed" or "subscriptionRemoved")
        {
            // Notifications were (or will be) lost: the mailbox is polled at the normal interval for a while.
            registry.NoteTrouble(target.Mailbox, time.GetUtcNow());
        }

        lifecycle.Enqueue((target, lifecycleEvent));
    }

    /// <summary>Lifecycle notifications waiting for <see cref="EnsureAsync"/>.</summary>
    public bool LifecyclePending => !lifecycle.IsEmpty;

    /// <summary>One pass: lifecycle events, expired and due renewals, missing subscriptions.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!restored)
            {
                await RestoreAsync(cancellationToken).ConfigureAwait(false);
                restored = true;
            }

            while (lifecycle.TryDequeue(out var item))
            {
                await Guarded(item.Target.Mailbox, ct => OnLifecycleAsync(item.Target, item.Event, ct), cancellationToken).ConfigureAwait(false);
            }

            foreach (var mailbox in runner.Mailboxes)
            {
                await Guarded(mailbox.Id, ct => EnsureMailboxAsync(mailbox, ct), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            running.Release();
        }
    }

    /// <summary>
    /// At shutdown: with <see cref="PushOptions.UnsubscribeOnShutdown"/>, stops every channel and deletes every
    /// subscription (best effort; they expire anyway); otherwise keeps them, in the state file, for the next start.
    /// </summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        if (!options.UnsubscribeOnShutdown)
        {
            return;
        }

        foreach (var target in registry.Targets)
        {
            await Guarded(target.Mailbox, async ct =>
            {
                await StopAsync(target, ct).ConfigureAwait(false);
                Forget(target.Id);
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first pass after a start: takes back the kept subscriptions, stops the unwanted ones.</summary>
    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = store.PushSubscriptions();
        var kept = new List<(MailboxOptions Mailbox, PushTarget Target)>();
        foreach (var byMailbox in rows.GroupBy(r => r.Mailbox, StringComparer.OrdinalIgnoreCase))
        {
            var newest = byMailbox.MaxBy(r => r.ExpiresAt)!;
            foreach (var row in byMailbox)
            {
                var target = ToTarget(row);
                if (target.ExpiresAt <= now)
                {
                    // Already stopped by the provider: nothing to ask.
                    store.DeletePushSubscription(row.Id);
                    continue;
                }

                var mailbox = runner.Mailboxes.FirstOrDefault(m => string.Equals(m.Id, row.Mailbox, StringComparison.OrdinalIgnoreCase) && m.Provider == target.Provider);
                if (mailbox is null || row != newest || target.Url != UrlFor(target.Provider))
                {
                    var why = mailbox is null ? "mailbox no longer configured" : row != newest ? "superseded" : "public URL changed";
                    await Guarded(row.Mailbox, async ct =>
                    {
                        await StopAsync(target, ct).ConfigureAwait(false);
                        store.DeletePushSubscription(row.Id);
                        LogStoppedUnwanted(logger, row.Mailbox, target.Provider, why);
                    }, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                registry.Add(target);
                kept.Add((mailbox, target));
            }
        }

        foreach (var (mailbox, target) in kept)
        {
            LogReused(logger, mailbox.Id, target.Provider, target.ExpiresAt);
            if (target.Provider == Provider.Exchange)
            {
                // A PATCH proves the subscription still exists (404: a new one is made) and extends it.
                await Guarded(mailbox.Id, ct => RenewAsync(mailbox, target, ct), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task EnsureMailboxAsync(MailboxOptions mailbox, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var target = registry.ForMailbox(mailbox.Id);
        if (target is not null && target.ExpiresAt <= now)
        {
            // The provider stopped delivering at expiry: forget it; a new one is made below and the gap synced.
            LogExpired(logger, mailbox.Id, target.Provider);
            registry.NoteTrouble(mailbox.Id, now);
            Forget(target.Id);
            target = null;
        }

        if (target is null)
        {
            await CreateAsync(mailbox, cancellationToken).ConfigureAwait(false);
            trigger.Request(mailbox.Id);
            return;
        }

        if (target.ExpiresAt - options.RenewBefore <= now)
        {
            await RenewAsync(mailbox, target, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task OnLifecycleAsync(PushTarget target, string lifecycleEvent, CancellationToken cancellationToken)
    {
        var mailbox = runner.Mailboxes.First(m => string.Equals(m.Id, target.Mailbox, StringComparison.OrdinalIgnoreCase));
        switch (lifecycleEvent)
        {
            // https://learn.microsoft.com/graph/change-notifications-lifecycle-events: reauthorize (a PATCH does), or recreate.
            case "reauthorizationRequired":
                await RenewAsync(mailbox, target, cancellationToken).ConfigureAwait(false);
                break;
            case "subscriptionRemoved":
                Forget(target.Id);
                await CreateAsync(mailbox, cancellationToken).ConfigureAwait(false);
                trigger.Request(mailbox.Id);
                break;
            default:
                // "missed": the receiver already scheduled the delta sync that finds what was missed.
                break;
        }
    }

    private async Task CreateAsync(MailboxOptions mailbox, CancellationToken cancellationToken)
    {
        var expires = time.GetUtcNow() + options.Lifetime;
        var secret = PushRegistry.NewSecret();
        var port = connections.Mailbox(mailbox.Id, mailbox.Provider, store.SyncState(StateStore.Key(mailbox.Id)));
        PushTarget made;
        if (port is GraphMailboxConnector graph)
        {
            // Graph validates the URLs (no clientState involved) before answering; change notifications come after.
            var (id, expiresAt) = await graph.SubscribeAsync(Url("graph"), Url("graph/lifecycle"), secret, expires, cancellationToken).ConfigureAwait(false);
            made = new PushTarget(id, mailbox.Id, Provider.Exchange, PushRegistry.Hash(secret), expiresAt, Url: UrlFor(Provider.Exchange));
        }
        else if (port is GoogleMailboxConnector google)
        {
            var channelId = PushRegistry.NewSecret()[..22];
            // Google's sync message can arrive before events.watch answers: register the channel before asking.
            registry.Add(new PushTarget(channelId, mailbox.Id, Provider.Google, PushRegistry.Hash(secret), expires));
            try
            {
                var (resourceId, expiresAt) = await google.WatchAsync(channelId, Url("google"), secret, expires, cancellationToken).ConfigureAwait(false);
                made = new PushTarget(channelId, mailbox.Id, Provider.Google, PushRegistry.Hash(secret), expiresAt, resourceId, UrlFor(Provider.Google));
            }
            catch
            {
                registry.Remove(channelId);
                throw;
            }
        }
        else
        {
            throw new InvalidOperationException($"{mailbox.Id}: its connector has no push notifications");
        }

        Keep(made);
        LogCreated(logger, mailbox.Id, made.Provider, made.Id, made.ExpiresAt);
    }

    private async Task RenewAsync(MailboxOptions mailbox, PushTarget target, CancellationToken cancellationToken)
    {
        var expires = time.GetUtcNow() + options.Lifetime;
        if (target.Provider == Provider.Exchange)
        {
            var port = (GraphMailboxConnector)connections.Mailbox(mailbox.Id, mailbox.Provider, store.SyncState(StateStore.Key(mailbox.Id)));
            try
            {
                var renewed = await port.RenewSubscriptionAsync(target.Id, expires, cancellationToken).ConfigureAwait(false);
                Keep(target with { ExpiresAt = renewed });
                LogRenewed(logger, mailbox.Id, target.Provider, renewed);
            }
            catch (Exception e) when (e is Microsoft.Graph.Models.ODataErrors.ODataError { ResponseStatusCode: 404 })
            {
                // Gone on Graph's side (removed or expired early): make a new one and sync the gap.
                registry.NoteTrouble(mailbox.Id, time.GetUtcNow());
                Forget(target.Id);
                await CreateAsync(mailbox, cancellationToken).ConfigureAwait(false);
                trigger.Request(mailbox.Id);
            }

            return;
        }

        // Google has no renewal: open a new channel first (both deliver for a moment), then stop the old one.
        await CreateAsync(mailbox, cancellationToken).ConfigureAwait(false);
        Forget(target.Id);
        await StopAsync(target, cancellationToken).ConfigureAwait(false);
        LogRenewed(logger, mailbox.Id, target.Provider, registry.ForMailbox(mailbox.Id)?.ExpiresAt ?? expires);
    }

    private async Task StopAsync(PushTarget target, CancellationToken cancellationToken)
    {
        // The mailbox may be gone from the configuration (a kept subscription being stopped): its id and provider do.
        var port = connections.Mailbox(target.Mailbox, target.Provider, store.SyncState(StateStore.Key(target.Mailbox)));
        switch (port)
        {
            case GoogleMailboxConnector google when target.ResourceId is not null:
                await google.StopChannelAsync(target.Id, target.ResourceId, cancellationToken).ConfigureAwait(false);
                break;
            case GraphMailboxConnector graph:
                await graph.DeleteSubscriptionAsync(target.Id, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task Guarded(string mailbox, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Failures++;
            registry.NoteTrouble(mailbox, time.GetUtcNow());
            LogFailed(logger, mailbox, MailboxBreaker.PlainWords(e));
        }
    }

    public void Dispose() => running.Dispose();

    private Uri Url(string path) => new(options.PublicUrl!.AbsoluteUri.TrimEnd('/') + "/" + path);

    private string UrlFor(Provider provider) => Url(provider == Provider.Exchange ? "graph" : "google").AbsoluteUri;

    /// <summary>Registers a subscription and keeps it in the state file.</summary>
    private void Keep(PushTarget target)
    {
        registry.Add(target);
        store.SavePushSubscription(new PushSubscriptionRow
        {
            Id = target.Id,
            Mailbox = target.Mailbox,
            Provider = target.Provider.ToString().ToLowerInvariant(),
            SecretHash = target.SecretHash,
            ExpiresAt = target.ExpiresAt.ToUnixTimeMilliseconds(),
            ResourceId = target.ResourceId,
            NotificationUrl = target.Url ?? string.Empty,
        });
    }

    /// <summary>Unregisters a subscription and drops it from the state file.</summary>
    private void Forget(string id)
    {
        registry.Remove(id);
        store.DeletePushSubscription(id);
    }

    private static PushTarget ToTarget(PushSubscriptionRow row) => new(
        row.Id, row.Mailbox, row.Provider == "google" ? Provider.Google : Provider.Exchange, row.SecretHash,
        DateTimeOffset.FromUnixTimeMilliseconds(row.ExpiresAt), row.ResourceId, row.NotificationUrl);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "push: {Mailbox} subscribed ({Provider} {Id}, until {ExpiresAt:u})")]
    private static partial void LogCreated(ILogger logger, string mailbox, Provider provider, string id, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "push: {Mailbox} renewed ({Provider}, until {ExpiresAt:u})")]
    private static partial void LogRenewed(ILogger logger, string mailbox, Provider provider, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "push: {Mailbox}'s {Provider} subscription expired before it was renewed; a new one is made and the gap synced")]
    private static partial void LogExpired(ILogger logger, string mailbox, Provider provider);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Information, Message = "push: {Mailbox} reuses its kept {Provider} subscription (until {ExpiresAt:u})")]
    private static partial void LogReused(ILogger logger, string mailbox, Provider provider, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Information, Message = "push: {Mailbox}'s kept {Provider} subscription stopped ({Reason})")]
    private static partial void LogStoppedUnwanted(ILogger logger, string mailbox, Provider provider, string reason);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "push: subscription work for {Mailbox} failed ({Error}); polling covers it, retried at the next check")]
    private static partial void LogFailed(ILogger logger, string mailbox, string error);
}
