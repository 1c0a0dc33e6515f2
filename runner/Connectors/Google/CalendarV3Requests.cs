using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;

namespace RulesSync.Runner.Connectors.Google;

// One ClientServiceRequest per Calendar v3 call the connector makes, as the generated packages build them:
// parameters declared with RequestParameter and registered once in InitParameters.

/// <summary>The parameters every events.* call has.</summary>
public abstract class EventsRequest<TResponse> : ClientServiceRequest<TResponse>
{
    /// <summary>Creates the request for one calendar.</summary>
    protected EventsRequest(IClientService service, string calendarId)
        : base(service) => CalendarId = calendarId;

    /// <summary>The calendar (an email address with domain-wide delegation, or <c>primary</c>).</summary>
    [RequestParameter("calendarId", RequestParameterType.Path)]
    public string CalendarId { get; }

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("calendarId", "path", required: true);
    }

    /// <summary>Registers a parameter.</summary>
    protected void Add(string name, string type, bool required = false) =>
        RequestParameters.Add(name, new Parameter { Name = name, IsRequired = required, ParameterType = type });
}

/// <summary>events.list: a page of events, full (with a window) or incremental (with a sync token).</summary>
public sealed class EventsListRequest : EventsRequest<CalendarEventList>
{
    /// <summary>Creates the request.</summary>
    public EventsListRequest(IClientService service, string calendarId)
        : base(service, calendarId) => InitParameters();

    [RequestParameter("syncToken", RequestParameterType.Query)]
    public string? SyncToken { get; set; }

    [RequestParameter("pageToken", RequestParameterType.Query)]
    public string? PageToken { get; set; }

    [RequestParameter("maxResults", RequestParameterType.Query)]
    public int? MaxResults { get; set; }

    [RequestParameter("showDeleted", RequestParameterType.Query)]
    public bool? ShowDeleted { get; set; }

    /// <summary>RFC 3339; not allowed with a sync token.</summary>
    [RequestParameter("timeMin", RequestParameterType.Query)]
    public string? TimeMin { get; set; }

    /// <summary>RFC 3339; not allowed with a sync token.</summary>
    [RequestParameter("timeMax", RequestParameterType.Query)]
    public string? TimeMax { get; set; }

    /// <summary>Expand recurring events into their instances (and leave the recurring events out).</summary>
    [RequestParameter("singleEvents", RequestParameterType.Query)]
    public bool? SingleEvents { get; set; }

    /// <inheritdoc />
    public override string MethodName => "list";

    /// <inheritdoc />
    public override string HttpMethod => "GET";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events";

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("syncToken", "query");
        Add("pageToken", "query");
        Add("maxResults", "query");
        Add("showDeleted", "query");
        Add("timeMin", "query");
        Add("timeMax", "query");
        Add("singleEvents", "query");
    }
}

/// <summary>events.instances: the instances of a recurring event.</summary>
public sealed class EventsInstancesRequest : EventsRequest<CalendarEventList>
{
    /// <summary>Creates the request.</summary>
    public EventsInstancesRequest(IClientService service, string calendarId, string eventId)
        : base(service, calendarId)
    {
        EventId = eventId;
        InitParameters();
    }

    /// <summary>The recurring event.</summary>
    [RequestParameter("eventId", RequestParameterType.Path)]
    public string EventId { get; }

    [RequestParameter("showDeleted", RequestParameterType.Query)]
    public bool? ShowDeleted { get; set; }

    /// <summary>RFC 3339.</summary>
    [RequestParameter("timeMin", RequestParameterType.Query)]
    public string? TimeMin { get; set; }

    /// <summary>RFC 3339.</summary>
    [RequestParameter("timeMax", RequestParameterType.Query)]
    public string? TimeMax { get; set; }

    /// <inheritdoc />
    public override string MethodName => "instances";

    /// <inheritdoc />
    public override string HttpMethod => "GET";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events/{eventId}/instances";

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("eventId", "path", required: true);
        Add("showDeleted", "query");
        Add("timeMin", "query");
        Add("timeMax", "query");
    }
}

/// <summary>events.get.</summary>
public sealed class EventsGetRequest : EventsRequest<CalendarEvent>
{
    /// <summary>Creates the request.</summary>
    public EventsGetRequest(IClientService service, string calendarId, string eventId)
        : base(service, calendarId)
    {
        EventId = eventId;
        InitParameters();
    }

    [RequestParameter("eventId", RequestParameterType.Path)]
    public string EventId { get; }

    /// <inheritdoc />
    public override string MethodName => "get";

    /// <inheritdoc />
    public override string HttpMethod => "GET";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events/{eventId}";

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("eventId", "path", required: true);
    }
}

/// <summary>events.insert.</summary>
public sealed class EventsInsertRequest : EventsRequest<CalendarEvent>
{
    private readonly CalendarEvent body;

    /// <summary>Creates the request.</summary>
    public EventsInsertRequest(IClientService service, string calendarId, CalendarEvent body)
        : base(service, calendarId)
    {
        this.body = body;
        InitParameters();
    }

    /// <summary>none (the API's default), all or externalOnly.</summary>
    [RequestParameter("sendUpdates", RequestParameterType.Query)]
    public string? SendUpdates { get; set; }

    /// <inheritdoc />
    public override string MethodName => "insert";

    /// <inheritdoc />
    public override string HttpMethod => "POST";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events";

    /// <inheritdoc />
    protected override object GetBody() => body;

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("sendUpdates", "query");
    }
}

/// <summary>events.patch.</summary>
public sealed class EventsPatchRequest : EventsRequest<CalendarEvent>
{
    private readonly CalendarEvent body;

    /// <summary>Creates the request.</summary>
    public EventsPatchRequest(IClientService service, string calendarId, string eventId, CalendarEvent body)
        : base(service, calendarId)
    {
        EventId = eventId;
        this.body = body;
        InitParameters();
    }

    [RequestParameter("eventId", RequestParameterType.Path)]
    public string EventId { get; }

    /// <summary>none, all or externalOnly.</summary>
    [RequestParameter("sendUpdates", RequestParameterType.Query)]
    public string? SendUpdates { get; set; }

    /// <inheritdoc />
    public override string MethodName => "patch";

    /// <inheritdoc />
    public override string HttpMethod => "PATCH";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events/{eventId}";

    /// <inheritdoc />
    protected override object GetBody() => body;

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("eventId", "path", required: true);
        Add("sendUpdates", "query");
    }
}

/// <summary>events.delete (an empty answer).</summary>
public sealed class EventsDeleteRequest : EventsRequest<string>
{
    /// <summary>Creates the request.</summary>
    public EventsDeleteRequest(IClientService service, string calendarId, string eventId)
        : base(service, calendarId)
    {
        EventId = eventId;
        InitParameters();
    }

    [RequestParameter("eventId", RequestParameterType.Path)]
    public string EventId { get; }

    /// <summary>none, all or externalOnly.</summary>
    [RequestParameter("sendUpdates", RequestParameterType.Query)]
    public string? SendUpdates { get; set; }

    /// <inheritdoc />
    public override string MethodName => "delete";

    /// <inheritdoc />
    public override string HttpMethod => "DELETE";

    /// <inheritdoc />
    public override string RestPath => "calendars/{calendarId}/events/{eventId}";

    /// <inheritdoc />
    protected override void InitParameters()
    {
        base.InitParameters();
        Add("eventId", "path", required: true);
        Add("sendUpdates", "query");
    }
}
