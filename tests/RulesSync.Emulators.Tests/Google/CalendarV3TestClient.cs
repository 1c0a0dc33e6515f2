using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;
using Newtonsoft.Json;

namespace RulesSync.Emulators.Tests.Google;

// A minimal typed Calendar v3 client on Google.Apis core (no generated package here), only to
// prove the library's own request building, JSON and error handling work against the emulator.
// The connector's real client comes later and owns the full surface.

/// <summary>The Calendar v3 service with a configurable base URI.</summary>
internal sealed class CalendarV3TestService : BaseClientService
{
    public CalendarV3TestService(Initializer initializer)
        : base(initializer) =>
        BaseUri = GetEffectiveUri(BaseUriOverride, "https://www.googleapis.com/calendar/v3/");

    public override string Name => "calendar";

    public override string BaseUri { get; }

    public override string BasePath => "calendar/v3/";

    public override IList<string> Features => [];

    public static CalendarV3TestService For(Uri emulatorRoot) => new(new Initializer
    {
        ApplicationName = "RulesSync.Emulators.Tests",
        BaseUri = emulatorRoot.AbsoluteUri + "calendar/v3/",
    });
}

internal sealed class EventsPage
{
    [JsonProperty("kind")]
    public string? Kind { get; set; }

    [JsonProperty("items")]
    public IList<CalendarEvent>? Items { get; set; }

    [JsonProperty("nextPageToken")]
    public string? NextPageToken { get; set; }

    [JsonProperty("nextSyncToken")]
    public string? NextSyncToken { get; set; }
}

internal sealed class CalendarEvent
{
    [JsonProperty("id")]
    public string? Id { get; set; }

    [JsonProperty("status")]
    public string? Status { get; set; }

    [JsonProperty("iCalUID")]
    public string? ICalUID { get; set; }

    [JsonProperty("summary")]
    public string? Summary { get; set; }

    [JsonProperty("start")]
    public EventDateTime? Start { get; set; }

    [JsonProperty("end")]
    public EventDateTime? End { get; set; }

    [JsonProperty("attendees")]
    public IList<EventAttendee>? Attendees { get; set; }
}

internal sealed class EventDateTime
{
    [JsonProperty("dateTime")]
    public string? DateTime { get; set; }
}

internal sealed class EventAttendee
{
    [JsonProperty("email")]
    public string? Email { get; set; }

    [JsonProperty("responseStatus")]
    public string? ResponseStatus { get; set; }
}

internal sealed class ListEventsRequest : ClientServiceRequest<EventsPage>
{
    // As generated requests do: parameters are registered once, in the constructor.
    public ListEventsRequest(IClientService service, string calendarId)
        : base(service)
    {
        CalendarId = calendarId;
        InitParameters();
    }

    [RequestParameter("calendarId", RequestParameterType.Path)]
    public string CalendarId { get; }

    [RequestParameter("syncToken", RequestParameterType.Query)]
    public string? SyncToken { get; set; }

    [RequestParameter("pageToken", RequestParameterType.Query)]
    public string? PageToken { get; set; }

    [RequestParameter("maxResults", RequestParameterType.Query)]
    public int? MaxResults { get; set; }

    [RequestParameter("timeMin", RequestParameterType.Query)]
    public string? TimeMin { get; set; }

    public override string MethodName => "list";

    public override string HttpMethod => "GET";

    public override string RestPath => "calendars/{calendarId}/events";

    protected override void InitParameters()
    {
        base.InitParameters();
        RequestParameters.Add("calendarId", new Parameter { Name = "calendarId", IsRequired = true, ParameterType = "path" });
        RequestParameters.Add("syncToken", new Parameter { Name = "syncToken", IsRequired = false, ParameterType = "query" });
        RequestParameters.Add("pageToken", new Parameter { Name = "pageToken", IsRequired = false, ParameterType = "query" });
        RequestParameters.Add("maxResults", new Parameter { Name = "maxResults", IsRequired = false, ParameterType = "query" });
        RequestParameters.Add("timeMin", new Parameter { Name = "timeMin", IsRequired = false, ParameterType = "query" });
    }
}

internal sealed class InsertEventRequest : ClientServiceRequest<CalendarEvent>
{
    private readonly CalendarEvent body;

    public InsertEventRequest(IClientService service, string calendarId, CalendarEvent body)
        : base(service)
    {
        CalendarId = calendarId;
        this.body = body;
        InitParameters();
    }

    [RequestParameter("calendarId", RequestParameterType.Path)]
    public string CalendarId { get; }

    [RequestParameter("sendUpdates", RequestParameterType.Query)]
    public string? SendUpdates { get; set; }

    public override string MethodName => "insert";

    public override string HttpMethod => "POST";

    public override string RestPath => "calendars/{calendarId}/events";

    protected override object GetBody() => body;

    protected override void InitParameters()
    {
        base.InitParameters();
        RequestParameters.Add("calendarId", new Parameter { Name = "calendarId", IsRequired = true, ParameterType = "path" });
        RequestParameters.Add("sendUpdates", new Parameter { Name = "sendUpdates", IsRequired = false, ParameterType = "query" });
    }
}

internal sealed class DeleteEventRequest : ClientServiceRequest<string>
{
    public DeleteEventRequest(IClientService service, string calendarId, string eventId)
        : base(service)
    {
        CalendarId = calendarId;
        EventId = eventId;
        InitParameters();
    }

    [RequestParameter("calendarId", RequestParameterType.Path)]
    public string CalendarId { get; }

    [RequestParameter("eventId", RequestParameterType.Path)]
    public string EventId { get; }

    [RequestParameter("sendUpdates", RequestParameterType.Query)]
    public string? SendUpdates { get; set; }

    public override string MethodName => "delete";

    public override string HttpMethod => "DELETE";

    public override string RestPath => "calendars/{calendarId}/events/{eventId}";

    protected override void InitParameters()
    {
        base.InitParameters();
        RequestParameters.Add("calendarId", new Parameter { Name = "calendarId", IsRequired = true, ParameterType = "path" });
        RequestParameters.Add("eventId", new Parameter { Name = "eventId", IsRequired = true, ParameterType = "path" });
        RequestParameters.Add("sendUpdates", new Parameter { Name = "sendUpdates", IsRequired = false, ParameterType = "query" });
    }
}
