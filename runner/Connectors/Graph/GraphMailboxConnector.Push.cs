using Microsoft.Graph.Models;

namespace RulesSync.Runner.Connectors.Graph;

/// <content>Change-notification subscriptions on this mailbox's events (through the same budgets, gate and retries).</content>
public sealed partial class GraphMailboxConnector
{
    /// <summary>
    /// <c>POST /subscriptions</c> on <c>users/{mailbox}/events</c> for created, updated and deleted, with a lifecycle
    /// URL; Graph validates both URLs before answering. Returns the subscription id and its expiry.
    /// </summary>
    public async Task<(string Id, DateTimeOffset ExpiresAt)> SubscribeAsync(Uri notificationUrl, Uri lifecycleUrl, string clientState, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notificationUrl);
        ArgumentNullException.ThrowIfNull(lifecycleUrl);
        var made = await CallAsync("create subscription", idempotent: false, t => Client.Subscriptions.PostAsync(new Subscription
        {
            ChangeType = "created,updated,deleted",
            NotificationUrl = notificationUrl.AbsoluteUri,
            LifecycleNotificationUrl = lifecycleUrl.AbsoluteUri,
            Resource = $"users/{Mailbox}/events",
            ExpirationDateTime = expiresAt,
            ClientState = clientState,
        }, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        return (made?.Id ?? throw new InvalidOperationException("POST /subscriptions answered without an id"), made.ExpirationDateTime ?? expiresAt);
    }

    /// <summary><c>PATCH /subscriptions/{id}</c> with a new expirationDateTime (renewal, and the answer to reauthorizationRequired).</summary>
    public async Task<DateTimeOffset> RenewSubscriptionAsync(string id, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var renewed = await CallAsync("renew subscription", idempotent: true, t => Client.Subscriptions[id].PatchAsync(new Subscription { ExpirationDateTime = expiresAt }, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        return renewed?.ExpirationDateTime ?? expiresAt;
    }

    /// <summary><c>DELETE /subscriptions/{id}</c>.</summary>
    public Task DeleteSubscriptionAsync(string id, CancellationToken cancellationToken) =>
        CallAsync("delete subscription", idempotent: true, async t =>
        {
            await Client.Subscriptions[id].DeleteAsync(cancellationToken: t).ConfigureAwait(false);
            return true;
        }, cancellationToken);
}
