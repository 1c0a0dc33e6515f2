using System.Globalization;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Push;

namespace RulesSync.Emulators.Google;

/// <summary>
/// Google Calendar push channels (https://developers.google.com/workspace/calendar/api/guides/push):
/// <c>POST calendars/{id}/events/watch</c> opens a channel (id, type <c>web_hook</c>, address, token, expiration in
/// Unix ms) and answers <c>api#channel</c> with a resourceId; a <c>sync</c> message follows at once; each change to
/// the calendar sends <c>exists</c> (message numbers rising per channel); past its expiration a channel sends
/// nothing; <c>POST channels/stop</c> (id and resourceId) stops it (204, 404 if unknown). Messages carry
/// X-Goog-Channel-ID, X-Goog-Channel-Token, X-Goog-Channel-Expiration, X-Goog-Resource-ID, X-Goog-Resource-URI,
/// X-Goog-Resource-State and X-Goog-Message-Number and an empty body. Google has no channel renewal: clients open a
/// new one. The default lifetime when none is asked (a week here) has no source.
/// </summary>
internal sealed class GoogleChannels(CalendarWorld world, GoogleCalendarEmulator google, PushOutbox outbox) : IProtocolEmulator
{
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(7);
    private readonly Dictionary<string, Channel> channels = new(StringComparer.Ordinal);

    /// <summary>Channels still delivering.</summary>
    public IReadOnlyList<string> Ids
    {
        get
        {
            lock (world.Gate)
            {
                return [.. channels.Values.Where(c => c.ExpiresAt > world.Now).Select(c => c.Id)];
            }
        }
    }

    public bool Owns(string path) =>
        path.StartsWith(GoogleCalendarEmulator.Prefix + "channels/", StringComparison.Ordinal)
        || (path.StartsWith(GoogleCalendarEmulator.Prefix + "calendars/", StringComparison.Ordinal) && path.EndsWith("/events/watch", StringComparison.Ordinal));

    public (string? Principal, EmulatorResponse? Error) Authorize(EmulatorRequest request) =>
        // channels/stop names no calendar: check the token as for the caller's own calendar.
        google.Authorize(request.Path.Contains("/channels/", StringComparison.Ordinal) ? request with { Path = GoogleCalendarEmulator.Prefix + "calendars/primary/events" } : request);

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => google.FaultResponse(fault, request);

    public EmulatorResponse BadRequest(string message) => google.BadRequest(message);

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request)
    {
        var segments = request.Path[GoogleCalendarEmulator.Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is ["channels", "stop"] && request.Method == "POST")
        {
            return (EmulatorRoute.Sync("google.channels.stop", null, Stop), null);
        }

        if (segments is ["calendars", var calendarId, "events", "watch"] && request.Method == "POST")
        {
            var id = calendarId == "primary" ? request.Principal ?? "primary" : Uri.UnescapeDataString(calendarId);
            lock (world.Gate)
            {
                if (world.Find(id) is not { Provider: CalendarProvider.Google } employee)
                {
                    return (null, GoogleJson.NotFound());
                }

                id = employee.Email;
            }

            return (EmulatorRoute.Sync("google.events.watch", id, r => Watch(r, id)), null);
        }

        return (null, GoogleJson.NotFound());
    }

    /// <summary>Queues an <c>exists</c> message on every live channel of the item's calendar (called under the world's lock).</summary>
    public void OnChanged(CalendarItem item)
    {
        if (item.Provider != CalendarProvider.Google)
        {
            return;
        }

        foreach (var channel in channels.Values.Where(c => c.ExpiresAt > world.Now && string.Equals(c.Calendar, item.Mailbox, StringComparison.OrdinalIgnoreCase)))
        {
            Send(channel, "exists");
        }
    }

    private EmulatorResponse Watch(EmulatorRequest request, string calendar)
    {
        if (JsonNode.Parse(request.Body ?? "{}") is not JsonObject body || (string?)body["id"] is not { Length: > 0 } id)
        {
            return GoogleJson.Error(400, "global", "required", "Required: channel id.");
        }

        if ((string?)body["type"] is not ("web_hook" or "webhook"))
        {
            return GoogleJson.Error(400, "global", "invalid", "Invalid channel type: must be web_hook.");
        }

        if (!Uri.TryCreate((string?)body["address"], UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttps && !address.IsLoopback))
        {
            // Google demands HTTPS with a valid certificate; the emulator also accepts http on loopback (no source: a test convenience).
            return GoogleJson.Error(400, "push", "pushWebhookBadDomain", "WebHook callback must be HTTPS.");
        }

        var token = (string?)body["token"];
        if (token is { Length: > 256 })
        {
            return GoogleJson.Error(400, "global", "invalid", "Channel token longer than 256 characters.");
        }

        lock (world.Gate)
        {
            if (channels.ContainsKey(id))
            {
                return GoogleJson.Error(400, "push", "channelIdNotUnique", $"Channel id {id} not unique");
            }

            var now = world.Now;
            var expires = long.TryParse((string?)body["expiration"] ?? body["expiration"]?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : now + DefaultLifetime;
            var resourceId = world.Ids.Hex("resource", 12);
            var resourceUri = $"{request.BaseUri.AbsoluteUri}calendar/v3/calendars/{Uri.EscapeDataString(calendar)}/events?alt=json";
            var channel = new Channel(id, calendar, address, token, resourceId, resourceUri, expires);
            channels[id] = channel;
            Send(channel, "sync");
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["kind"] = "api#channel",
                ["id"] = id,
                ["resourceId"] = resourceId,
                ["resourceUri"] = resourceUri,
                ["token"] = token,
                ["expiration"] = expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            });
        }
    }

    private EmulatorResponse Stop(EmulatorRequest request)
    {
        var body = JsonNode.Parse(request.Body ?? "{}") as JsonObject ?? [];
        lock (world.Gate)
        {
            if ((string?)body["id"] is not { } id || !channels.TryGetValue(id, out var channel) || channel.ResourceId != (string?)body["resourceId"])
            {
                return GoogleJson.Error(404, "global", "notFound", "Channel not found.");
            }

            channels.Remove(id);
            return EmulatorResponse.Empty(204);
        }
    }

    private void Send(Channel channel, string state)
    {
        channel.MessageNumber++;
        var headers = new Dictionary<string, string>
        {
            ["X-Goog-Channel-ID"] = channel.Id,
            ["X-Goog-Channel-Expiration"] = channel.ExpiresAt.ToString("r", CultureInfo.InvariantCulture),
            ["X-Goog-Resource-ID"] = channel.ResourceId,
            ["X-Goog-Resource-URI"] = channel.ResourceUri,
            ["X-Goog-Resource-State"] = state,
            ["X-Goog-Message-Number"] = channel.MessageNumber.ToString(CultureInfo.InvariantCulture),
        };
        if (channel.Token is not null)
        {
            headers["X-Goog-Channel-Token"] = channel.Token;
        }

        outbox.Enqueue(channel.Address, null, headers);
    }

    private sealed class Channel(string id, string calendar, Uri address, string? token, string resourceId, string resourceUri, DateTimeOffset expiresAt)
    {
        public string Id { get; } = id;

        public string Calendar { get; } = calendar;

        public Uri Address { get; } = address;

        public string? Token { get; } = token;

        public string ResourceId { get; } = resourceId;

        public string ResourceUri { get; } = resourceUri;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public long MessageNumber { get; set; }
    }
}
