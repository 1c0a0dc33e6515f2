using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Identity;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Graph;

/// <summary>
/// Microsoft Graph v1.0, the calendar part: <c>users/{id}/calendarView/delta</c>,
/// <c>users/{id}/calendarView</c>, events CRUD, <c>cancel</c>, <c>accept</c>/<c>decline</c>/
/// <c>tentativelyAccept</c>, and <c>$batch</c>. Users are addressed by email (userPrincipalName). Each request needs
/// an app-only access token from the emulated Microsoft identity platform (<see cref="EmulatedIdentity"/>): signed by
/// it, unexpired, for Graph, issued in this tenant, with the <c>Calendars.ReadWrite</c> role (401
/// <c>InvalidAuthenticationToken</c> or 403 <c>ErrorAccessDenied</c> otherwise, as Graph answers). A <c>$batch</c> is
/// checked once; its sub-requests run under its token.
/// </summary>
internal sealed class GraphEmulator(CalendarWorld world, EmulatorOptions options, Func<RequestPipeline> pipeline, EmulatedIdentity? identity) : IProtocolEmulator
{
    public const string Prefix = "/v1.0";

    /// <summary>https://learn.microsoft.com/en-us/graph/json-batching: at most 20 requests per batch.</summary>
    public const int MaxBatchRequests = 20;

    public bool Owns(string path) => path.StartsWith(Prefix + "/", StringComparison.OrdinalIgnoreCase);

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => GraphErrors.Fault(fault, world.Now);

    public EmulatorResponse BadRequest(string message) => GraphErrors.BadRequest(message, world.Now);

