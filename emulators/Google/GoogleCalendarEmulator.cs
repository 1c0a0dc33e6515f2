using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Identity;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Google;

/// <summary>
/// Google Calendar API v3, events only: list (full and incremental sync), get, insert, patch,
/// update, delete, each write honouring <c>sendUpdates</c> (<c>none</c> by default, as the API).
/// The calendar id is the employee's email. Each request needs an access token from the emulated Google token
/// endpoint (<see cref="EmulatedIdentity"/>), issued to the service account impersonating one mailbox (domain-wide
/// delegation), with the Calendar scope, unexpired; it may act on that mailbox's calendar only, and <c>primary</c>
/// means that mailbox. With <see cref="EmulatorOptions.RequireAccessTokens"/> off (protocol-shape tests only), no
/// token is checked and <c>primary</c> means the user named by a bearer of the form <c>Bearer {email}</c>.
/// </summary>
internal sealed class GoogleCalendarEmulator(CalendarWorld world, EmulatorOptions options, EmulatedIdentity? identity) : IProtocolEmulator
{
    public const string Prefix = "/calendar/v3/";

    /// <summary>events.list maxResults upper bound.</summary>
    public const int MaxPageSize = 2500;

    /// <summary>Shortest client-chosen event id.</summary>
    public const int MinEventIdLength = 5;

    /// <summary>Longest client-chosen event id.</summary>
    public const int MaxEventIdLength = 1024;

    private static readonly string[] IncrementalRestrictions = ["timeMin", "timeMax", "q", "orderBy", "iCalUID", "updatedMin"];

    public bool Owns(string path) => path.StartsWith(Prefix, StringComparison.Ordinal);

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => GoogleJson.Fault(fault);

    public EmulatorResponse BadRequest(string message) => GoogleJson.Error(400, "global", "invalid", message);

