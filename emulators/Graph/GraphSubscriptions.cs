using System.Globalization;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Push;

namespace RulesSync.Emulators.Graph;

/// <summary>
/// Graph change-notification subscriptions on users' events (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks,
/// https://learn.microsoft.com/graph/change-notifications-lifecycle-events): <c>POST /v1.0/subscriptions</c> validates
/// the notificationUrl and lifecycleNotificationUrl first (POST <c>?validationToken=</c>, the receiver must answer 200
/// with the token as text/plain, else 400 ValidationError); GET, PATCH (expirationDateTime) and DELETE by id. A
/// subscription past its expirationDateTime is gone (404, nothing delivered). Each change to a watched mailbox's
/// event queues a notification (changeType created/updated/deleted, clientState, resource, resourceData) in the
/// <see cref="PushOutbox"/>; <see cref="SendLifecycle"/> sends reauthorizationRequired, subscriptionRemoved (the
/// subscription is deleted) or missed. Authorization as the Graph emulator's.
/// </summary>
internal sealed class GraphSubscriptions : IProtocolEmulator
{
    /// <summary>
    /// Outlook event subscriptions' maximum lifetime without resource data: 10,080 minutes (under 7 days), the
    /// "Subscription lifetime" table of https://learn.microsoft.com/graph/api/resources/subscription; it was 4,230
    /// minutes from devblogs' March 2016 update until that table was raised (docs/emulators.md has the sources).
    /// </summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10080);

    private const string Path = GraphEmulator.Prefix + "/subscriptions";
    private readonly Dictionary<string, Subscription> subscriptions = new(StringComparer.Ordinal);
    private readonly CalendarWorld world;
    private readonly GraphEmulator graph;
    private readonly PushOutbox outbox;
    private readonly string tenantId;

    public GraphSubscriptions(CalendarWorld world, GraphEmulator graph, PushOutbox outbox, string tenantId)
    {
        this.world = world;
        this.graph = graph;
        this.outbox = outbox;
        this.tenantId = tenantId;
    }

    /// <summary>Live subscriptions (expired ones left out).</summary>
    public IReadOnlyList<string> Ids
    {
        get
        {
            lock (world.Gate)
            {
                return [.. subscriptions.Values.Where(s => s.ExpiresAt > world.Now).Select(s => s.Id)];
            }
        }
    }

    public bool Owns(string path) => path.StartsWith(Path, StringComparison.OrdinalIgnoreCase);

    public (string? Principal, EmulatorResponse? Error) Authorize(EmulatorRequest request) => graph.Authorize(request);

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => graph.FaultResponse(fault, request);

