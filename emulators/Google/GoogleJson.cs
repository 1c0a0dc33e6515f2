using System.Globalization;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Google;

/// <summary>
/// Calendar v3 JSON: the Events resource (https://developers.google.com/calendar/api/v3/reference/events)
/// and the error envelope (https://developers.google.com/workspace/calendar/api/guides/errors).
/// </summary>
internal static class GoogleJson
{
    public static JsonObject Event(CalendarItem item)
    {
        if (item.Deleted)
        {
            // "Deleted events are only guaranteed to have the id field populated"; "cancelled exceptions are only
            // guaranteed to have values for the id, recurringEventId and originalStartTime fields" (Events resource, status).
            var gone = new JsonObject
            {
                ["kind"] = "calendar#event",
                ["etag"] = ETag(item),
                ["id"] = item.Id,
                ["status"] = "cancelled",
            };
            AddInstanceFields(gone, item);
            return gone;
        }

        var organizer = new JsonObject { ["email"] = item.Organizer };
        if (item.IsOrganizer)
        {
            // Google omits boolean flags that are false; "self" appears only when true.
            organizer["self"] = true;
        }

        var e = new JsonObject
        {
            ["kind"] = "calendar#event",
            ["etag"] = ETag(item),
            ["id"] = item.Id,
            ["status"] = "confirmed",
            ["created"] = Instant(item.Created),
            ["updated"] = Instant(item.LastModified),
            ["summary"] = item.Subject,
            ["creator"] = new JsonObject { ["email"] = item.Organizer },
            ["organizer"] = organizer,
            ["start"] = When(item, item.Start),
            ["end"] = When(item, item.End),
            ["iCalUID"] = item.ICalUid,
            ["sequence"] = 0,
            ["attendees"] = new JsonArray([.. item.Attendees.Select(a =>
            {
                var line = new JsonObject { ["email"] = a.Email, ["responseStatus"] = Response(a.Response) };
                if (string.Equals(a.Email, item.Organizer, StringComparison.OrdinalIgnoreCase))
                {
                    line["organizer"] = true;
                }

                if (string.Equals(a.Email, item.Mailbox, StringComparison.OrdinalIgnoreCase))
                {
                    line["self"] = true;
                }

                if (string.Equals(a.Type, "optional", StringComparison.OrdinalIgnoreCase))
                {
                    line["optional"] = true;
                }

                return (JsonNode)line;
            })]),
            ["eventType"] = "default",
        };
        if (item.Pattern is { } pattern)
        {
            // "List of RRULE, EXRULE, RDATE and EXDATE lines for a recurring event, as specified in RFC5545."
            var lines = new JsonArray("RRULE:" + pattern.Rule);
            foreach (var exDate in pattern.ExDates)
            {
                lines.Add("EXDATE" + (pattern.IsAllDay ? ";VALUE=DATE:" : ":") + CalendarWorld.GoogleInstanceSuffix(exDate, pattern.IsAllDay));
            }

            e["recurrence"] = lines;
            if (!pattern.IsAllDay)
            {
                e["start"]!["timeZone"] = pattern.TimeZone;
                e["end"]!["timeZone"] = pattern.TimeZone;
            }
        }

        AddInstanceFields(e, item);
        return e;
    }

    /// <summary>An instance of a recurring event: its recurring event's id and its original start.</summary>
    private static void AddInstanceFields(JsonObject e, CalendarItem item)
    {
        if (item.OriginalStart is { } originalStart)
        {
            e["recurringEventId"] = item.SeriesMasterId;
            e["originalStartTime"] = When(item, originalStart);
        }
    }

    /// <summary>An EventDateTime: <c>{date}</c> for all-day events, <c>{dateTime, timeZone}</c> otherwise.</summary>
    private static JsonObject When(CalendarItem item, DateTimeOffset value) =>
        item.IsAllDay ? new JsonObject { ["date"] = value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) } : DateTime(value);

    /// <summary>Reads an all-day <c>{date}</c> as UTC midnight; null when the node has no date.</summary>
    public static DateTimeOffset? ReadDate(JsonNode? node) =>
        node?["date"]?.GetValue<string>() is { } text && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : null;

    public static string ETag(CalendarItem item) =>
        "\"" + ((item.LastModified.ToUnixTimeMilliseconds() * 1000) + item.Version).ToString(CultureInfo.InvariantCulture) + "\"";

    public static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static JsonObject DateTime(DateTimeOffset value) => new()
    {
        ["dateTime"] = value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["timeZone"] = "UTC",
    };

    public static string Response(AttendeeResponse response) => response switch
    {
        AttendeeResponse.Accepted or AttendeeResponse.Organizer => "accepted",
        AttendeeResponse.Tentative => "tentative",
        AttendeeResponse.Declined => "declined",
        _ => "needsAction",
    };

    public static AttendeeResponse? ReadResponse(string? value) => value switch
    {
        "accepted" => AttendeeResponse.Accepted,
        "tentative" => AttendeeResponse.Tentative,
        "declined" => AttendeeResponse.Declined,
        "needsAction" => AttendeeResponse.None,
        _ => null,
    };

    /// <summary>Reads <c>{dateTime, timeZone}</c>; a dateTime without offset is taken in timeZone (UTC if absent).</summary>
    public static DateTimeOffset? ReadDateTime(JsonNode? node)
    {
        if (node?["dateTime"]?.GetValue<string>() is not { } text)
        {
            return null;
        }

        var value = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var hasOffset = text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal);
        if (!hasOffset && node["timeZone"]?.GetValue<string>() is { Length: > 0 } zoneName && zoneName != "UTC")
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
            var local = System.DateTime.SpecifyKind(value.DateTime, DateTimeKind.Unspecified);
            value = new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        return value.ToUniversalTime();
    }

    public static EmulatorResponse Error(int status, string domain, string reason, string message, string? location = null)
    {
        var detail = new JsonObject { ["domain"] = domain, ["reason"] = reason, ["message"] = message };
        if (location is not null)
        {
            detail["locationType"] = "parameter";
            detail["location"] = location;
        }

        return EmulatorResponse.Json(status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["errors"] = new JsonArray(detail),
                ["code"] = status,
                ["message"] = message,
            },
        });
    }

    public static EmulatorResponse NotFound() => Error(404, "global", "notFound", "Not Found");

    public static EmulatorResponse Fault(FaultRule fault) => fault.Kind switch
    {
        FaultKind.Throttle => Error(429, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
        FaultKind.RateLimitForbidden => Error(403, "usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded"),
        FaultKind.Unavailable => Error(503, "global", "backendError", "Backend Error"),
        FaultKind.Timeout => Error(504, "global", "backendError", "Deadline exceeded"),
        FaultKind.ExpiredToken or FaultKind.SyncStateNotFound => Error(410, "calendar", "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", "syncToken"),
        _ => Error(500, "global", "backendError", "Backend Error"),
    };
}
