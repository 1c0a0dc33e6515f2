using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Graph;
using RulesSync.Emulators.Tests.Push;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Graph;

/// <summary>
/// Graph change-notification subscriptions as https://learn.microsoft.com/graph/change-notifications-delivery-webhooks
/// and https://learn.microsoft.com/graph/change-notifications-lifecycle-events describe them: the validation
/// handshake on create, expiry, renewal by PATCH, delivery, lifecycle notifications, delete.
/// </summary>
public sealed class GraphSubscriptionsTests : SinkedEmulators
{
    private const string ClientState = "a-client-state-of-ours";
    [Fact]
    public async Task Create_ReceiverEchoesTheToken_201AfterBothUrlsWereValidated()
    {
        var (status, body) = await CreateAsync(TimeSpan.FromMinutes(60));

        Assert.Equal(HttpStatusCode.Created, status);
        var id = (string)body["id"]!;
        Assert.Equal([id], T.Host.GraphSubscriptionIds);
        Assert.Equal(ClientState, (string?)body["clientState"]);
        Assert.Equal(Format(Epoch.AddMinutes(60)), (string?)body["expirationDateTime"]);
        var validations = Sink.Received.Where(r => r.ValidationToken is not null).ToList();
        Assert.Equal(["/graph", "/graph/lifecycle"], validations.Select(v => v.Path).Order(StringComparer.Ordinal));
        Assert.All(validations, v => Assert.StartsWith("Validation: Testing client application reachability", v.ValidationToken, StringComparison.Ordinal));
        Assert.All(validations, v => Assert.Empty(v.Body));
        Assert.Empty(Sink.Notifications);
    }

    [Fact]
    public async Task Create_ReceiverFailsValidation_400ValidationErrorAndNoSubscription()
    {
        Sink.ValidationAnswer = 500;

        var (status, body) = await CreateAsync(TimeSpan.FromMinutes(60));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ValidationError", (string?)body["error"]!["code"]);
        Assert.Empty(T.Host.GraphSubscriptionIds);
    }

    [Fact]
    public async Task Create_ExpiryBeyondTheOutlookMaximum_400ButTheMaximumItselfAccepted()
    {
        var (over, _) = await CreateAsync(GraphSubscriptions.MaxLifetime + TimeSpan.FromMinutes(1));
        var (at, _) = await CreateAsync(GraphSubscriptions.MaxLifetime);

        Assert.Equal(HttpStatusCode.BadRequest, over);
        Assert.Equal(HttpStatusCode.Created, at);
        Assert.Equal(TimeSpan.FromMinutes(10080), GraphSubscriptions.MaxLifetime);
    }

