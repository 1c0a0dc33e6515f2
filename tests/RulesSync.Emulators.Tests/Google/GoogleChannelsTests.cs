using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Tests.Push;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Google;

/// <summary>
/// Google Calendar push channels as https://developers.google.com/workspace/calendar/api/guides/push describes them:
/// events.watch opens a channel and a <c>sync</c> message follows, each change sends <c>exists</c> with a rising
/// message number and the channel's token in X-Goog-* headers (empty body), channels.stop ends it, expiry too.
/// </summary>
public sealed class GoogleChannelsTests : SinkedEmulators
{
    private const string Token = "target=rulesync-channel-token";
    [Fact]
    public async Task Watch_NewChannel_ApiChannelThenSyncThenExistsPerChange()
    {
        var (status, body) = await WatchAsync("channel-1", TimeSpan.FromHours(1));
        await T.Host.Push.DeliverDueAsync();
        T.Host.Organization.ScheduleMeeting(Carol, Draft("Watched"));
        await T.Host.Push.DeliverDueAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("api#channel", (string?)body["kind"]);
        Assert.Equal("channel-1", (string?)body["id"]);
        Assert.Equal(Epoch.AddHours(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), (string?)body["expiration"]);
        var messages = Sink.Notifications;
        Assert.Equal(["sync", "exists"], messages.Select(m => m.Headers["X-Goog-Resource-State"]));
        Assert.Equal(["1", "2"], messages.Select(m => m.Headers["X-Goog-Message-Number"]));
        Assert.All(messages, m =>
        {
            Assert.Equal("channel-1", m.Headers["X-Goog-Channel-ID"]);
            Assert.Equal(Token, m.Headers["X-Goog-Channel-Token"]);
            Assert.Equal((string?)body["resourceId"], m.Headers["X-Goog-Resource-ID"]);
            Assert.Empty(m.Body);
        });
    }

    [Fact]
    public async Task Watch_ChannelIdInUse_400ChannelIdNotUnique()
    {
        await WatchAsync("channel-1", TimeSpan.FromHours(1));

        var (status, body) = await WatchAsync("channel-1", TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("channelIdNotUnique", (string?)body["error"]!["errors"]![0]!["reason"]);
    }

    [Fact]
    public async Task Watch_PlainHttpAddressOffLoopback_400AndNoChannel()
    {
        var (status, body) = await WatchAsync("channel-1", TimeSpan.FromHours(1), "http://sync.example.com/push/google");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("pushWebhookBadDomain", (string?)body["error"]!["errors"]![0]!["reason"]);
        Assert.Empty(T.Host.GoogleChannelIds);
    }

    [Fact]
    public async Task Expiry_PastExpiration_NoMessages()
    {
        await WatchAsync("channel-1", TimeSpan.FromHours(1));
        await T.Host.Push.DeliverDueAsync();
        T.Time.Advance(TimeSpan.FromMinutes(61));

        T.Host.Organization.ScheduleMeeting(Carol, Draft("After expiry"));

        Assert.Empty(T.Host.GoogleChannelIds);
        Assert.Equal(0, T.Host.Push.Pending);
    }

    [Fact]
    public async Task Stop_ChannelAndResourceId_204ThenNoMessagesAndUnknownAfterwards()
    {
        var (_, body) = await WatchAsync("channel-1", TimeSpan.FromHours(1));
        await T.Host.Push.DeliverDueAsync();

        using var wrong = await PostAsync("channels/stop", new JsonObject { ["id"] = "channel-1", ["resourceId"] = "not-its-resource" });
        using var stopped = await PostAsync("channels/stop", new JsonObject { ["id"] = "channel-1", ["resourceId"] = (string?)body["resourceId"] });
        using var again = await PostAsync("channels/stop", new JsonObject { ["id"] = "channel-1", ["resourceId"] = (string?)body["resourceId"] });
        T.Host.Organization.ScheduleMeeting(Carol, Draft("After stop"));

        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, stopped.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty(T.Host.GoogleChannelIds);
        Assert.Equal(0, T.Host.Push.Pending);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> WatchAsync(string id, TimeSpan lifetime, string? address = null)
    {
        using var response = await PostAsync($"calendars/{Uri.EscapeDataString(Carol)}/events/watch", new JsonObject
        {
            ["id"] = id,
            ["type"] = "web_hook",
            ["address"] = address ?? Sink.Url("google").AbsoluteUri,
            ["token"] = Token,
            ["expiration"] = (T.Time.GetUtcNow() + lifetime).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        });
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await T.Http.PostAsync(new Uri(T.Host.GoogleBaseUri, "calendar/v3/" + path), content);
    }
}
