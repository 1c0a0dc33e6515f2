using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RulesSync.Emulators.Crm;

/// <summary>
/// OData V2 JSON ("verbose" JSON, as SAP Gateway and C4C write it): <c>{"d":...}</c> envelopes,
/// <c>__metadata</c> with uri/type/etag, <c>/Date(ms)/</c> for Edm.DateTime and
/// <c>/Date(ms+0000)/</c> for Edm.DateTimeOffset, <c>__deferred</c> navigation links
/// (https://www.odata.org/documentation/odata-version-2-0/json-format/).
/// </summary>
internal static partial class ODataJson
{
    public static string Date(DateTimeOffset value) =>
        "/Date(" + value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + ")/";

    public static string DateOffset(DateTimeOffset value) =>
        "/Date(" + value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "+0000)/";

    /// <summary>C4C's weak ETag: the last-change time as a URL-encoded datetimeoffset literal.</summary>
    public static string ETag(CrmActivity activity) =>
        "W/\"datetimeoffset'" + Uri.EscapeDataString(Literal(activity.LastChangeDateTime)) + "'\"";

    public static string Literal(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string SetName(CrmActivityKind kind) => kind == CrmActivityKind.Visit ? "VisitCollection" : "AppointmentCollection";

    public static string PartiesName(CrmActivityKind kind) => kind == CrmActivityKind.Visit ? "VisitInvolvedParties" : "AppointmentInvolvedParties";

    public static string Namespace(CrmDialect dialect) => dialect == CrmDialect.V1 ? "c4codata" : "c4codataapi";

    public static JsonObject Entity(CrmActivity a, CrmDialect dialect, string root, bool expandParties)
    {
        var uri = $"{root}{SetName(a.Kind)}('{a.ObjectID}')";
        var entity = new JsonObject
        {
            ["__metadata"] = new JsonObject
            {
                ["uri"] = uri,
                ["type"] = $"{Namespace(dialect)}.{(a.Kind == CrmActivityKind.Visit ? "Visit" : "Appointment")}",
                ["etag"] = ETag(a),
            },
            ["ObjectID"] = a.ObjectID,
            ["ID"] = a.ID,
            ["Subject"] = a.Subject,
            ["StartDateTime"] = Date(a.Start),
            ["EndDateTime"] = Date(a.End),
            ["OrganizerPartyID"] = a.OrganizerPartyID,
            ["OrganizerEmail"] = a.OrganizerEmail,
            ["OwnerPartyID"] = a.OwnerPartyID,
            ["LifeCycleStatusCode"] = a.LifeCycleStatusCode,
            ["GroupwareItemID"] = a.GroupwareItemID ?? "",
            ["CreationDateTime"] = DateOffset(a.CreationDateTime),
            ["LastChangeDateTime"] = DateOffset(a.LastChangeDateTime),
            ["ETag"] = DateOffset(a.LastChangeDateTime),
        };
        if (dialect == CrmDialect.V2)
        {
            entity["ICalUID"] = a.ICalUid ?? "";
        }

        entity[PartiesName(a.Kind)] = expandParties
            ? new JsonObject { ["results"] = Parties(a, dialect, root) }
            : new JsonObject { ["__deferred"] = new JsonObject { ["uri"] = $"{uri}/{PartiesName(a.Kind)}" } };
        return entity;
    }

    public static JsonArray Parties(CrmActivity a, CrmDialect dialect, string root) =>
        new([.. a.Parties.Select((p, i) => (JsonNode)new JsonObject
        {
            ["__metadata"] = new JsonObject
            {
                ["uri"] = $"{root}{PartiesName(a.Kind)}('{a.ObjectID}{i:D4}')",
                ["type"] = $"{Namespace(dialect)}.{PartiesName(a.Kind)}",
            },
            ["ObjectID"] = a.ObjectID + i.ToString("D4", CultureInfo.InvariantCulture),
            ["ParentObjectID"] = a.ObjectID,
            ["PartyID"] = p.PartyID,
            ["RoleCode"] = p.RoleCode,
            ["EmailURI"] = p.Email ?? "",
            ["PartyName"] = p.Name ?? "",
        })]);

    /// <summary>Reads a date as clients send it: <c>/Date(ms)/</c>, <c>/Date(ms+0000)/</c> or ISO 8601.</summary>
    public static DateTimeOffset? ReadDate(JsonNode? node)
    {
        if (node?.GetValue<string>() is not { } text)
        {
            return null;
        }

        var match = DatePattern().Match(text);
        if (match.Success)
        {
            var ms = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var value = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            if (match.Groups[2].Success)
            {
                var minutes = int.Parse(match.Groups[2].Value[1..], CultureInfo.InvariantCulture);
                value = value.ToOffset(TimeSpan.FromMinutes(match.Groups[2].Value[0] == '-' ? -minutes : minutes));
            }

            return value;
        }

        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public static JsonObject Error(string code, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = new JsonObject { ["lang"] = "en", ["value"] = message },
        },
    };

    [GeneratedRegex(@"^/Date\((-?\d+)([+-]\d{4})?\)/$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();
}
