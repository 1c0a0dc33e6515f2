using LiteDB;

namespace RulesSync.Runner.State;

/// <summary>
/// A Graph subscription or Google channel the runner made, kept in the <c>push</c> collection so a restarted runner
/// reuses it instead of subscribing again (and stops the ones it no longer wants). Only a SHA-256 of the secret
/// (clientState or channel token) is kept: enough to check a notification, useless to forge one.
/// </summary>
internal sealed class PushSubscriptionRow
{
    /// <summary>Graph's subscription id or the channel id.</summary>
    [BsonId]
    public string Id { get; set; } = string.Empty;

    public string Mailbox { get; set; } = string.Empty;

    /// <summary><c>exchange</c> or <c>google</c>.</summary>
    public string Provider { get; set; } = string.Empty;

    /// <summary>Lowercase hex SHA-256 of the clientState or channel token.</summary>
    public string SecretHash { get; set; } = string.Empty;

    /// <summary>Unix milliseconds.</summary>
    public long ExpiresAt { get; set; }

    /// <summary>Google's resourceId (for <c>channels.stop</c>); null for Graph.</summary>
    public string? ResourceId { get; set; }

    /// <summary>The URL notifications are delivered to (a changed public URL means a new subscription).</summary>
    public string NotificationUrl { get; set; } = string.Empty;
}

/// <summary>The push subscriptions (a collection of its own: nothing else in the state file refers to it).</summary>
internal sealed partial class StateStore
{
    private ILiteCollection<PushSubscriptionRow> PushRows => db.GetCollection<PushSubscriptionRow>("push");

    /// <summary>Every kept subscription and channel.</summary>
    public IReadOnlyList<PushSubscriptionRow> PushSubscriptions()
    {
        lock (gate)
        {
            return [.. PushRows.FindAll().OrderBy(r => r.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>Adds or replaces a subscription's row.</summary>
    public void SavePushSubscription(PushSubscriptionRow row)
    {
        lock (gate)
        {
            PushRows.Upsert(row);
        }
    }

    /// <summary>Forgets a subscription (stopped, expired or replaced).</summary>
    public void DeletePushSubscription(string id)
    {
        lock (gate)
        {
            PushRows.Delete(id);
        }
    }
}