    public (string? Principal, EmulatorResponse? Error) Authorize(EmulatorRequest request)
    {
        if (identity is null)
        {
            return (Bearer(request), null);
        }

        // https://developers.google.com/workspace/calendar/api/guides/errors: 401 authError, 403 insufficient scopes.
        var check = identity.Check(request.Header("Authorization"));
        if (check.Token is not { } token)
        {
            return (null, GoogleJson.Error(401, "global", "authError", "Request had invalid authentication credentials. " + check.Refusal, "Authorization")
                .WithHeader("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""));
        }

        if (token.Claim("aud") != "https://www.googleapis.com/" || token.Claim("sub") is not { } subject)
        {
            return (null, GoogleJson.Error(401, "global", "authError", "Request had invalid authentication credentials: not a Google access token.", "Authorization"));
        }

        if (!(token.Claim("scope") ?? string.Empty).Split(' ').Contains(EmulatedIdentity.CalendarScope, StringComparer.Ordinal))
        {
            return (null, GoogleJson.Error(403, "global", "insufficientPermissions", "Request had insufficient authentication scopes."));
        }

        var segments = request.Path[Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is [_, var calendarId, ..] && calendarId != "primary" && !string.Equals(Uri.UnescapeDataString(calendarId), subject, StringComparison.OrdinalIgnoreCase))
        {
            // The impersonated user has no access to another user's calendar (domain-wide delegation acts as that user).
            return (null, GoogleJson.Error(403, "calendar", "requiredAccessLevel", "You need to have writer access to this calendar."));
        }

        return (subject, null);
    }

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request)
    {
        var segments = request.Path[Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 3 || segments[0] != "calendars" || segments[2] != "events")
        {
            return (null, GoogleJson.NotFound());
        }

        var calendarId = segments[1] == "primary" ? request.Principal ?? "primary" : segments[1];
        string calendar;
        lock (world.Gate)
        {
            if (world.Find(calendarId) is not { Provider: CalendarProvider.Google } employee)
            {
                return (null, GoogleJson.NotFound());
            }

            calendar = employee.Email;
        }

        EmulatorRoute? route = (segments[3..], request.Method) switch
        {
            ([], "GET") => EmulatorRoute.Sync("google.events.list", calendar, r => List(r, calendar)),
            ([], "POST") => EmulatorRoute.Sync("google.events.insert", calendar, r => Insert(r, calendar)),
            ([var id], "GET") => EmulatorRoute.Sync("google.events.get", calendar, _ => Get(calendar, id)),
            ([var id], "PATCH" or "PUT") => EmulatorRoute.Sync("google.events.patch", calendar, r => Patch(r, calendar, id)),
            ([var id], "DELETE") => EmulatorRoute.Sync("google.events.delete", calendar, r => Delete(r, calendar, id)),
            ([var id, "instances"], "GET") => EmulatorRoute.Sync("google.events.instances", calendar, r => Instances(r, calendar, id)),
            _ => null,
        };
        return route is null ? (null, GoogleJson.Error(405, "global", "methodNotAllowed", "Method Not Allowed")) : (route, null);
    }

    /// <summary>
    /// events.list. Full sync: live events (and cancelled ones with showDeleted), filtered by
    /// timeMin/timeMax/iCalUID/q/updatedMin. Incremental (syncToken): every change since the
    /// token, deletions as status "cancelled"; the filters above are refused. nextSyncToken only
    /// on the last page (https://developers.google.com/calendar/api/guides/sync).
    /// </summary>
    private EmulatorResponse List(EmulatorRequest request, string calendar)
    {
        var syncToken = request.QueryValue("syncToken");
        var incremental = syncToken is not null;
        if (incremental)
        {
            if (IncrementalRestrictions.FirstOrDefault(p => request.QueryValue(p) is not null) is { } restricted)
            {
                return GoogleJson.Error(400, "global", "invalid", "Sync token cannot be used with other request restrictions.", restricted);
            }

            if (request.QueryValue("showDeleted") == "false")
            {
                return GoogleJson.Error(400, "global", "invalid", "Deleted events are always included in an incremental sync; showDeleted cannot be false.", "showDeleted");
            }
        }

        if (request.QueryValue("orderBy") == "startTime" && request.QueryValue("singleEvents") != "true")
        {
            return GoogleJson.Error(400, "global", "invalid", "The requested ordering is not available for the particular query.", "orderBy");
        }

        var start = incremental ? GoogleCursor.Decode(syncToken) : new GoogleCursor(0, -1, 0, "", 0);
        if (start is null)
        {
            return GoogleJson.Error(400, "global", "invalid", "Invalid sync token value.", "syncToken");
        }

        var cursor = start;
        if (request.QueryValue("pageToken") is { } pageToken)
        {
            if (GoogleCursor.Decode(pageToken) is not { } page)
            {
                return GoogleJson.Error(400, "global", "invalid", "Invalid page token value.", "pageToken");
            }

            cursor = page;
        }

        var maxResults = Math.Clamp(
            int.TryParse(request.QueryValue("maxResults"), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : options.GoogleDefaultPageSize,
            1,
            MaxPageSize);
        maxResults = request.CapPageSize(maxResults);
        var timeMin = Instant(request.QueryValue("timeMin"));
        var timeMax = Instant(request.QueryValue("timeMax"));
        var updatedMin = Instant(request.QueryValue("updatedMin"));
        var iCalUid = request.QueryValue("iCalUID");
        var text = request.QueryValue("q");
        var showDeleted = incremental || updatedMin is not null || request.QueryValue("showDeleted") == "true";
        var orderBy = request.QueryValue("orderBy");
        var singleEvents = request.QueryValue("singleEvents") == "true";

        lock (world.Gate)
        {
            var round = cursor.Snapshot < 0 ? cursor with { Snapshot = world.Sequence } : cursor;
            var candidates = world.Items(calendar)
                .Where(i => Listed(i, singleEvents))
                .Where(i => i.ChangeSequence > round.Since && i.ChangeSequence <= round.Snapshot)
                .Where(i => showDeleted || !i.Deleted)
                .Where(i => incremental || (
                    (timeMin is null || LastEnd(i) > timeMin) &&
                    (timeMax is null || i.Start < timeMax) &&
                    (updatedMin is null || i.LastModified >= updatedMin) &&
                    (iCalUid is null || i.ICalUid == iCalUid) &&
                    (text is null || i.Subject.Contains(text, StringComparison.OrdinalIgnoreCase))));
            List<CalendarItem> ordered;
            List<CalendarItem> page;
            bool more;
            if (orderBy is "startTime" or "updated")
            {
                // Offset paging for explicit orders; the default order pages by (sequence, id) key.
                ordered = [.. (orderBy == "startTime" ? candidates.OrderBy(i => i.Start) : candidates.OrderBy(i => i.LastModified)).ThenBy(i => i.Id, StringComparer.Ordinal)];
                page = [.. ordered.Skip(round.Offset).Take(maxResults)];
                more = ordered.Count > round.Offset + page.Count;
            }
            else
            {
                ordered = [.. candidates
                    .Where(i => i.ChangeSequence > round.AfterSequence || (i.ChangeSequence == round.AfterSequence && string.CompareOrdinal(i.Id, round.AfterId) > 0))
                    .OrderBy(i => i.ChangeSequence).ThenBy(i => i.Id, StringComparer.Ordinal)];
                page = [.. ordered.Take(maxResults)];
                more = ordered.Count > page.Count;
            }

            var body = new JsonObject
            {
                ["kind"] = "calendar#events",
                ["etag"] = "\"" + round.Snapshot.ToString(CultureInfo.InvariantCulture) + "\"",
                ["summary"] = calendar,
                ["description"] = "",
                ["updated"] = GoogleJson.Instant(world.Now),
                ["timeZone"] = "UTC",
                ["accessRole"] = "owner",
                ["defaultReminders"] = new JsonArray(),
            };
            if (more)
            {
                var next = page.Count == 0 ? round : round with { AfterSequence = page[^1].ChangeSequence, AfterId = page[^1].Id, Offset = round.Offset + page.Count };
                body["nextPageToken"] = next.Encode();
            }
            else
            {
                body["nextSyncToken"] = new GoogleCursor(round.Snapshot, -1, 0, "", 0).Encode();
            }

            body["items"] = new JsonArray([.. page.Select(i => (JsonNode)GoogleJson.Event(i))]);
            return EmulatorResponse.Json(200, body);
        }
    }

    /// <summary>
    /// Which items a listing shows. singleEvents=false (the default): single events, recurring events (masters) and
    /// their exceptions, cancelled instances among them; singleEvents=true: "expand recurring events into instances and
    /// only return single one-off events and instances of recurring events, but not the underlying recurring events"
    /// (events.list). An instance removed by a change of its recurring event (no longer given by the rule) is not an
    /// exception: without singleEvents the recurring event's own change says so.
    /// </summary>
    private static bool Listed(CalendarItem item, bool singleEvents) =>
        singleEvents ? !item.IsSeriesMaster : !item.IsOccurrence || item.IsException || item.IsCancelled;

    /// <summary>Where an item's time ends for timeMin: a recurring event's last materialized instance.</summary>
    private DateTimeOffset LastEnd(CalendarItem item) =>
        item.IsSeriesMaster ? world.Occurrences(item).Select(o => o.End).DefaultIfEmpty(item.End).Max() : item.End;

    /// <summary>
    /// events.instances (https://developers.google.com/calendar/api/v3/reference/events/instances): the instances of a
    /// recurring event in start order, cancelled ones only with showDeleted; timeMin/timeMax filter by time.
    /// </summary>
    private EmulatorResponse Instances(EmulatorRequest request, string calendar, string id)
    {
        var showDeleted = request.QueryValue("showDeleted") == "true";
        var timeMin = Instant(request.QueryValue("timeMin"));
        var timeMax = Instant(request.QueryValue("timeMax"));
        lock (world.Gate)
        {
            if (world.Item(calendar, id) is not { } master)
            {
                return GoogleJson.NotFound();
            }

            if (!master.IsSeriesMaster)
            {
                return GoogleJson.Error(400, "global", "invalid", "The event is not a recurring event.");
            }

            var instances = world.Occurrences(master)
                .Where(o => showDeleted ? !(o.Deleted && !o.IsCancelled) : !o.Deleted)
                .Where(o => (timeMin is null || o.End > timeMin) && (timeMax is null || o.Start < timeMax))
                .OrderBy(o => o.Start).ThenBy(o => o.Id, StringComparer.Ordinal);
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["kind"] = "calendar#events",
                ["summary"] = calendar,
                ["updated"] = GoogleJson.Instant(world.Now),
                ["timeZone"] = "UTC",
                ["accessRole"] = "owner",
                ["items"] = new JsonArray([.. instances.Select(o => (JsonNode)GoogleJson.Event(o))]),
            });
        }
    }

