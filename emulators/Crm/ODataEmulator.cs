using System.Globalization;
using System.Text;
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
/// <c>$top</c>, <c>$skip</c>, <c>$inlinecount</c>, <c>$expand</c>, <c>$select=ObjectID</c> (ids only; any other
/// <c>$select</c> serves the whole entity); CSRF token fetch before writes; weak ETags and If-Match. Each dialect's
/// entity sets, property names and value shapes are its <see cref="C4cEntitySchema"/>.
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
        var schema = C4cEntitySchema.For(dialect, kind);
        EmulatorRoute? route = (key, nav, method) switch
        {
            (null, null, "GET") => EmulatorRoute.Sync($"{prefix}.{set}.query", null, r => WithCsrf(r, Query(r, dialect, kind, root))),
            (null, null, "POST") => EmulatorRoute.Sync($"{prefix}.{set}.create", null, r => Create(r, dialect, kind, root)),
            ({ } k, null, "GET") => EmulatorRoute.Sync($"{prefix}.{set}.get", null, r => WithCsrf(r, Get(r, dialect, kind, k, root))),
            ({ } k, null, "PATCH" or "MERGE" or "PUT") => EmulatorRoute.Sync($"{prefix}.{set}.update", null, r => Update(r, dialect, kind, k, root)),
            ({ } k, null, "DELETE") => EmulatorRoute.Sync($"{prefix}.{set}.delete", null, r => Delete(r, kind, k)),
            ({ } k, { } n, "GET") when n == schema.Parties =>
                EmulatorRoute.Sync($"{prefix}.{set}.parties", null, r => WithCsrf(r, Parties(dialect, kind, k, root))),
            _ => null,
        };
        return route is null ? (null, Error(405, "METHOD_NOT_ALLOWED", $"{method} not allowed on {rest}.")) : (route, null);
    }

    private EmulatorResponse Query(EmulatorRequest request, CrmDialect dialect, CrmActivityKind kind, string root)
    {
        var schema = C4cEntitySchema.For(dialect, kind);
        Func<CrmActivity, bool> filter;
        try
        {
            filter = ODataFilter.Parse(request.QueryValue("$filter"), schema);
        }
        catch (FormatException e)
        {
            return Error(400, "INVALID_FILTER", e.Message);
        }

        var top = Int(request.QueryValue("$top"));
        var skip = Int(request.QueryValue("$skip")) ?? 0;
        var skipToken = Int(request.QueryValue("$skiptoken")) ?? 0;
        var expand = (request.QueryValue("$expand") ?? "").Contains(schema.Parties, StringComparison.Ordinal);
        var select = request.QueryValue("$select") == "ObjectID" ? IdsOnly : null;
        lock (store.Gate)
        {
            IEnumerable<CrmActivity> rows = store.All(kind).Where(filter);
            if (request.QueryValue("$orderby") is { Length: > 0 } orderBy)
            {
                var parts = orderBy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                try
                {
                    _ = ODataFilter.Value(store.All(kind).FirstOrDefault() ?? Placeholder, parts[0], schema);
                }
                catch (FormatException e)
                {
                    return Error(400, "INVALID_ORDERBY", e.Message);
                }

                rows = parts is [_, "desc"]
                    ? rows.OrderByDescending(a => ODataFilter.Value(a, parts[0], schema))
                    : rows.OrderBy(a => ODataFilter.Value(a, parts[0], schema));
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

            d["results"] = new JsonArray([.. page.Select(a => (JsonNode)Served(a, dialect, root, expand, select))]);
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
        var expand = (request.QueryValue("$expand") ?? "").Contains(C4cEntitySchema.For(dialect, kind).Parties, StringComparison.Ordinal);
        lock (store.Gate)
        {
            return store.Get(kind, key) is { } a
                ? Json(200, new JsonObject { ["d"] = Served(a, dialect, root, expand, null) }).WithHeader("ETag", ODataJson.ETag(a))
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

        var schema = C4cEntitySchema.For(dialect, kind);
        if (UnknownProperty(body, schema) is { } unknown)
        {
            return unknown;
        }

        try
        {
            var start = ODataJson.ReadDate(body[schema.Start]) ?? throw new FormatException($"{schema.Start} is required.");
            var end = ODataJson.ReadDate(body[schema.End]) ?? throw new FormatException($"{schema.End} is required.");
            var draft = new CrmActivityDraft(
                kind,
                Text(body, "Subject") ?? "",
                start.Value,
                end.Value,
                Text(body, schema.OrganizerId) ?? "",
                Text(body, schema.OrganizerEmail) ?? "",
                (schema.OwnerPartyId is null ? null : Text(body, schema.OwnerPartyId)) ?? "",
                ReadParties(body[schema.Parties], schema) ?? [])
            {
                LifeCycleStatusCode = Text(body, schema.Status) ?? "1",
                GroupwareItemID = Text(body, "GroupwareItemID"),
                ICalUid = schema.Uid is null ? null : Text(body, schema.Uid),
                StartTimeZoneCode = start.Zone ?? (schema.StartZone is null ? null : Text(body, schema.StartZone)) ?? "UTC",
                EndTimeZoneCode = end.Zone ?? (schema.EndZone is null ? null : Text(body, schema.EndZone)) ?? "UTC",
            };
            draft = draft with { OwnerPartyID = draft.OwnerPartyID.Length > 0 ? draft.OwnerPartyID : OwnerOf(draft.Parties) };
            lock (store.Gate)
            {
                var created = store.Add(draft);
                return Json(201, new JsonObject { ["d"] = Served(created, dialect, root, true, null) })
                    .WithHeader("ETag", ODataJson.ETag(created))
                    .WithHeader("Location", $"{root}{schema.Set}('{created.ObjectID}')");
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

        var schema = C4cEntitySchema.For(dialect, kind);
        if (UnknownProperty(body, schema) is { } unknown)
        {
            return unknown;
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
                var start = ODataJson.ReadDate(body[schema.Start]);
                var end = ODataJson.ReadDate(body[schema.End]);
                var parties = ReadParties(body[schema.Parties], schema);
                var changed = current with
                {
                    Subject = Text(body, "Subject") ?? current.Subject,
                    Start = start?.Value ?? current.Start,
                    End = end?.Value ?? current.End,
                    StartTimeZoneCode = start?.Zone ?? (schema.StartZone is null ? null : Text(body, schema.StartZone)) ?? current.StartTimeZoneCode,
                    EndTimeZoneCode = end?.Zone ?? (schema.EndZone is null ? null : Text(body, schema.EndZone)) ?? current.EndTimeZoneCode,
                    OrganizerPartyID = Text(body, schema.OrganizerId) ?? current.OrganizerPartyID,
                    OrganizerEmail = Text(body, schema.OrganizerEmail) ?? current.OrganizerEmail,
                    OwnerPartyID = (schema.OwnerPartyId is null ? null : Text(body, schema.OwnerPartyId))
                        ?? (parties is null ? current.OwnerPartyID : OwnerOf(parties) is { Length: > 0 } o ? o : current.OwnerPartyID),
                    LifeCycleStatusCode = Text(body, schema.Status) ?? current.LifeCycleStatusCode,
                    GroupwareItemID = Text(body, "GroupwareItemID") ?? current.GroupwareItemID,
                    ICalUid = (schema.Uid is null ? null : Text(body, schema.Uid)) ?? current.ICalUid,
                    Parties = parties ?? current.Parties,
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
            return !store.CsrfProtection || store.IsValidCsrfToken(request.Header(CsrfHeader))
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
        if (!string.Equals(request.Header(CsrfHeader), "fetch", StringComparison.OrdinalIgnoreCase) || !CsrfProtectionOn())
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

    /// <summary>
    /// The service's <c>$metadata</c> (EDMX, OData V2): both entity types with their properties and EDM types, the
    /// party types, the LOCALNORMALISED_DateTime complex type in c4codata, and the entity sets.
    /// </summary>
    private static EmulatorResponse Metadata(CrmDialect dialect)
    {
        var ns = ODataJson.Namespace(dialect);
        var types = new StringBuilder();
        var sets = new StringBuilder();
        foreach (var kind in (CrmActivityKind[])[CrmActivityKind.Appointment, CrmActivityKind.Visit])
        {
            var s = C4cEntitySchema.For(dialect, kind);
            types.Append(CultureInfo.InvariantCulture, $"<EntityType Name=\"{s.EntityType}\"><Key><PropertyRef Name=\"ObjectID\"/></Key>");
            foreach (var (name, type) in s.Properties())
            {
                types.Append(CultureInfo.InvariantCulture, $"<Property Name=\"{name}\" Type=\"{type}\"{(name == "ObjectID" ? " Nullable=\"false\"" : name == "ETag" ? " ConcurrencyMode=\"Fixed\"" : "")}/>");
            }

            types.Append(CultureInfo.InvariantCulture, $"<NavigationProperty Name=\"{s.Parties}\" Relationship=\"{ns}.{s.EntityType}_{s.Parties}\" FromRole=\"{s.EntityType}\" ToRole=\"{s.PartyType}\"/></EntityType>");
            types.Append(CultureInfo.InvariantCulture, $"<EntityType Name=\"{s.PartyType}\"><Key><PropertyRef Name=\"ObjectID\"/></Key>");
            foreach (var (name, type) in s.PartyProperties())
            {
                types.Append(CultureInfo.InvariantCulture, $"<Property Name=\"{name}\" Type=\"{type}\"/>");
            }

            types.Append("</EntityType>");
            types.Append(CultureInfo.InvariantCulture, $"<Association Name=\"{s.EntityType}_{s.Parties}\"><End Type=\"{ns}.{s.EntityType}\" Role=\"{s.EntityType}\" Multiplicity=\"1\"/><End Type=\"{ns}.{s.PartyType}\" Role=\"{s.PartyType}\" Multiplicity=\"*\"/></Association>");
            sets.Append(CultureInfo.InvariantCulture, $"<EntitySet Name=\"{s.Set}\" EntityType=\"{ns}.{s.EntityType}\"/><EntitySet Name=\"{s.PartyType}Collection\" EntityType=\"{ns}.{s.PartyType}\"/>");
        }

        var complex = dialect == CrmDialect.V1
            ? $"<ComplexType Name=\"{C4cEntitySchema.LocalNormalisedType}\"><Property Name=\"content\" Type=\"Edm.DateTime\"/><Property Name=\"timeZoneCode\" Type=\"Edm.String\"/></ComplexType>"
            : "";
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><edmx:Edmx Version=\"1.0\" xmlns:edmx=\"http://schemas.microsoft.com/ado/2007/06/edmx\">" +
            $"<edmx:DataServices m:DataServiceVersion=\"2.0\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\"><Schema Namespace=\"{ns}\" xmlns=\"http://schemas.microsoft.com/ado/2008/09/edm\">" +
            complex + types + $"<EntityContainer Name=\"{ns}\" m:IsDefaultEntityContainer=\"true\">{sets}</EntityContainer>" +
            "</Schema></edmx:DataServices></edmx:Edmx>";
        return new EmulatorResponse(200, xml, "application/xml");
    }

    private static List<CrmParty>? ReadParties(JsonNode? node, C4cEntitySchema schema)
    {
        var array = node switch
        {
            JsonArray a => a,
            JsonObject o when o["results"] is JsonArray r => r,
            _ => null,
        };
        return array?.OfType<JsonObject>().Select(p => new CrmParty(
            Text(p, "PartyID") ?? "",
            Text(p, "RoleCode") ?? CrmRoleCodes.Attendee,
            Text(p, schema.PartyEmail),
            Text(p, "PartyName"))).ToList();
    }

    /// <summary>The owner is the party in the owner role, where the dialect has no owner property (c4codata).</summary>
    private static string OwnerOf(IReadOnlyList<CrmParty> parties) =>
        parties.FirstOrDefault(p => p.RoleCode == CrmRoleCodes.Owner)?.PartyID ?? "";

    private static string? Text(JsonObject o, string field) => o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>C4C refuses a body naming a property its entity type does not have.</summary>
    private static EmulatorResponse? UnknownProperty(JsonObject body, C4cEntitySchema schema)
    {
        var known = schema.Properties().Select(p => p.Name).Append(schema.Parties).Append("__metadata").ToHashSet(StringComparer.Ordinal);
        var unknown = body.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k));
        return unknown is null ? null : Error(400, "PROPERTY_NOT_FOUND", $"Property {unknown} not found in type {schema.Namespace}.{schema.EntityType}.");
    }

    private static readonly HashSet<string> IdsOnly = new(["ObjectID"], StringComparer.Ordinal);

    /// <summary>The entity as served, with any tampering a test asked for.</summary>
    private JsonObject Served(CrmActivity a, CrmDialect dialect, string root, bool expand, IReadOnlySet<string>? select)
    {
        var entity = ODataJson.Entity(a, dialect, root, expand, select);
        if (select is null && store.Tampered.TryGetValue(a.ObjectID, out var tamper))
        {
            tamper(entity);
        }

        return entity;
    }

    private bool CsrfProtectionOn()
    {
        lock (store.Gate)
        {
            return store.CsrfProtection;
        }
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