    public (string? Principal, EmulatorResponse? Error) Authorize(EmulatorRequest request)
    {
        if (identity is null)
        {
            return (null, null);
        }

        // https://learn.microsoft.com/en-us/graph/errors and resolve-auth-errors: 401 InvalidAuthenticationToken, 403 for missing roles.
        var check = identity.Check(request.Header("Authorization"));
        var refusal = check.Refusal;
        if (check.Token is { } token)
        {
            if (token.Claim("aud") != EmulatedIdentity.GraphAudience)
            {
                refusal = "Access token validation failure. Invalid audience.";
            }
            else if (!string.Equals(token.Claim("tid"), identity.TenantId, StringComparison.OrdinalIgnoreCase))
            {
                refusal = "Access token validation failure. Invalid issuer: the token was issued in another tenant.";
            }
            else if (token.Payload["roles"] is not JsonArray roles || !roles.Any(r => r?.GetValue<string>() == EmulatedIdentity.GraphRole))
            {
                return (null, GraphErrors.Error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", world.Now));
            }
            else
            {
                return (token.Claim("appid"), null);
            }
        }

        return (null, GraphErrors.Error(401, "InvalidAuthenticationToken", refusal!, world.Now)
            .WithHeader("WWW-Authenticate", "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""));
    }

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request)
    {
        var segments = request.Path[Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = request.Method;
        if (segments is ["$batch"] && method == "POST")
        {
            return (new EmulatorRoute("graph.batch", null, BatchAsync), null);
        }

        if (segments.Length < 3 || !segments[0].Equals("users", StringComparison.OrdinalIgnoreCase))
        {
            return (null, GraphErrors.Error(400, "BadRequest", $"Resource not found for the segment '{segments.FirstOrDefault()}'.", world.Now));
        }

        var user = segments[1];
        lock (world.Gate)
        {
            var employee = world.Find(user);
            if (employee is null)
            {
                return (null, GraphErrors.Error(404, "ErrorInvalidUser", $"The requested user '{user}' is invalid.", world.Now));
            }

            if (employee.Provider != CalendarProvider.Exchange)
            {
                return (null, GraphErrors.Error(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.", world.Now));
            }

            user = employee.Email;
        }

        var rest = segments[2..];
        EmulatorRoute? route = (rest, method) switch
        {
            (["calendarView", "delta()" or "delta"], "GET") => EmulatorRoute.Sync("graph.calendarView.delta", user, r => Delta(r, user)),
            (["calendarView"], "GET") => EmulatorRoute.Sync("graph.calendarView.list", user, r => CalendarView(r, user)),
            (["events"], "GET") => EmulatorRoute.Sync("graph.events.list", user, r => ListEvents(r, user)),
            (["events"], "POST") => EmulatorRoute.Sync("graph.events.create", user, r => CreateEvent(r, user)),
            (["events", var id], "GET") => EmulatorRoute.Sync("graph.events.get", user, _ => GetEvent(user, id)),
            (["events", var id], "PATCH") => EmulatorRoute.Sync("graph.events.update", user, r => UpdateEvent(r, user, id)),
            (["events", var id], "DELETE") => EmulatorRoute.Sync("graph.events.delete", user, _ => DeleteEvent(user, id)),
            (["events", var id, "instances"], "GET") => EmulatorRoute.Sync("graph.events.instances", user, r => Instances(r, user, id)),
            (["events", var id, "cancel"], "POST") => EmulatorRoute.Sync("graph.events.cancel", user, r => CancelEvent(r, user, id)),
            (["events", var id, "accept" or "decline" or "tentativelyAccept"], "POST") =>
                EmulatorRoute.Sync("graph.events.respond", user, r => Respond(r, user, id, rest[2])),
            _ => null,
        };
        return route is null
            ? (null, GraphErrors.Error(405, "BadRequest", $"{method} is not supported on {request.Path}.", world.Now))
            : (route, null);
    }

    private EmulatorResponse Delta(EmulatorRequest request, string user)
    {
        GraphCursor cursor;
        var token = request.QueryValue("$deltatoken") ?? request.QueryValue("$skiptoken");
        if (token is not null)
        {
            if (GraphCursor.Decode(token) is not { } decoded)
            {
                return GraphErrors.Error(400, "ErrorInvalidUrlQuery", "The delta or skip token is not valid.", world.Now);
            }

            cursor = decoded;
        }
        else
        {
            if (ParseInstant(request.QueryValue("startDateTime")) is not { } start || ParseInstant(request.QueryValue("endDateTime")) is not { } end)
            {
                // https://learn.microsoft.com/en-us/graph/api/event-delta: both are required on the first call.
                return GraphErrors.BadRequest("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.", world.Now);
            }

            cursor = new GraphCursor(start, end, Since: 0, Snapshot: -1, AfterSequence: 0, AfterId: "");
        }

        var (preferred, preferenceApplied) = Prefer(request);
        var pageSize = request.CapPageSize(preferred);
        var link = $"{request.BaseUri.AbsoluteUri.TrimEnd('/')}{Prefix}/users/{Uri.EscapeDataString(user)}/calendarView/delta";
        JsonObject body;
        lock (world.Gate)
        {
            var round = cursor.Snapshot < 0 ? cursor with { Snapshot = world.Sequence } : cursor;
            // A calendar view holds single instances, occurrences and exceptions, never series masters (event: delta).
            var changes = world.Items(user)
                .Where(i => !i.IsSeriesMaster)
                .Where(i => i.ChangeSequence > round.Since && i.ChangeSequence <= round.Snapshot)
                .Where(i => i.ChangeSequence > round.AfterSequence || (i.ChangeSequence == round.AfterSequence && string.CompareOrdinal(i.Id, round.AfterId) > 0))
                .OrderBy(i => i.ChangeSequence).ThenBy(i => i.Id, StringComparer.Ordinal)
                .Select(i => (Item: i, Visible: !i.Deleted && i.Start < round.WindowEnd && i.End > round.WindowStart))
                // A full round (Since 0) lists what is there; an incremental one also reports what left.
                .Where(c => c.Visible || round.Since > 0)
                .ToList();
            var page = changes.Take(pageSize).ToList();
            body = new JsonObject
            {
                ["@odata.context"] = $"{request.BaseUri.AbsoluteUri.TrimEnd('/')}{Prefix}/$metadata#Collection(event)",
            };
            if (changes.Count > page.Count)
            {
                var next = page.Count == 0 ? round : round with { AfterSequence = page[^1].Item.ChangeSequence, AfterId = page[^1].Item.Id };
                body["@odata.nextLink"] = $"{link}?$skiptoken={next.Encode()}";
            }
            else
            {
                var next = new GraphCursor(round.WindowStart, round.WindowEnd, round.Snapshot, -1, 0, "");
                body["@odata.deltaLink"] = $"{link}?$deltatoken={next.Encode()}";
            }

            body["value"] = new JsonArray([.. page.Select(c => (JsonNode)(c.Visible ? GraphJson.Event(c.Item, world) : GraphJson.Removed(c.Item.Id)))]);
        }

        return EmulatorResponse.Json(200, body).WithHeader("Preference-Applied", preferenceApplied);
    }

    private EmulatorResponse CalendarView(EmulatorRequest request, string user)
    {
        if (ParseInstant(request.QueryValue("startDateTime")) is not { } start || ParseInstant(request.QueryValue("endDateTime")) is not { } end)
        {
            return GraphErrors.BadRequest("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.", world.Now);
        }

        return Page(request, user, i => !i.IsSeriesMaster && i.Start < end && i.End > start, "calendarView");
    }

    /// <summary>https://learn.microsoft.com/en-us/graph/api/user-list-events: single instances and series masters.</summary>
    private EmulatorResponse ListEvents(EmulatorRequest request, string user) => Page(request, user, i => !i.IsOccurrence, "events");

    /// <summary>
    /// https://learn.microsoft.com/en-us/graph/api/event-list-instances: the occurrences and exceptions of a series master
    /// in [startDateTime, endDateTime), both required; cancelled and deleted occurrences are not listed.
    /// </summary>
    private EmulatorResponse Instances(EmulatorRequest request, string user, string id)
    {
        if (ParseInstant(request.QueryValue("startDateTime")) is not { } start || ParseInstant(request.QueryValue("endDateTime")) is not { } end)
        {
            return GraphErrors.BadRequest("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.", world.Now);
        }

        lock (world.Gate)
        {
            if (world.Item(user, id) is not { Deleted: false } master)
            {
                return GraphErrors.NotFound(world.Now);
            }
        }

        return Page(request, user, i => i.SeriesMasterId == id && i.Start < end && i.End > start, $"events('{id}')/instances");
    }

    private EmulatorResponse Page(EmulatorRequest request, string user, Func<CalendarItem, bool> filter, string segment)
    {
        var (pageSize, preferenceApplied) = Prefer(request);
        if (int.TryParse(request.QueryValue("$top"), NumberStyles.None, CultureInfo.InvariantCulture, out var top))
        {
            pageSize = top;
        }

        pageSize = request.CapPageSize(pageSize);

        _ = int.TryParse(request.QueryValue("$skip"), NumberStyles.None, CultureInfo.InvariantCulture, out var skip);
        lock (world.Gate)
        {
            var all = world.Items(user).Where(i => !i.Deleted && filter(i)).OrderBy(i => i.Start).ThenBy(i => i.Id, StringComparer.Ordinal).ToList();
            var body = new JsonObject
            {
                ["@odata.context"] = $"{request.BaseUri.AbsoluteUri.TrimEnd('/')}{Prefix}/$metadata#users('{user}')/{segment}",
                ["value"] = new JsonArray([.. all.Skip(skip).Take(pageSize).Select(i => (JsonNode)GraphJson.Event(i, world))]),
            };
            if (all.Count > skip + pageSize)
            {
                var query = request.Query.Where(q => q.Key != "$skip").Append(new("$skip", (skip + pageSize).ToString(CultureInfo.InvariantCulture)));
                body["@odata.nextLink"] = $"{request.BaseUri.AbsoluteUri.TrimEnd('/')}{request.Path}?{string.Join('&', query.Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value)}"))}";
            }

            return EmulatorResponse.Json(200, body).WithHeader("Preference-Applied", preferenceApplied);
        }
    }

    private EmulatorResponse GetEvent(string user, string id)
    {
        lock (world.Gate)
        {
            return world.Item(user, id) is { Deleted: false } item ? EmulatorResponse.Json(200, GraphJson.Event(item, world)) : GraphErrors.NotFound(world.Now);
        }
    }

    private EmulatorResponse CreateEvent(EmulatorRequest request, string user)
    {
        if (ReadBody(request) is not { } body)
        {
            return GraphErrors.BadRequest("Empty Payload. JSON content expected.", world.Now);
        }

        var start = GraphJson.ReadDateTimeTimeZone(body["start"]);
        var end = GraphJson.ReadDateTimeTimeZone(body["end"]);
        if (start is null || end is null)
        {
            return GraphErrors.BadRequest("Start and End are required.", world.Now);
        }

        var attendees = GraphJson.ReadAttendees(body["attendees"]) ?? [];
        var transactionId = body["transactionId"]?.GetValue<string>();
        var pattern = ReadRecurrence(body, out var invalid);
        if (invalid is not null)
        {
            return invalid;
        }

        lock (world.Gate)
        {
            // transactionId: "a custom identifier specified by a client app for the server to avoid redundant POST
            // operations in case of client retries to create the same event" (event resource). Microsoft documents
            // neither the answer to the repeat nor how long the key is remembered: here the repeat answers like the
            // first create (201, the event as it now stands) for as long as that event is in the mailbox, and
            // nobody is invited again.
            var item = transactionId is { Length: > 0 } key ? world.ByTransactionId(user, key) : null;
            if (item is null)
            {
                var draft = new MeetingDraft(body["subject"]?.GetValue<string>() ?? "", start.Value, end.Value, [.. attendees.Select(a => a.Email)]);
                // Exchange sends meeting requests as soon as an event with attendees is saved.
                item = world.Create(user, draft, attendees, Notify.All, transactionId: transactionId, pattern: pattern);
            }

            return EmulatorResponse.Json(201, GraphJson.Event(item, world))
                .WithHeader("Location", $"{request.BaseUri.AbsoluteUri.TrimEnd('/')}{Prefix}/users('{user}')/events('{item.Id}')");
        }
    }

    private EmulatorResponse UpdateEvent(EmulatorRequest request, string user, string id)
    {
        if (ReadBody(request) is not { } body)
        {
            return GraphErrors.BadRequest("Empty Payload. JSON content expected.", world.Now);
        }

        var patch = new EventPatch(
            body["subject"]?.GetValue<string>(),
            GraphJson.ReadDateTimeTimeZone(body["start"]),
            GraphJson.ReadDateTimeTimeZone(body["end"]),
            GraphJson.ReadAttendees(body["attendees"]));
        lock (world.Gate)
        {
            if (world.Item(user, id) is not { Deleted: false } item)
            {
                return GraphErrors.NotFound(world.Now);
            }

            // A PATCH carrying only the recurrence keeps the series' zone and all-day kind.
            var pattern = ReadRecurrence(body, out var invalid, item.Pattern);
            if (invalid is not null)
            {
                return invalid;
            }

            if (pattern is not null && !item.IsSeriesMaster)
            {
                // Turning a single instance into a series (or an occurrence into one) is not modelled.
                return GraphErrors.BadRequest("The recurrence of an event that is not a series master can't be changed here.", world.Now);
            }

            patch = patch with { Pattern = pattern };

            world.Update(item, patch, Notify.All);
            return EmulatorResponse.Json(200, GraphJson.Event(item, world));
        }
    }

    /// <summary>
    /// DELETE on the organizer's event cancels the meeting and notifies attendees; on an attendee's
    /// copy it removes only that copy (https://learn.microsoft.com/en-us/graph/api/event-delete).
    /// </summary>
    private EmulatorResponse DeleteEvent(string user, string id)
    {
        lock (world.Gate)
        {
            if (world.Item(user, id) is not { Deleted: false } item)
            {
                return GraphErrors.NotFound(world.Now);
            }

            if (item.IsOrganizer)
            {
                world.CancelByOrganizer(item, Notify.All, comment: null);
            }
            else
            {
                world.RemoveCopy(item);
            }

            return EmulatorResponse.Empty(204);
        }
    }

    /// <summary>
    /// Organizer only; an attendee gets 400; the event moves to Deleted Items and attendees get a
    /// cancellation (https://learn.microsoft.com/en-us/graph/api/event-cancel). Answers 202.
    /// </summary>
    private EmulatorResponse CancelEvent(EmulatorRequest request, string user, string id)
    {
        // The documented body spells it "Comment" (https://learn.microsoft.com/en-us/graph/api/event-cancel).
        var comment = Property(ReadBody(request), "comment")?.GetValue<string>();
        lock (world.Gate)
        {
            if (world.Item(user, id) is not { Deleted: false } item)
            {
                return GraphErrors.NotFound(world.Now);
            }

            if (!item.IsOrganizer)
            {
                return GraphErrors.Error(400, "ErrorAccessDenied", "Your request can't be completed. You need to be an organizer to cancel a meeting.", world.Now);
            }

            world.CancelByOrganizer(item, Notify.All, comment);
            return EmulatorResponse.Empty(202);
        }
    }

    /// <summary>https://learn.microsoft.com/en-us/graph/api/event-decline: sendResponse defaults to true; answers 202.</summary>
    private EmulatorResponse Respond(EmulatorRequest request, string user, string id, string action)
    {
        var body = ReadBody(request);
        var send = Property(body, "sendResponse")?.GetValue<bool>() ?? true;
        var response = action switch
        {
            "accept" => AttendeeResponse.Accepted,
            "tentativelyAccept" => AttendeeResponse.Tentative,
            _ => AttendeeResponse.Declined,
        };
        lock (world.Gate)
        {
            if (world.Item(user, id) is not { Deleted: false } item)
            {
                return GraphErrors.NotFound(world.Now);
            }

            if (item.IsOrganizer)
            {
                return GraphErrors.BadRequest("Your request can't be completed. You can't respond to a meeting you organized.", world.Now);
            }

            world.Respond(item, response, send, Property(body, "comment")?.GetValue<string>());
            return EmulatorResponse.Empty(202);
        }
    }

    /// <summary>
    /// JSON batching (https://learn.microsoft.com/en-us/graph/json-batching): each sub-request goes
    /// through the pipeline on its own, so it is counted and may be throttled on its own; the
    /// batch itself answers 200.
    /// </summary>
    private async ValueTask<EmulatorResponse> BatchAsync(EmulatorRequest request, CancellationToken cancellationToken)
    {
        if (ReadBody(request)?["requests"] is not JsonArray requests)
        {
            return GraphErrors.BadRequest("Invalid batch payload format.", world.Now);
        }

        if (requests.Count > MaxBatchRequests)
        {
            return GraphErrors.Error(400, "BadRequest", $"Number of requests ({requests.Count.ToString(CultureInfo.InvariantCulture)}) exceeds the limit of {MaxBatchRequests.ToString(CultureInfo.InvariantCulture)}.", world.Now);
        }

        // Graph runs a batch's sub-requests in parallel (https://learn.microsoft.com/en-us/graph/json-batching): each
        // one holds a slot of its mailbox's concurrency from the start, so a batch of more than 4 requests to one
        // mailbox has the surplus throttled, as Exchange does.
        var subs = requests.Select(sub => (Id: sub?["id"]?.ToString() ?? "", Inner: ToRequest(sub, request.BaseUri))).ToList();
        var matched = subs.Select(s => Match(s.Inner)).ToList();
        var held = matched.Select(m => m.Route?.Mailbox).ToList();
        var run = pipeline();
        held.ForEach(run.Hold);
        var responses = new JsonArray();
        try
        {
            for (var i = 0; i < subs.Count; i++)
            {
                run.Release(held[i]);
                held[i] = null;
                var (route, error) = matched[i];
                var answer = route is null ? error! : await run.ExecuteAsync(this, route, subs[i].Inner, cancellationToken).ConfigureAwait(false);
                var headers = new JsonObject();
                foreach (var (name, value) in answer.Headers)
                {
                    headers[name] = value;
                }

                var item = new JsonObject { ["id"] = subs[i].Id, ["status"] = answer.Status, ["headers"] = headers };
                if (answer.Body is not null)
                {
                    headers["Content-Type"] = answer.ContentType;
                    item["body"] = ParseOrString(answer.Body);
                }

                responses.Add(item);
            }
        }
        finally
        {
            held.ForEach(run.Release);
        }

        return EmulatorResponse.Json(200, new JsonObject { ["responses"] = responses });
    }

    private static EmulatorRequest ToRequest(JsonNode? sub, Uri baseUri)
    {
        var url = sub?["url"]?.GetValue<string>() ?? "/";
        var question = url.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? url : url[..question];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in url[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                query[key] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (sub?["headers"] is JsonObject given)
        {
            foreach (var (name, value) in given)
            {
                headers[name] = value?.ToString() ?? "";
            }
        }

        var decodedPath = string.Join('/', path.Split('/').Select(Uri.UnescapeDataString));
        return new EmulatorRequest(
            (sub?["method"]?.GetValue<string>() ?? "GET").ToUpperInvariant(),
            Prefix + "/" + decodedPath.TrimStart('/'),
            query,
            headers,
            sub?["body"]?.ToJsonString(),
            baseUri);
    }

    private static JsonNode? ParseOrString(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return JsonValue.Create(body);
        }
    }

    /// <summary>The body's <c>recurrence</c> as a series pattern (null when absent); a malformed one answers 400.</summary>
    private SeriesPattern? ReadRecurrence(JsonNode body, out EmulatorResponse? invalid, SeriesPattern? current = null)
    {
        invalid = null;
        var zone = body["start"]?["timeZone"]?.GetValue<string>() is { Length: > 0 } z ? z : current?.TimeZone ?? "UTC";
        var isAllDay = body["isAllDay"]?.GetValue<bool>() ?? current?.IsAllDay ?? false;
        var pattern = GraphRecurrence.Read(body["recurrence"], zone, isAllDay, out var error);
        if (error is not null)
        {
            invalid = GraphErrors.BadRequest(error, world.Now);
        }

        return pattern;
    }

    /// <summary>Reads <c>Prefer</c>: page size and IdType may arrive as one comma-separated header.</summary>
    private (int PageSize, string Applied) Prefer(EmulatorRequest request)
    {
        var pageSize = options.GraphDefaultPageSize;
        var applied = new List<string>();
        foreach (var part in (request.Header("Prefer") ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("odata.maxpagesize=", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(part["odata.maxpagesize=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
            {
                pageSize = size;
            }
            else if (part.StartsWith("IdType=", StringComparison.OrdinalIgnoreCase))
            {
                // Ids here never change on folder moves, so ImmutableId is always honoured.
                applied.Add(part);
            }
        }

        applied.Insert(0, "odata.maxpagesize=" + pageSize.ToString(CultureInfo.InvariantCulture));
        return (pageSize, string.Join(", ", applied));
    }

    private static DateTimeOffset? ParseInstant(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) ? value : null;

    private static JsonNode? Property(JsonNode? body, string name) =>
        body is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;

    private static JsonNode? ReadBody(EmulatorRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(request.Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