    private EmulatorResponse Get(string calendar, string id)
    {
        lock (world.Gate)
        {
            return world.Item(calendar, id) is { } item ? EmulatorResponse.Json(200, GoogleJson.Event(item)) : GoogleJson.NotFound();
        }
    }

    private EmulatorResponse Insert(EmulatorRequest request, string calendar)
    {
        if (!TryNotify(request, out var notify, out var invalid))
        {
            return invalid!;
        }

        if (ReadBody(request) is not JsonObject body)
        {
            return GoogleJson.Error(400, "global", "parseError", "This API does not support parsing form-encoded input.");
        }

        var start = GoogleJson.ReadDateTime(body["start"]) ?? GoogleJson.ReadDate(body["start"]);
        var end = GoogleJson.ReadDateTime(body["end"]) ?? GoogleJson.ReadDate(body["end"]);
        if (start is null || end is null)
        {
            return GoogleJson.Error(400, "global", "required", "Missing end time.");
        }

        var pattern = ReadRecurrence(body, body, out var badRecurrence);
        if (badRecurrence is not null)
        {
            return badRecurrence;
        }

        if (end < start)
        {
            return GoogleJson.Error(400, "calendar", "timeRangeEmpty", "The specified time range is empty.", "end");
        }

        var id = body["id"]?.GetValue<string>();
        if (id is not null && !IsValidEventId(id))
        {
            return GoogleJson.Error(400, "global", "invalid", "Invalid resource id value.");
        }

        var attendees = ReadAttendees(body["attendees"]) ?? [];
        lock (world.Gate)
        {
            // "The ID must be unique per calendar": a deleted event keeps its id, so its id is refused too.
            if (id is not null && world.Item(calendar, id) is not null)
            {
                return GoogleJson.Error(409, "global", "duplicate", "The requested identifier already exists.");
            }

            var draft = new MeetingDraft(body["summary"]?.GetValue<string>() ?? "", start.Value, end.Value, [.. attendees.Select(a => a.Email)]);
            var item = world.Create(calendar, draft, attendees, notify, id, pattern: pattern);
            return EmulatorResponse.Json(200, GoogleJson.Event(item));
        }
    }

