using System.Globalization;

namespace RulesSync.Runner.Connectors.Google;

/// <content>Push notification channels on this mailbox's calendar (through the same budgets, gate and retries).</content>
public sealed partial class GoogleMailboxConnector
{
    /// <summary>events.watch: a new channel delivering to <paramref name="address"/>; returns its resourceId and expiry.</summary>
    public async Task<(string ResourceId, DateTimeOffset ExpiresAt)> WatchAsync(string channelId, Uri address, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var channel = await CallAsync("watch events", idempotent: false, t => new EventsWatchRequest(Service, Mailbox, new CalendarChannel
        {
            Id = channelId,
            Type = "web_hook",
            Address = address.AbsoluteUri,
            Token = token,
            Expiration = expiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        }).ExecuteAsync(t), cancellationToken).ConfigureAwait(false);
        var expiry = long.TryParse(channel.Expiration, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : expiresAt;
        return (channel.ResourceId ?? throw new InvalidOperationException("events.watch answered without a resourceId"), expiry);
    }

    /// <summary>channels.stop.</summary>
    public Task StopChannelAsync(string channelId, string resourceId, CancellationToken cancellationToken) =>
        CallAsync("stop channel", idempotent: true, t => new ChannelsStopRequest(Service, new CalendarChannel { Id = channelId, ResourceId = resourceId }).ExecuteAsync(t), cancellationToken);
}
