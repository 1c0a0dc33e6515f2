using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;
using RulesSync.Runner.Push;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Push;

public sealed class PushReceiverTests : IAsyncLifetime, IDisposable
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Carol = ConnectorTestHost.Carol;
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturedLogs logs = new();
    private readonly PushRegistry registry = new();
    private readonly List<(string Mailbox, string Event)> lifecycle = [];
    private readonly HttpClient http = new();
    private readonly string clientState = PushRegistry.NewSecret();
    private readonly string channelToken = PushRegistry.NewSecret();
    private SyncTrigger trigger = null!;
    private PushReceiver receiver = null!;

    public Task InitializeAsync() => StartAsync(50);

    public async Task DisposeAsync()
    {
        await receiver.StopAsync();
        await receiver.DisposeAsync();
    }

    public void Dispose()
    {
        http.Dispose();
        logs.Dispose();
    }

    [Fact]
    public async Task Graph_ValidationToken_IsEchoedAsPlainText()
    {
        using var response = await http.PostAsync(new Uri(receiver.Address, "graph?validationToken=Validation%3A%20Testing%20client%20application%20reachability"), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Validation: Testing client application reachability", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, trigger.Requests);
    }

    [Fact]
    public async Task Graph_AuthenticNotification_Accepted202AndTheMailboxScheduled()
    {
        using var response = await PostGraphAsync("graph", "sub-1", clientState);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([Alice], trigger.Take());
        Assert.Equal(1, registry.Count(PushVerdict.Accepted));
    }

    [Fact]
    public async Task Graph_WrongClientState_Refused403CountedAndNoWork()
    {
        using var response = await PostGraphAsync("graph", "sub-1", "forged-" + clientState[..8]);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(trigger.Take());
        Assert.Equal(1, registry.Count(PushVerdict.Forged));
    }

    [Fact]
    public async Task Graph_UnknownSubscription_Refused404AndNoWork()
    {
        using var response = await PostGraphAsync("graph", "no-such-subscription", clientState);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(trigger.Take());
        Assert.Equal(1, registry.Count(PushVerdict.Unknown));
    }

    [Fact]
    public async Task Graph_LifecycleNotification_HandedOverAndTheMailboxScheduled()
    {
        using var response = await PostGraphAsync("graph/lifecycle", "sub-1", clientState, lifecycleEvent: "missed");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([(Alice, "missed")], lifecycle);
        Assert.Equal([Alice], trigger.Take());
    }

    [Fact]
    public async Task Graph_NotJson_Refused400()
    {
        using var response = await http.PostAsync(new Uri(receiver.Address, "graph"), new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, registry.Count(PushVerdict.Malformed));
    }

    [Fact]
    public async Task Google_SyncThenExists_HandshakeNoWorkThenScheduled()
    {
        using var sync = await PostGoogleAsync("chan-1", channelToken, "sync", 1);
        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        Assert.Empty(trigger.Take());

        using var exists = await PostGoogleAsync("chan-1", channelToken, "exists", 2);
        Assert.Equal(HttpStatusCode.OK, exists.StatusCode);
        Assert.Equal([Carol], trigger.Take());
    }

    [Fact]
    public async Task Google_ReplayedMessageNumber_AcknowledgedButNoWork()
    {
        using var first = await PostGoogleAsync("chan-1", channelToken, "exists", 2);
        Assert.Equal([Carol], trigger.Take());

        using var replay = await PostGoogleAsync("chan-1", channelToken, "exists", 2);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Empty(trigger.Take());
        Assert.Equal(1, registry.Count(PushVerdict.Duplicate));
    }

    [Fact]
    public async Task Google_WrongToken_Refused401AndNoWork()
    {
        using var response = await PostGoogleAsync("chan-1", "guessed", "exists", 2);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(trigger.Take());
        Assert.Equal(1, registry.Count(PushVerdict.Forged));
    }

    [Fact]
    public async Task Google_UnknownChannel_Refused404()
    {
        using var response = await PostGoogleAsync("chan-unknown", channelToken, "exists", 2);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(trigger.Take());
    }

    [Fact]
    public async Task Flood_BeyondTheRate_Refused429UnreadUntilTheWindowPasses()
    {
        await receiver.StopAsync();
        await receiver.DisposeAsync();
        await StartAsync(3);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await PostGraphAsync("graph", "sub-1", i == 9 ? clientState : "forged");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Forbidden));
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(7, registry.Count(PushVerdict.RateLimited));
        Assert.Empty(trigger.Take());

        time.Advance(TimeSpan.FromSeconds(1));
        using var later = await PostGraphAsync("graph", "sub-1", clientState);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
    }

    [Fact]
    public async Task Logs_AuthenticAndForgedNotifications_NeverContainASecret()
    {
        using var a = await PostGraphAsync("graph", "sub-1", clientState);
        using var b = await PostGraphAsync("graph", "sub-1", "forged-state-value-123");
        using var c = await PostGoogleAsync("chan-1", channelToken, "exists", 2);
        using var d = await PostGoogleAsync("chan-1", "forged-token-value-456", "exists", 3);

        Assert.NotEmpty(logs.Entries);
        Assert.Contains(logs.Entries, e => e.Message.Contains("refused", StringComparison.Ordinal));
        Assert.DoesNotContain(clientState, logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(channelToken, logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("forged-state-value-123", logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("forged-token-value-456", logs.AllText, StringComparison.Ordinal);
    }

    private async Task StartAsync(int perSecond)
    {
        var options = new PushOptions { Enabled = true, Bind = "127.0.0.1:0", PublicUrl = new Uri("https://sync.example/push"), NotificationsPerSecond = perSecond };
        registry.Add(new PushTarget("sub-1", Alice, Provider.Exchange, PushRegistry.Hash(clientState), time.GetUtcNow().AddDays(2)));
        registry.Add(new PushTarget("chan-1", Carol, Provider.Google, PushRegistry.Hash(channelToken), time.GetUtcNow().AddDays(2), "res-1"));
        trigger = new SyncTrigger(time, TimeSpan.FromSeconds(5));
        receiver = await PushReceiver.StartAsync(options, registry, trigger, (t, e) => lifecycle.Add((t.Mailbox, e)), time, logs);
    }

    private Task<HttpResponseMessage> PostGraphAsync(string path, string subscriptionId, string state, string? lifecycleEvent = null)
    {
        var item = lifecycleEvent is null
            ? $$"""{"subscriptionId":"{{subscriptionId}}","clientState":"{{state}}","changeType":"updated","resource":"Users/{{Alice}}/Events/AAMkA1","resourceData":{"id":"AAMkA1"} }"""
            : $$"""{"subscriptionId":"{{subscriptionId}}","clientState":"{{state}}","lifecycleEvent":"{{lifecycleEvent}}"}""";
        return http.PostAsync(new Uri(receiver.Address, path), new StringContent($$"""{"value":[{{item}}]}""", Encoding.UTF8, "application/json"));
    }

    private Task<HttpResponseMessage> PostGoogleAsync(string channel, string token, string state, int number)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(receiver.Address, "google"));
        request.Headers.Add("X-Goog-Channel-ID", channel);
        request.Headers.Add("X-Goog-Channel-Token", token);
        request.Headers.Add("X-Goog-Resource-State", state);
        request.Headers.Add("X-Goog-Resource-ID", "res-1");
        request.Headers.Add("X-Goog-Message-Number", number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return http.SendAsync(request);
    }
}