    /// <summary>
    /// A client-chosen event id (Events resource, <c>id</c>): base32hex characters (lower-case a-v, digits 0-9),
    /// 5 to 1024 of them.
    /// </summary>
    internal static bool IsValidEventId(string id) =>
        id.Length is >= MinEventIdLength and <= MaxEventIdLength && id.All(c => c is (>= 'a' and <= 'v') or (>= '0' and <= '9'));

    /// <summary>
    /// events.patch (and update). The organizer changes the meeting for everybody; an attendee
    /// can change only their own responseStatus (their attendees entry marked by their email).
    /// </summary>
    private EmulatorResponse Patch(EmulatorRequest request, string calendar, string id)
    {
        if (!TryNotify(request, out var notify, out var invalid))
        {
            return invalid!;
        }

        if (ReadBody(request) is not JsonObject body)
        {
            return GoogleJson.Error(400, "global", "parseError", "Parse Error");
        }

        lock (world.Gate)
        {
            if (world.Item(calendar, id) is not { } item)
            {
                return GoogleJson.NotFound();
            }

            if (item.Deleted)
            {
                return GoogleJson.Error(410, "global", "deleted", "Resource has been deleted");
            }

            if (!item.IsOrganizer)
            {
                var own = (body["attendees"] as JsonArray)?.FirstOrDefault(a => string.Equals(a?["email"]?.GetValue<string>(), calendar, StringComparison.OrdinalIgnoreCase));
                if (GoogleJson.ReadResponse(own?["responseStatus"]?.GetValue<string>()) is { } response)
                {
                    world.Respond(item, response, sendMessage: notify != Notify.None, comment: own?["comment"]?.GetValue<string>());
                    return EmulatorResponse.Json(200, GoogleJson.Event(item));
                }
            }

            SeriesPattern? pattern = null;
            if (body["recurrence"] is not null)
            {
                if (!item.IsSeriesMaster)
                {
                    return GoogleJson.Error(400, "global", "invalid", "Turning a single event or an instance into a recurring event is not modelled.");
                }

                // A patch with recurrence but no start keeps the recurring event's zone and all-day kind.
                pattern = ReadRecurrence(body, null, out var badRecurrence, item.Pattern);
                if (badRecurrence is not null)
                {
                    return badRecurrence;
                }
            }

            world.Update(item, new EventPatch(
                body["summary"]?.GetValue<string>(),
                GoogleJson.ReadDateTime(body["start"]) ?? GoogleJson.ReadDate(body["start"]),
                GoogleJson.ReadDateTime(body["end"]) ?? GoogleJson.ReadDate(body["end"]),
                ReadAttendees(body["attendees"]),
                pattern), notify);
            return EmulatorResponse.Json(200, GoogleJson.Event(item));
        }
    }