    [Fact]
    public async Task Expiry_PastExpirationDateTime_GoneAndNothingDelivered()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));
        T.Time.Advance(TimeSpan.FromMinutes(61));

        T.Host.Organization.ScheduleMeeting(Alice, Draft("After expiry"));
        using var get = await T.Http.GetAsync(Subscriptions((string)body["id"]!));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(T.Host.GraphSubscriptionIds);
        Assert.Equal(0, T.Host.Push.Pending);
    }

    [Fact]
    public async Task Renewal_PatchExpirationDateTime_StillDeliveringAfterTheOldExpiry()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));
        var id = (string)body["id"]!;

        using var patch = await SendAsync(HttpMethod.Patch, Subscriptions(id), new JsonObject { ["expirationDateTime"] = Format(Epoch.AddHours(5)) });
        T.Time.Advance(TimeSpan.FromHours(2));
        T.Host.Organization.ScheduleMeeting(Alice, Draft("After renewal"));
        await T.Host.Push.DeliverDueAsync();

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(Format(Epoch.AddHours(5)), (string?)JsonNode.Parse(await patch.Content.ReadAsStringAsync())!["expirationDateTime"]);
        Assert.Equal([id], T.Host.GraphSubscriptionIds);
        Assert.NotEmpty(Sink.Notifications);
    }

    [Fact]
    public async Task Renewal_BeyondTheMaximum_400AndTheOldExpiryStands()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));
        var id = (string)body["id"]!;

        using var patch = await SendAsync(HttpMethod.Patch, Subscriptions(id), new JsonObject { ["expirationDateTime"] = Format(Epoch + GraphSubscriptions.MaxLifetime + TimeSpan.FromMinutes(1)) });
        T.Time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        Assert.Empty(T.Host.GraphSubscriptionIds);
    }

    [Fact]
    public async Task Delivery_ChangeInTheWatchedMailbox_ChangeNotificationWithClientStateAndResource()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));
        T.Host.Organization.ScheduleMeeting(Bob, Draft("Not watched"));
        Assert.Equal(0, T.Host.Push.Pending);

        T.Host.Organization.ScheduleMeeting(Alice, Draft("Watched"));
        var sent = await T.Host.Push.DeliverDueAsync();

        Assert.Equal(1, sent);
        var item = JsonNode.Parse(Assert.Single(Sink.Notifications).Body)!["value"]![0]!;
        Assert.Equal((string)body["id"]!, (string?)item["subscriptionId"]);
        Assert.Equal(ClientState, (string?)item["clientState"]);
        Assert.Equal("created", (string?)item["changeType"]);
        Assert.StartsWith($"Users/{Alice}/Events/", (string?)item["resource"], StringComparison.Ordinal);
        Assert.Equal((string?)item["resourceData"]!["id"], ((string?)item["resource"])!.Split('/')[^1]);
        Assert.Equal(202, Assert.Single(T.Host.Push.Deliveries).Status);
    }

    [Fact]
    public async Task Lifecycle_Missed_PostedToTheLifecycleUrl()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));

        Assert.True(T.Host.SendGraphLifecycle((string)body["id"]!, "missed"));
        await T.Host.Push.DeliverDueAsync();

        var posted = Assert.Single(Sink.Notifications);
        Assert.Equal("/graph/lifecycle", posted.Path);
        var item = JsonNode.Parse(posted.Body)!["value"]![0]!;
        Assert.Equal("missed", (string?)item["lifecycleEvent"]);
        Assert.Equal(ClientState, (string?)item["clientState"]);
        Assert.Single(T.Host.GraphSubscriptionIds);
    }

    [Fact]
    public async Task Lifecycle_SubscriptionRemoved_NotifiedAndTheSubscriptionGone()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));
        var id = (string)body["id"]!;

        Assert.True(T.Host.SendGraphLifecycle(id, "subscriptionRemoved"));
        await T.Host.Push.DeliverDueAsync();
        T.Host.Organization.ScheduleMeeting(Alice, Draft("After removal"));

        Assert.Equal("subscriptionRemoved", (string?)JsonNode.Parse(Assert.Single(Sink.Notifications).Body)!["value"]![0]!["lifecycleEvent"]);
        Assert.Empty(T.Host.GraphSubscriptionIds);
        Assert.Equal(0, T.Host.Push.Pending);
        Assert.False(T.Host.SendGraphLifecycle(id, "missed"));
    }

    [Fact]
    public async Task Delete_Subscription_204ThenNothingDeliveredAnd404()
    {
        var (_, body) = await CreateAsync(TimeSpan.FromMinutes(60));
        var id = (string)body["id"]!;

        using var deleted = await SendAsync(HttpMethod.Delete, Subscriptions(id), null);
        using var again = await SendAsync(HttpMethod.Delete, Subscriptions(id), null);
        T.Host.Organization.ScheduleMeeting(Alice, Draft("After delete"));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(0, T.Host.Push.Pending);
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private Uri Subscriptions(string? id = null) => new(T.Host.GraphBaseUrl + "/subscriptions" + (id is null ? string.Empty : "/" + id));

    private async Task<(HttpStatusCode Status, JsonNode Body)> CreateAsync(TimeSpan lifetime)
    {
        using var response = await SendAsync(HttpMethod.Post, Subscriptions(), new JsonObject
        {
            ["changeType"] = "created,updated,deleted",
            ["notificationUrl"] = Sink.Url("graph").AbsoluteUri,
            ["lifecycleNotificationUrl"] = Sink.Url("graph/lifecycle").AbsoluteUri,
            ["resource"] = $"users/{Alice}/events",
            ["expirationDateTime"] = Format(T.Time.GetUtcNow() + lifetime),
            ["clientState"] = ClientState,
        });
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await T.Http.SendAsync(request);
    }
}
