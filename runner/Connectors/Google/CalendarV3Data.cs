using Newtonsoft.Json;

namespace RulesSync.Runner.Connectors.Google;

// Calendar v3 resources as the connector needs them (https://developers.google.com/calendar/api/v3/reference/events),
// with the API's JSON names. Mutable because Google.Apis' Newtonsoft serializer fills them.

/// <summary>A page of events.list (<c>calendar#events</c>).</summary>
public sealed class CalendarEventList
{
    [JsonProperty("kind")]
    public string? Kind { get; set; }

    [JsonProperty("items")]
    public IList<CalendarEvent>? Items { get; set; }

    /// <summary>Present on every page but the last.</summary>
    [JsonProperty("nextPageToken")]
    public string? NextPageToken { get; set; }

    /// <summary>Present on the last page only.</summary>
    [JsonProperty("nextSyncToken")]
    public string? NextSyncToken { get; set; }
}

/// <summary>An event (<c>calendar#event</c>). A deleted event may carry only its id and <c>status: "cancelled"</c>.</summary>
public sealed class CalendarEvent
{
    [JsonProperty("id")]
    public string? Id { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }

    /// <summary>confirmed, tentative or cancelled.</summary>
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

    [JsonProperty("organizer")]
    public EventPerson? Organizer { get; set; }

    [JsonProperty("attendees")]
    public IList<EventAttendee>? Attendees { get; set; }

    [JsonProperty("extendedProperties")]
    public EventExtendedProperties? ExtendedProperties { get; set; }

    [JsonProperty("updated")]
    public string? Updated { get; set; }

    /// <summary>A recurring event's RRULE, EXRULE, RDATE and EXDATE lines (RFC 5545); absent on single events and instances.</summary>
    [JsonProperty("recurrence")]
    public IList<string>? Recurrence { get; set; }

    /// <summary>An instance's recurring event id.</summary>
    [JsonProperty("recurringEventId")]
    public string? RecurringEventId { get; set; }

    /// <summary>An instance's start as its recurring event's rule gives it; it identifies the instance even when moved.</summary>
    [JsonProperty("originalStartTime")]
    public EventDateTime? OriginalStartTime { get; set; }
}

/// <summary>A start or end: <c>dateTime</c> in RFC 3339, or an all-day <c>date</c> (yyyy-MM-dd).</summary>
public sealed class EventDateTime
{
    [JsonProperty("dateTime")]
    public string? DateTime { get; set; }

    [JsonProperty("date")]
    public string? Date { get; set; }

    [JsonProperty("timeZone")]
    public string? TimeZone { get; set; }
}

/// <summary>The organizer (or creator).</summary>
public sealed class EventPerson
{
    [JsonProperty("email")]
    public string? Email { get; set; }

    /// <summary>Whether this is the calendar's owner.</summary>
    [JsonProperty("self")]
    public bool? Self { get; set; }
}

/// <summary>One attendee line.</summary>
public sealed class EventAttendee
{
    [JsonProperty("email")]
    public string? Email { get; set; }

    /// <summary>needsAction, declined, tentative or accepted.</summary>
    [JsonProperty("responseStatus")]
    public string? ResponseStatus { get; set; }

    [JsonProperty("self")]
    public bool? Self { get; set; }

    [JsonProperty("organizer")]
    public bool? Organizer { get; set; }

    [JsonProperty("optional")]
    public bool? Optional { get; set; }
}

/// <summary>Private (per calendar) and shared extended properties.</summary>
public sealed class EventExtendedProperties
{
    [JsonProperty("private")]
    public IDictionary<string, string>? Private { get; set; }
}