    /// <summary>
    /// events.delete: the organizer's delete cancels the meeting (Google attendees' copies always,
    /// others only if a message is sent); an attendee's delete removes only their copy.
    /// Deleting twice answers 410 deleted.
    /// </summary>
    private EmulatorResponse Delete(EmulatorRequest request, string calendar, string id)
    {
        if (!TryNotify(request, out var notify, out var invalid))
        {
            return invalid!;
        }

        lock (world.Gate)
        {
            if (world.Item(calendar, id) is not { } item)
            {
                return GoogleJson.NotFound();
            }

            if (item.Deleted)
            {
                return GoogleJson.Error(410, "global", "deleted", "Resource has been deleted");
            }

            if (item.IsOrganizer)
            {
                world.CancelByOrganizer(item, notify, comment: null);
            }
            else
            {
                world.RemoveCopy(item);
            }

            return EmulatorResponse.Empty(204);
        }
    }

    /// <summary>
    /// The body's <c>recurrence</c> lines: one RRULE (Ical.Net must accept it) and any EXDATE lines; EXRULE and RDATE are
    /// not modelled and answer 400, as does a malformed line. The zone is the start's <c>timeZone</c> (UTC if absent), a
    /// <c>date</c> start makes the series all-day; without a start, <paramref name="current"/>'s are kept. Null when the
    /// body has no recurrence.
    /// </summary>
    private static SeriesPattern? ReadRecurrence(JsonNode body, JsonNode? startOwner, out EmulatorResponse? invalid, SeriesPattern? current = null)
    {
        invalid = null;
        if (body["recurrence"] is not JsonArray lines)
        {
            return null;
        }

        var start = startOwner?["start"];
        var isAllDay = start is null ? current?.IsAllDay ?? false : start["date"] is not null;
        var zone = start is null ? current?.TimeZone ?? "UTC" : start["timeZone"]?.GetValue<string>() is { Length: > 0 } z ? z : "UTC";
        string? rule = null;
        var exDates = new List<DateTimeOffset>();
        foreach (var line in lines.Select(l => l?.GetValue<string>() ?? ""))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? line : line[..colon];
            if (name.Equals("RRULE", StringComparison.OrdinalIgnoreCase) && rule is null && SeriesPattern.TryCanonical(line, out _) is { } canonical)
            {
                rule = canonical;
            }
            else if (name.StartsWith("EXDATE", StringComparison.OrdinalIgnoreCase) && colon > 0 && ExDates(line[(colon + 1)..], name, zone) is { } dates)
            {
                exDates.AddRange(dates);
            }
            else
            {
                invalid = GoogleJson.Error(400, "global", "invalid", $"Invalid recurrence rule: '{line}'.", "recurrence");
                return null;
            }
        }