    public EmulatorResponse BadRequest(string message) => graph.BadRequest(message);

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request)
    {
        var rest = request.Path[Path.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        EmulatorRoute? route = (rest, request.Method) switch
        {
            ([], "POST") => new EmulatorRoute("graph.subscriptions.create", null, CreateAsync),
            ([var id], "GET") => EmulatorRoute.Sync("graph.subscriptions.get", null, _ => Get(id)),
            ([var id], "PATCH") => EmulatorRoute.Sync("graph.subscriptions.update", null, r => Update(r, id)),
            ([var id], "DELETE") => EmulatorRoute.Sync("graph.subscriptions.delete", null, _ => Delete(id)),
            _ => null,
        };
        return route is null ? (null, GraphErrors.Error(405, "BadRequest", $"{request.Method} is not supported on {request.Path}.", world.Now)) : (route, null);
    }

    /// <summary>Sends a lifecycle notification; subscriptionRemoved also deletes the subscription.</summary>
    public bool SendLifecycle(string id, string lifecycleEvent)
    {
        lock (world.Gate)
        {
            if (Live(id) is not { } s)
            {
                return false;
            }

            if (lifecycleEvent == "subscriptionRemoved")
            {
                subscriptions.Remove(id);
            }

            var item = new JsonObject
            {
                ["subscriptionId"] = s.Id,
                ["subscriptionExpirationDateTime"] = Format(s.ExpiresAt),
                ["tenantId"] = tenantId,
                ["clientState"] = s.ClientState,
                ["lifecycleEvent"] = lifecycleEvent,
            };
            outbox.Enqueue(s.LifecycleUrl ?? s.NotificationUrl, new JsonObject { ["value"] = new JsonArray(item) }.ToJsonString(), new Dictionary<string, string>());
            return true;
        }
    }

    /// <summary>Queues a change notification for every live subscription on the item's mailbox (called under the world's lock).</summary>
    public void OnChanged(CalendarItem item)
    {
        if (item.Provider != CalendarProvider.Exchange)
        {
            return;
        }

        var now = world.Now;
        foreach (var s in subscriptions.Values.Where(s => s.ExpiresAt > now && string.Equals(s.Mailbox, item.Mailbox, StringComparison.OrdinalIgnoreCase)))
        {
            var changeType = item.Deleted ? "deleted" : item.Version <= 1 ? "created" : "updated";
            var resource = $"Users/{item.Mailbox}/Events/{item.Id}";
            var notification = new JsonObject
            {
                ["subscriptionId"] = s.Id,
                ["subscriptionExpirationDateTime"] = Format(s.ExpiresAt),
                ["changeType"] = changeType,
                ["resource"] = resource,
                ["clientState"] = s.ClientState,
                ["tenantId"] = tenantId,
                ["resourceData"] = new JsonObject
                {
                    ["@odata.type"] = "#Microsoft.Graph.Event",
                    ["@odata.id"] = resource,
                    ["@odata.etag"] = $"W/\"{item.ChangeKey}\"",
                    ["id"] = item.Id,
                },
            };
            if (s.ChangeTypes.Contains(changeType))
            {
                outbox.Enqueue(s.NotificationUrl, new JsonObject { ["value"] = new JsonArray(notification) }.ToJsonString(), new Dictionary<string, string>());
            }
        }
    }

    private async ValueTask<EmulatorResponse> CreateAsync(EmulatorRequest request, CancellationToken cancellationToken)
    {
        if (JsonNode.Parse(request.Body ?? "{}") is not JsonObject body)
        {
            return graph.BadRequest("The request body must be a subscription.");
        }

        var resource = (string?)body["resource"];
        var changeTypes = ((string?)body["changeType"] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var segments = (resource ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is not [var users, var user, var events] || !users.Equals("users", StringComparison.OrdinalIgnoreCase) || !events.Equals("events", StringComparison.OrdinalIgnoreCase))
        {
            return GraphErrors.Error(400, "InvalidRequest", $"Resource '{resource}' is not supported (this emulator serves users/{{id}}/events).", world.Now);
        }

        if (changeTypes.Length == 0 || changeTypes.Any(c => c is not ("created" or "updated" or "deleted")))
        {
            return GraphErrors.Error(400, "InvalidRequest", $"Invalid changeType '{body["changeType"]}'.", world.Now);
        }

        if (!Uri.TryCreate((string?)body["notificationUrl"], UriKind.Absolute, out var notificationUrl)
            || (notificationUrl.Scheme != Uri.UriSchemeHttps && !notificationUrl.IsLoopback))
        {
            // Graph demands HTTPS; the emulator also accepts http on loopback (no source: a test convenience).
            return GraphErrors.Error(400, "InvalidRequest", "The notificationUrl must be an HTTPS URL.", world.Now);
        }

        Uri? lifecycleUrl = null;
        if (body["lifecycleNotificationUrl"] is not null && !Uri.TryCreate((string?)body["lifecycleNotificationUrl"], UriKind.Absolute, out lifecycleUrl))
        {
            return GraphErrors.Error(400, "InvalidRequest", "The lifecycleNotificationUrl is not a URL.", world.Now);
        }

        if (ParseExpiry(body) is not { } expires || expires <= world.Now || expires > world.Now + MaxLifetime)
        {
            return GraphErrors.Error(400, "InvalidRequest", $"Subscription expiration can only be {MaxLifetime.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes in the future.", world.Now);
        }

        var clientState = (string?)body["clientState"];
        if (clientState is { Length: > 128 })
        {
            return GraphErrors.Error(400, "InvalidRequest", "clientState is longer than 128 characters.", world.Now);
        }

        string mailbox;
        lock (world.Gate)
        {
            if (world.Find(user) is not { Provider: CalendarProvider.Exchange } employee)
            {
                return GraphErrors.Error(404, "ErrorInvalidUser", $"The requested user '{user}' is invalid.", world.Now);
            }

            mailbox = employee.Email;
        }

        foreach (var url in new[] { notificationUrl, lifecycleUrl }.OfType<Uri>().Distinct())
        {
            var token = "Validation: Testing client application reachability for subscription Request-Id: " + world.Ids.Hex("validation", 16);
            var (status, answer) = await outbox.PostAsync(new Uri(url.AbsoluteUri + (url.Query.Length > 0 ? "&" : "?") + "validationToken=" + Uri.EscapeDataString(token)), null, new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
            if (status != 200 || answer != token)
            {
                return GraphErrors.Error(400, "ValidationError", $"Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request (answered {status}).", world.Now);
            }
        }

        lock (world.Gate)
        {
            var id = Guid.Parse(world.Ids.Hex("subscription", 16)).ToString();
            var s = new Subscription(id, mailbox, [.. changeTypes], notificationUrl, lifecycleUrl, clientState, resource!, expires);
            subscriptions[id] = s;
            return EmulatorResponse.Json(201, Json(s));
        }
    }

    private EmulatorResponse Get(string id)
    {
        lock (world.Gate)
        {
            return Live(id) is { } s ? EmulatorResponse.Json(200, Json(s)) : NotFound(id);
        }
    }

    private EmulatorResponse Update(EmulatorRequest request, string id)
    {
        var body = JsonNode.Parse(request.Body ?? "{}") as JsonObject ?? [];
        lock (world.Gate)
        {
            if (Live(id) is not { } s)
            {
                return NotFound(id);
            }

            if (ParseExpiry(body) is not { } expires || expires <= world.Now || expires > world.Now + MaxLifetime)
            {
                return GraphErrors.Error(400, "InvalidRequest", "Invalid expirationDateTime.", world.Now);
            }

            var renewed = s with { ExpiresAt = expires };
            subscriptions[id] = renewed;
            return EmulatorResponse.Json(200, Json(renewed));
        }
    }

    private EmulatorResponse Delete(string id)
    {
        lock (world.Gate)
        {
            return Live(id) is not null && subscriptions.Remove(id) ? EmulatorResponse.Empty(204) : NotFound(id);
        }
    }

    private Subscription? Live(string id) =>
        subscriptions.TryGetValue(id, out var s) && s.ExpiresAt > world.Now ? s : null;

    private EmulatorResponse NotFound(string id) =>
        GraphErrors.Error(404, "ResourceNotFound", $"The object was not found: subscription '{id}'.", world.Now);

    private static DateTimeOffset? ParseExpiry(JsonObject body) =>
        DateTimeOffset.TryParse((string?)body["expirationDateTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Json(Subscription s) => new()
    {
        ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        ["id"] = s.Id,
        ["resource"] = s.Resource,
        ["changeType"] = string.Join(',', s.ChangeTypes),
        ["clientState"] = s.ClientState,
        ["notificationUrl"] = s.NotificationUrl.AbsoluteUri,
        ["lifecycleNotificationUrl"] = s.LifecycleUrl?.AbsoluteUri,
        ["expirationDateTime"] = Format(s.ExpiresAt),
    };

    private sealed record Subscription(
        string Id, string Mailbox, string[] ChangeTypes, Uri NotificationUrl, Uri? LifecycleUrl, string? ClientState, string Resource, DateTimeOffset ExpiresAt);
}
