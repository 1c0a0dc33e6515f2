using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;
using Newtonsoft.Json;

namespace RulesSync.Runner.Connectors.Google;

// Push notification channels (https://developers.google.com/workspace/calendar/api/guides/push,
// https://developers.google.com/calendar/api/v3/reference/events/watch, .../channels/stop).

/// <summary>A notification channel (<c>api#channel</c>): what events.watch is sent and answers, and what channels.stop needs.</summary>
public sealed class CalendarChannel
{
    [JsonProperty("kind")]
    public string? Kind { get; set; }

    /// <summary>Ours: unique per channel (a new one for each renewal).</summary>
    [JsonProperty("id")]
    public string? Id { get; set; }

    /// <summary>Google's id of the watched resource (needed to stop the channel).</summary>
    [JsonProperty("resourceId")]
    public string? ResourceId { get; set; }

    [JsonProperty("resourceUri")]
    public string? ResourceUri { get; set; }

    /// <summary>Ours: echoed in X-Goog-Channel-Token on every message (at most 256 characters). A secret.</summary>
    [JsonProperty("token")]
    public string? Token { get; set; }

    /// <summary>Unix milliseconds, as a string.</summary>
    [JsonProperty("expiration")]
    public string? Expiration { get; set; }

    /// <summary><c>web_hook</c>.</summary>
    [JsonProperty("type")]
    public string? Type { get; set; }

    /// <summary>The HTTPS URL messages are POSTed to.</summary>
    [JsonProperty("address")]
    public string? Address { get; set; }
}

/// <summary>events.watch: opens a channel on a calendar's events.</summary>
public sealed class EventsWatchRequest : EventsRequest<CalendarChannel>
{
    private readonly CalendarChannel body;

    /// <summary>Creates the request.</summary>
    public EventsWatchRequest(IClientService service, string calendarId, CalendarChannel body)
        : base(service, calendarId)
    {
        this.body = body;
        InitParameters();
    }

    /// <inheritdoc />
    public override string MethodName => "watch";

    /// <inheritdoc />
    public override string HttpMethod => "POST";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events/watch";

    /// <inheritdoc />
    protected override object GetBody() => body;
}

/// <summary>channels.stop: stops a channel (id and resourceId); answers 204.</summary>
public sealed class ChannelsStopRequest : ClientServiceRequest<string>
{
    private readonly CalendarChannel body;

    /// <summary>Creates the request.</summary>
    public ChannelsStopRequest(IClientService service, CalendarChannel body)
        : base(service)
    {
        this.body = body;
        InitParameters();
    }

    /// <inheritdoc />
    public override string MethodName => "stop";

    /// <inheritdoc />
    public override string HttpMethod => "POST";

    /// <inheritdoc />
    public override string RestPath => "channels/stop";

    /// <inheritdoc />
    protected override object GetBody() => body;
}