        if (rule is null)
        {
            invalid = GoogleJson.Error(400, "global", "invalid", "A recurring event needs one RRULE line.", "recurrence");
            return null;
        }

        return new SeriesPattern(rule, zone, isAllDay) { ExDates = exDates };
    }

    /// <summary>EXDATE values: UTC (<c>...Z</c>), local in the line's TZID or the event's zone, or dates (VALUE=DATE).</summary>
    private static List<DateTimeOffset>? ExDates(string values, string name, string zone)
    {
        var tzid = name.Split(';').Select(p => p.Split('=')).FirstOrDefault(p => p.Length == 2 && p[0].Equals("TZID", StringComparison.OrdinalIgnoreCase))?[1] ?? zone;
        var result = new List<DateTimeOffset>();
        foreach (var value in values.Split(','))
        {
            if (DateTime.TryParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
            {
                result.Add(new DateTimeOffset(utc, TimeSpan.Zero));
            }
            else if (DateTime.TryParseExact(value, "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                result.Add(new DateTimeOffset(new Ical.Net.DataTypes.CalDateTime(local, tzid).AsUtc, TimeSpan.Zero));
            }
            else if (DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                result.Add(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            }
            else
            {
                return null;
            }
        }

        return result;
    }

    /// <summary>sendUpdates: all | externalOnly | none (default); the deprecated sendNotifications=true means all.</summary>
    private static bool TryNotify(EmulatorRequest request, out Notify notify, out EmulatorResponse? invalid)
    {
        invalid = null;
        var value = request.QueryValue("sendUpdates") ?? (request.QueryValue("sendNotifications") == "true" ? "all" : "none");
        notify = value switch
        {
            "all" => Notify.All,
            "externalOnly" => Notify.ExternalOnly,
            "none" => Notify.None,
            _ => (Notify)(-1),
        };
        if ((int)notify >= 0)
        {
            return true;
        }

        invalid = GoogleJson.Error(400, "global", "invalidParameter", $"Invalid value '{value}'. Values must match the following regular expression: '(all|externalOnly|none)'", "sendUpdates");
        return false;
    }

    private static List<(string Email, string Type)>? ReadAttendees(JsonNode? node) =>
        node is JsonArray array
            ? [.. array.Select(a => (
                a?["email"]?.GetValue<string>() ?? throw new FormatException("attendee without email"),
                a["optional"]?.GetValue<bool>() == true ? "optional" : "required"))]
            : null;

    private static string? Bearer(EmulatorRequest request) =>
        request.Header("Authorization") is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : null;

    private static DateTimeOffset? Instant(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;

    private static JsonNode? ReadBody(EmulatorRequest request)
    {
        try
        {
            return string.IsNullOrWhiteSpace(request.Body) ? null : JsonNode.Parse(request.Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
