using System.Globalization;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Graph;

/// <summary>
/// Graph v1.0 JSON for events, in the shape of the event resource
/// (https://learn.microsoft.com/en-us/graph/api/resources/event) and of delta's removed items
/// (https://learn.microsoft.com/en-us/graph/delta-query-events).
/// </summary>
internal static class GraphJson
{
    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff";

    public static JsonObject Event(CalendarItem item, CalendarWorld world)
    {
        var e = Content(item, world);
        if (item.TransactionId is { } transactionId)
        {
            // "This property is only returned in a response payload if an app has set it" (event resource).
            e["transactionId"] = transactionId;
        }

        return e;
    }

    private static JsonObject Content(CalendarItem item, CalendarWorld world) => new()
    {
        ["@odata.etag"] = $"W/\"{item.ChangeKey}\"",
        ["id"] = item.Id,
        ["createdDateTime"] = Instant(item.Created),
        ["lastModifiedDateTime"] = Instant(item.LastModified),
        ["changeKey"] = item.ChangeKey,
        ["iCalUId"] = item.ICalUid,
        ["subject"] = item.Subject,
        ["isCancelled"] = item.IsCancelled,
        ["isOrganizer"] = item.IsOrganizer,
        // https://learn.microsoft.com/en-us/graph/api/resources/event: type, seriesMasterId, originalStart, recurrence.
        ["type"] = item.IsSeriesMaster ? "seriesMaster" : item.IsOccurrence ? (item.IsException ? "exception" : "occurrence") : "singleInstance",
        ["seriesMasterId"] = item.SeriesMasterId,
        ["originalStart"] = item.OriginalStart is { } originalStart ? Instant(originalStart) : null,
        ["recurrence"] = item.Pattern is { } pattern ? GraphRecurrence.Write(pattern, item.Start) : null,
        ["isAllDay"] = item.IsAllDay,
        ["responseRequested"] = true,
        ["responseStatus"] = new JsonObject
        {
            ["response"] = Response(item.Response),
            ["time"] = "0001-01-01T00:00:00Z",
        },
        ["start"] = DateTimeTimeZone(item.Start),
        ["end"] = DateTimeTimeZone(item.End),
        ["organizer"] = Recipient(item.Organizer, world),
        ["attendees"] = new JsonArray([.. item.Attendees.Select(a => (JsonNode)new JsonObject
        {
            ["type"] = a.Type,
            ["status"] = new JsonObject { ["response"] = Response(a.Response), ["time"] = "0001-01-01T00:00:00Z" },
            ["emailAddress"] = new JsonObject { ["name"] = world.DisplayName(a.Email), ["address"] = a.Email },
        })]),
    };

    /// <summary>A deleted (or out-of-window) event in a delta page: only its id and the @removed annotation.</summary>
    public static JsonObject Removed(string id) => new()
    {
        ["@odata.type"] = "#microsoft.graph.event",
        ["id"] = id,
        ["@removed"] = new JsonObject { ["reason"] = "deleted" },
    };

    public static JsonObject DateTimeTimeZone(DateTimeOffset value) => new()
    {
        ["dateTime"] = value.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture),
        ["timeZone"] = "UTC",
    };

    public static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string Response(AttendeeResponse response) => response switch
    {
        AttendeeResponse.Organizer => "organizer",
        AttendeeResponse.Accepted => "accepted",
        AttendeeResponse.Tentative => "tentativelyAccepted",
        AttendeeResponse.Declined => "declined",
        _ => "none",
    };

    /// <summary>Reads a dateTimeTimeZone; a time zone other than UTC is resolved through the system's zone data.</summary>
    public static DateTimeOffset? ReadDateTimeTimeZone(JsonNode? node)
    {
        if (node?["dateTime"]?.GetValue<string>() is not { } text)
        {
            return null;
        }

        var local = DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var zoneName = node["timeZone"]?.GetValue<string>();
        if (string.IsNullOrEmpty(zoneName) || zoneName is "UTC" or "Etc/UTC" or "Coordinated Universal Time")
        {
            return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc));
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified)).ToUniversalTime();
    }

    public static List<(string Email, string Type)>? ReadAttendees(JsonNode? node) =>
        node is JsonArray array
            ? [.. array.Select(a => (
                a?["emailAddress"]?["address"]?.GetValue<string>() ?? throw new FormatException("attendee without emailAddress.address"),
                a["type"]?.GetValue<string>() ?? "required"))]
            : null;

    private static JsonObject Recipient(string email, CalendarWorld world) => new()
    {
        ["emailAddress"] = new JsonObject { ["name"] = world.DisplayName(email), ["address"] = email },
    };
}
