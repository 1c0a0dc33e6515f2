using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RulesSync.Emulators.Crm;

/// <summary>
/// OData V2 JSON ("verbose" JSON, as SAP Gateway and C4C write it): <c>{"d":...}</c> envelopes,
/// <c>__metadata</c> with uri/type/etag, <c>/Date(ms)/</c> for Edm.DateTime and
/// <c>/Date(ms+0000)/</c> for Edm.DateTimeOffset, <c>__deferred</c> navigation links
/// (https://www.odata.org/documentation/odata-version-2-0/json-format/), in each dialect's
/// <see cref="C4cEntitySchema"/>.
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

    public static string Namespace(CrmDialect dialect) => dialect == CrmDialect.V1 ? "c4codata" : "c4codataapi";

    /// <summary>A start or end in the dialect's shape, with its time zone code.</summary>
    public static void WriteDate(JsonObject entity, C4cEntitySchema s, string field, string? zoneField, DateTimeOffset value, string zone)
    {
        if (s.DateShape == C4cDateShape.LocalNormalised)
        {
            entity[field] = new JsonObject
            {
                ["__metadata"] = new JsonObject { ["type"] = $"{s.Namespace}.{C4cEntitySchema.LocalNormalisedType}" },
                ["timeZoneCode"] = zone,
                ["content"] = Date(value),
            };
            return;
        }

        entity[field] = DateOffset(value);
        entity[zoneField!] = zone;
    }

    /// <summary>The entity as a read serves it; <paramref name="select"/> (null: all) limits it to the named properties.</summary>
    public static JsonObject Entity(CrmActivity a, CrmDialect dialect, string root, bool expandParties, IReadOnlySet<string>? select = null)
    {
        var s = C4cEntitySchema.For(dialect, a.Kind);
        var uri = $"{root}{s.Set}('{a.ObjectID}')";
        var entity = new JsonObject
        {
            ["__metadata"] = new JsonObject
            {
                ["uri"] = uri,
                ["type"] = $"{s.Namespace}.{s.EntityType}",
                ["etag"] = ETag(a),
            },
            ["ObjectID"] = a.ObjectID,
        };
        if (select is not null)
        {
            return entity;
        }

        entity["ID"] = a.ID;
        entity["Subject"] = a.Subject;
        WriteDate(entity, s, s.Start, s.StartZone, a.Start, a.StartTimeZoneCode);
        WriteDate(entity, s, s.End, s.EndZone, a.End, a.EndTimeZoneCode);
        entity[s.Status] = a.LifeCycleStatusCode;
        entity[s.OrganizerId] = a.OrganizerPartyID;
        entity[s.OrganizerEmail] = a.OrganizerEmail;
        if (s.OwnerPartyId is not null)
        {
            entity[s.OwnerPartyId] = a.OwnerPartyID;
        }

        entity["GroupwareItemID"] = a.GroupwareItemID ?? "";
        if (s.Uid is not null)
        {
            entity[s.Uid] = a.ICalUid ?? "";
        }

        entity[s.LastChange] = DateOffset(a.LastChangeDateTime);
        entity["ETag"] = DateOffset(a.LastChangeDateTime);
        entity[s.Parties] = expandParties
            ? new JsonObject { ["results"] = Parties(a, dialect, root) }
            : new JsonObject { ["__deferred"] = new JsonObject { ["uri"] = $"{uri}/{s.Parties}" } };
        return entity;
    }

    public static JsonArray Parties(CrmActivity a, CrmDialect dialect, string root)
    {
        var s = C4cEntitySchema.For(dialect, a.Kind);
        return new([.. a.Parties.Select((p, i) => (JsonNode)new JsonObject
        {
            ["__metadata"] = new JsonObject
            {
                ["uri"] = $"{root}{s.PartyType}Collection('{a.ObjectID}{i:D4}')",
                ["type"] = $"{s.Namespace}.{s.PartyType}",
            },
            ["ObjectID"] = a.ObjectID + i.ToString("D4", CultureInfo.InvariantCulture),
            ["ParentObjectID"] = a.ObjectID,
            ["PartyID"] = p.PartyID,
            ["RoleCode"] = p.RoleCode,
            [s.PartyEmail] = p.Email ?? "",
            ["PartyName"] = p.Name ?? "",
        })]);
    }

    /// <summary>
    /// Reads a date as clients send it: <c>/Date(ms)/</c>, <c>/Date(ms+0000)/</c>, ISO 8601, or (c4codata) the
    /// LOCALNORMALISED_DateTime object; the time zone code comes back when the value carries one.
    /// </summary>
    public static (DateTimeOffset Value, string? Zone)? ReadDate(JsonNode? node)
    {
        if (node is JsonObject complex)
        {
            return ReadDate(complex["content"]) is { } content ? (content.Value, complex["timeZoneCode"]?.GetValue<string>()) : null;
        }

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

            return (value, null);
        }

        return (DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), null);
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
