using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;

namespace RulesSync.Emulators.Crm;

/// <summary>
/// The CRM's OData V2 service in the shape of SAP Cloud for Customer, in two dialects:
/// <c>c4codata</c> (v1) and <c>c4codataapi</c> (v2). AppointmentCollection and VisitCollection
/// with their involved parties; server paging with <c>__next</c>; <c>$filter</c>, <c>$orderby</c>,
/// <c>$top</c>, <c>$skip</c>, <c>$inlinecount</c>, <c>$expand</c>; CSRF token fetch before writes;
/// weak ETags and If-Match. <c>$select</c> is accepted and ignored.
/// </summary>
internal sealed partial class ODataEmulator(CrmStore store, EmulatorOptions options) : IProtocolEmulator
{
    private const string CsrfHeader = "x-csrf-token";

    public static string RootPath(CrmDialect dialect) =>
        dialect == CrmDialect.V1 ? "sap/c4c/odata/v1/c4codata/" : "sap/c4c/odata/v1/c4codataapi/";

    public bool Owns(string path) => Dialect(path) is not null;

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request)
    {
        var retryAfter = ((long)fault.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return fault.Kind switch
        {
            FaultKind.Throttle => Error(429, "TOO_MANY_REQUESTS", "Too many requests.").WithHeader("Retry-After", retryAfter),
            FaultKind.Unavailable => Error(503, "SERVICE_UNAVAILABLE", "Service unavailable.").WithHeader("Retry-After", retryAfter),
            FaultKind.RateLimitForbidden => Error(403, "FORBIDDEN", "Request quota exceeded."),
            FaultKind.Timeout => Error(504, "GATEWAY_TIMEOUT", "Gateway timeout."),
            // The CRM's only token is the CSRF token: expired, the write answers 403 "Required".
            FaultKind.ExpiredToken => Error(403, "CSRF_TOKEN_VALIDATION_FAILED", "CSRF token validation failed").WithHeader(CsrfHeader, "Required"),
            _ => Error(500, "INTERNAL_ERROR", "Injected fault."),
        };
    }

    public EmulatorResponse BadRequest(string message) => Error(400, "INVALID_REQUEST", message);

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request)
    {
        var dialect = Dialect(request.Path)!.Value;
        var rootPath = "/" + RootPath(dialect);
        var rest = request.Path.Length >= rootPath.Length ? request.Path[rootPath.Length..] : "";
        var root = request.BaseUri.AbsoluteUri + RootPath(dialect);
        var prefix = dialect == CrmDialect.V1 ? "crm.v1" : "crm.v2";
        var method = request.Method == "POST" && request.Header("X-HTTP-Method") is { } tunneled ? tunneled.ToUpperInvariant() : request.Method;

        if (rest is "" or "$metadata")
        {
            return method == "GET"
                ? (EmulatorRoute.Sync(rest == "" ? $"{prefix}.root" : $"{prefix}.metadata", null, r => WithCsrf(r, rest == "" ? ServiceDocument() : Metadata(dialect))), null)
                : (null, Error(405, "METHOD_NOT_ALLOWED", "Method not allowed."));
        }

        var match = ResourcePattern().Match(rest);
        if (!match.Success || Kind(match.Groups["set"].Value) is not { } kind)
        {
            return (null, Error(404, "RESOURCE_NOT_FOUND", $"Resource not found for segment '{rest}'."));
        }

        var key = match.Groups["key"].Success ? match.Groups["key"].Value : null;
        var nav = match.Groups["nav"].Success ? match.Groups["nav"].Value : null;
        var set = ODataJson.SetName(kind);
        EmulatorRoute? route = (key, nav, method) switch
        {
            (null, null, "GET") => EmulatorRoute.Sync($"{prefix}.{set}.query", null, r => WithCsrf(r, Query(r, dialect, kind, root))),
            (null, null, "POST") => EmulatorRoute.Sync($"{prefix}.{set}.create", null, r => Create(r, dialect, kind, root)),
            ({ } k, null, "GET") => EmulatorRoute.Sync($"{prefix}.{set}.get", null, r => WithCsrf(r, Get(r, dialect, kind, k, root))),
            ({ } k, null, "PATCH" or "MERGE" or "PUT") => EmulatorRoute.Sync($"{prefix}.{set}.update", null, r => Update(r, dialect, kind, k, root)),
            ({ } k, null, "DELETE") => EmulatorRoute.Sync($"{prefix}.{set}.delete", null, r => Delete(r, kind, k)),
            ({ } k, { } n, "GET") when n == ODataJson.PartiesName(kind) =>
                EmulatorRoute.Sync($"{prefix}.{set}.parties", null, r => WithCsrf(r, Parties(dialect, kind, k, root))),
            _ => null,
        };
        return route is null ? (null, Error(405, "METHOD_NOT_ALLOWED", $"{method} not allowed on {rest}.")) : (route, null);
    }

    private EmulatorResponse Query(EmulatorRequest request, CrmDialect dialect, CrmActivityKind kind, string root)
    {
        Func<CrmActivity, bool> filter;
        try
        {
            filter = ODataFilter.Parse(request.QueryValue("$filter"), dialect);
        }
        catch (FormatException e)
        {
            return Error(400, "INVALID_FILTER", e.Message);
        }

        var top = Int(request.QueryValue("$top"));
        var skip = Int(request.QueryValue("$skip")) ?? 0;
        var skipToken = Int(request.QueryValue("$skiptoken")) ?? 0;
        var expand = (request.QueryValue("$expand") ?? "").Contains(ODataJson.PartiesName(kind), StringComparison.Ordinal);
        lock (store.Gate)
        {
            IEnumerable<CrmActivity> rows = store.All(kind).Where(filter);
            if (request.QueryValue("$orderby") is { Length: > 0 } orderBy)
            {
                var parts = orderBy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                try
                {
                    _ = ODataFilter.Value(store.All(kind).FirstOrDefault() ?? Placeholder, parts[0], dialect);
                }
                catch (FormatException e)
                {
                    return Error(400, "INVALID_ORDERBY", e.Message);
                }

                rows = parts is [_, "desc"]
                    ? rows.OrderByDescending(a => ODataFilter.Value(a, parts[0], dialect))
                    : rows.OrderBy(a => ODataFilter.Value(a, parts[0], dialect));
            }

            var all = rows.ToList();
            var start = skip + skipToken;
            var wanted = top is { } t ? Math.Max(0, t - skipToken) : int.MaxValue;
            var page = all.Skip(start).Take(request.CapPageSize(Math.Min(options.CrmPageSize, wanted))).ToList();
            var d = new JsonObject();
            if (request.QueryValue("$inlinecount") == "allpages")
            {
                d["__count"] = all.Count.ToString(CultureInfo.InvariantCulture);
            }

            d["results"] = new JsonArray([.. page.Select(a => (JsonNode)ODataJson.Entity(a, dialect, root, expand))]);
            var returned = skipToken + page.Count;
            if (start + page.Count < all.Count && (top is null || returned < top))
            {
                // C4C pages on the server and says where to continue; the client's own options are kept.
                var query = request.Query.Where(q => q.Key != "$skiptoken")
                    .Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value)}")
                    .Append("$skiptoken=" + returned.ToString(CultureInfo.InvariantCulture));
                d["__next"] = $"{root}{ODataJson.SetName(kind)}?{string.Join('&', query)}";
            }

            return Json(200, new JsonObject { ["d"] = d });
        }
    }

    private EmulatorResponse Get(EmulatorRequest request, CrmDialect dialect, CrmActivityKind kind, string key, string root)
    {
        var expand = (request.QueryValue("$expand") ?? "").Contains(ODataJson.PartiesName(kind), StringComparison.Ordinal);
        lock (store.Gate)
        {
            return store.Get(kind, key) is { } a
                ? Json(200, new JsonObject { ["d"] = ODataJson.Entity(a, dialect, root, expand) }).WithHeader("ETag", ODataJson.ETag(a))
                : NotFound(key);
        }
    }

    private EmulatorResponse Parties(CrmDialect dialect, CrmActivityKind kind, string key, string root)
    {
        lock (store.Gate)
        {
            return store.Get(kind, key) is { } a
                ? Json(200, new JsonObject { ["d"] = new JsonObject { ["results"] = ODataJson.Parties(a, dialect, root) } })
                : NotFound(key);
        }
    }

    private EmulatorResponse Create(EmulatorRequest request, CrmDialect dialect, CrmActivityKind kind, string root)
    {
        if (CsrfFailure(request) is { } failure)
        {
            return failure;
        }

        if (ReadBody(request) is not JsonObject body)
        {
            return Error(400, "INVALID_BODY", "The request body is not a JSON object.");
        }

        if (dialect == CrmDialect.V1 && body.ContainsKey("ICalUID"))
        {
            return Error(400, "PROPERTY_NOT_FOUND", "Property ICalUID not found in type c4codata.Appointment.");
        }

        try
        {
            var draft = new CrmActivityDraft(
                kind,
                body["Subject"]?.GetValue<string>() ?? "",
                ODataJson.ReadDate(body["StartDateTime"]) ?? throw new FormatException("StartDateTime is required."),
                ODataJson.ReadDate(body["EndDateTime"]) ?? throw new FormatException("EndDateTime is required."),
                body["OrganizerPartyID"]?.GetValue<string>() ?? "",
                body["OrganizerEmail"]?.GetValue<string>() ?? "",
                body["OwnerPartyID"]?.GetValue<string>() ?? "",
                ReadParties(body[ODataJson.PartiesName(kind)]) ?? [])
            {
                LifeCycleStatusCode = body["LifeCycleStatusCode"]?.GetValue<string>() ?? "1",
                GroupwareItemID = body["GroupwareItemID"]?.GetValue<string>(),
                ICalUid = body["ICalUID"]?.GetValue<string>(),
            };
            lock (store.Gate)
            {
                var created = store.Add(draft);
                return Json(201, new JsonObject { ["d"] = ODataJson.Entity(created, dialect, root, expandParties: true) })
                    .WithHeader("ETag", ODataJson.ETag(created))
                    .WithHeader("Location", $"{root}{ODataJson.SetName(kind)}('{created.ObjectID}')");
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return Error(400, "INVALID_BODY", e.Message);
        }
    }

    private EmulatorResponse Update(EmulatorRequest request, CrmDialect dialect, CrmActivityKind kind, string key, string root)
    {
        if (CsrfFailure(request) is { } failure)
        {
            return failure;
        }

        if (ReadBody(request) is not JsonObject body)
        {
            return Error(400, "INVALID_BODY", "The request body is not a JSON object.");
        }

        if (dialect == CrmDialect.V1 && body.ContainsKey("ICalUID"))
        {
            return Error(400, "PROPERTY_NOT_FOUND", "Property ICalUID not found in type c4codata.Appointment.");
        }

        lock (store.Gate)
        {
            if (store.Get(kind, key) is not { } current)
            {
                return NotFound(key);
            }

            if (PreconditionFailure(request, current) is { } precondition)
            {
                return precondition;
            }

            try
            {
                var changed = current with
                {
                    Subject = body["Subject"]?.GetValue<string>() ?? current.Subject,
                    Start = ODataJson.ReadDate(body["StartDateTime"]) ?? current.Start,
                    End = ODataJson.ReadDate(body["EndDateTime"]) ?? current.End,
                    OrganizerPartyID = body["OrganizerPartyID"]?.GetValue<string>() ?? current.OrganizerPartyID,
                    OrganizerEmail = body["OrganizerEmail"]?.GetValue<string>() ?? current.OrganizerEmail,
                    OwnerPartyID = body["OwnerPartyID"]?.GetValue<string>() ?? current.OwnerPartyID,
                    LifeCycleStatusCode = body["LifeCycleStatusCode"]?.GetValue<string>() ?? current.LifeCycleStatusCode,
                    GroupwareItemID = body["GroupwareItemID"]?.GetValue<string>() ?? current.GroupwareItemID,
                    ICalUid = body["ICalUID"]?.GetValue<string>() ?? current.ICalUid,
                    Parties = ReadParties(body[ODataJson.PartiesName(kind)]) ?? current.Parties,
                };
                var stored = store.Replace(changed);
                return EmulatorResponse.Empty(204).WithHeader("ETag", ODataJson.ETag(stored)).WithHeader("DataServiceVersion", "1.0");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                return Error(400, "INVALID_BODY", e.Message);
            }
        }
    }

    private EmulatorResponse Delete(EmulatorRequest request, CrmActivityKind kind, string key)
    {
        if (CsrfFailure(request) is { } failure)
        {
            return failure;
        }

        lock (store.Gate)
        {
            if (store.Get(kind, key) is not { } current)
            {
                return NotFound(key);
            }

            if (PreconditionFailure(request, current) is { } precondition)
            {
                return precondition;
            }

            store.Remove(key);
            return EmulatorResponse.Empty(204);
        }
    }

    /// <summary>Writes need the token a GET with <c>x-csrf-token: fetch</c> handed out; otherwise 403 and <c>x-csrf-token: Required</c>.</summary>
    private EmulatorResponse? CsrfFailure(EmulatorRequest request)
    {
        lock (store.Gate)
        {
            return store.IsValidCsrfToken(request.Header(CsrfHeader))
                ? null
                : Error(403, "CSRF_TOKEN_VALIDATION_FAILED", "CSRF token validation failed").WithHeader(CsrfHeader, "Required");
        }
    }

    /// <summary>If-Match is required on writes (428 without it); a stale ETag answers 412; <c>*</c> matches anything.</summary>
    private static EmulatorResponse? PreconditionFailure(EmulatorRequest request, CrmActivity current)
    {
        var ifMatch = request.Header("If-Match");
        if (ifMatch is null)
        {
            return Error(428, "PRECONDITION_REQUIRED", "If-Match header is required for this operation.");
        }

        return ifMatch == "*" || string.Equals(ifMatch, ODataJson.ETag(current), StringComparison.Ordinal)
            ? null
            : Error(412, "PRECONDITION_FAILED", "The entity was changed by another user; the ETag does not match.");
    }

    private EmulatorResponse WithCsrf(EmulatorRequest request, EmulatorResponse response)
    {
        if (!string.Equals(request.Header(CsrfHeader), "fetch", StringComparison.OrdinalIgnoreCase))
        {
            return response;
        }

        lock (store.Gate)
        {
            return response.WithHeader(CsrfHeader, store.IssueCsrfToken());
        }
    }

    private static EmulatorResponse ServiceDocument() => Json(200, new JsonObject
    {
        ["d"] = new JsonObject { ["EntitySets"] = new JsonArray("AppointmentCollection", "VisitCollection") },
    });

    private static EmulatorResponse Metadata(CrmDialect dialect)
    {
        var ns = ODataJson.Namespace(dialect);
        var uid = dialect == CrmDialect.V2 ? "<Property Name=\"ICalUID\" Type=\"Edm.String\"/>" : "";
        string Type(string name, string parties) =>
            $"<EntityType Name=\"{name}\"><Key><PropertyRef Name=\"ObjectID\"/></Key>" +
            "<Property Name=\"ObjectID\" Type=\"Edm.String\" Nullable=\"false\"/><Property Name=\"ID\" Type=\"Edm.String\"/>" +
            "<Property Name=\"Subject\" Type=\"Edm.String\"/><Property Name=\"StartDateTime\" Type=\"Edm.DateTime\"/>" +
            "<Property Name=\"EndDateTime\" Type=\"Edm.DateTime\"/><Property Name=\"OrganizerPartyID\" Type=\"Edm.String\"/>" +
            "<Property Name=\"OrganizerEmail\" Type=\"Edm.String\"/><Property Name=\"OwnerPartyID\" Type=\"Edm.String\"/>" +
            "<Property Name=\"LifeCycleStatusCode\" Type=\"Edm.String\"/><Property Name=\"GroupwareItemID\" Type=\"Edm.String\"/>" +
            "<Property Name=\"CreationDateTime\" Type=\"Edm.DateTimeOffset\"/><Property Name=\"LastChangeDateTime\" Type=\"Edm.DateTimeOffset\"/>" +
            $"<Property Name=\"ETag\" Type=\"Edm.DateTimeOffset\" ConcurrencyMode=\"Fixed\"/>{uid}" +
            $"<NavigationProperty Name=\"{parties}\"/></EntityType>";
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><edmx:Edmx Version=\"1.0\" xmlns:edmx=\"http://schemas.microsoft.com/ado/2007/06/edmx\">" +
            $"<edmx:DataServices m:DataServiceVersion=\"2.0\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\"><Schema Namespace=\"{ns}\" xmlns=\"http://schemas.microsoft.com/ado/2008/09/edm\">" +
            Type("Appointment", "AppointmentInvolvedParties") + Type("Visit", "VisitInvolvedParties") +
            "</Schema></edmx:DataServices></edmx:Edmx>";
        return new EmulatorResponse(200, xml, "application/xml");
    }

    private static List<CrmParty>? ReadParties(JsonNode? node)
    {
        var array = node switch
        {
            JsonArray a => a,
            JsonObject o when o["results"] is JsonArray r => r,
            _ => null,
        };
        return array?.Select(p => new CrmParty(
            p?["PartyID"]?.GetValue<string>() ?? "",
            p?["RoleCode"]?.GetValue<string>() ?? CrmRoleCodes.Attendee,
            p?["EmailURI"]?.GetValue<string>(),
            p?["PartyName"]?.GetValue<string>())).ToList();
    }

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

    private static readonly CrmActivity Placeholder = new("", "", CrmActivityKind.Appointment, "", default, default, "", "", "", "", null, null, [], default, default);

    private static int? Int(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static CrmActivityKind? Kind(string set) => set switch
    {
        "AppointmentCollection" => CrmActivityKind.Appointment,
        "VisitCollection" => CrmActivityKind.Visit,
        _ => null,
    };

    private static CrmDialect? Dialect(string path)
    {
        if (path.StartsWith("/" + RootPath(CrmDialect.V2), StringComparison.Ordinal) || path == "/" + RootPath(CrmDialect.V2).TrimEnd('/'))
        {
            return CrmDialect.V2;
        }

        return path.StartsWith("/" + RootPath(CrmDialect.V1), StringComparison.Ordinal) || path == "/" + RootPath(CrmDialect.V1).TrimEnd('/')
            ? CrmDialect.V1
            : null;
    }

    private static EmulatorResponse NotFound(string key) => Error(404, "RESOURCE_NOT_FOUND", $"Resource with key '{key}' not found.");

    private static EmulatorResponse Json(int status, JsonNode body) =>
        EmulatorResponse.Json(status, body).WithHeader("DataServiceVersion", "2.0");

    private static EmulatorResponse Error(int status, string code, string message) =>
        EmulatorResponse.Json(status, ODataJson.Error(code, message)).WithHeader("DataServiceVersion", "1.0");

    [GeneratedRegex(@"^(?<set>\w+)(?:\('(?<key>[^']*)'\))?(?:/(?<nav>\w+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourcePattern();
}
