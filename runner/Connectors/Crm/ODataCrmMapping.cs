using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>
/// OData V2 JSON in a <see cref="CrmDialectProfile"/>'s shape ⇄ engine <see cref="CrmRecord"/> /
/// <see cref="MeetingContent"/>. Strict: a required field missing, null or of the wrong type, or a time zone code
/// nobody resolves, is a <see cref="CrmRecordFormatException"/> naming the record and the field — never a default
/// value. Pure (time zones from tzdata through <see cref="CrmTimeZones"/>).
/// </summary>
internal sealed partial class ODataCrmMapping(ODataCrmOptions options, EmployeeDirectory directory)
{
    private readonly Dictionary<string, string> emailByPartyId = options.PartyIds.ToDictionary(p => p.Value, p => EmployeeDirectory.IdOf(p.Key), StringComparer.Ordinal);
    private readonly CrmTimeZones zones = new(options.TimeZoneCodes);

    public CrmDialectProfile Profile { get; } = options.EffectiveProfile;

    /// <summary>Whether the UID field is read and written (the profile names one and the service's metadata has it).</summary>
    public bool UidAvailable { get; set; } = options.EffectiveProfile.Appointment.Uid is not null;

    public string PartiesNavigation(MeetingType type) => Profile.Of(type).PartiesNavigation;

    public string Set(MeetingType type) => Profile.Of(type).EntitySet;

    /// <summary>The record, and the time zone codes its start and end are shown in (kept for writing it back).</summary>
    public (CrmRecord Record, string StartZone, string EndZone) ToRecord(JsonObject e, MeetingType type, string? etagHeader = null)
    {
        var f = Profile.Of(type);
        var objectId = Text(e, f.ObjectId) is { Length: > 0 } id ? id : throw new CrmRecordFormatException(f.EntitySet, "?", f.ObjectId, Problem(e, f.ObjectId, "a non-empty string"));
        var read = new Reader(e, f, objectId);
        var etag = e["__metadata"]?["etag"] is JsonValue tag && tag.TryGetValue<string>(out var t) ? t : etagHeader
            ?? throw read.Fail("__metadata.etag", "no ETag: neither __metadata.etag nor an ETag header");
        var partyRows = e[f.PartiesNavigation] is JsonObject nav && nav["results"] is JsonArray rows
            ? rows.Select((p, i) => p as JsonObject ?? throw read.Fail($"{f.PartiesNavigation}[{i}]", "not an object")).ToList()
            : throw read.Fail(f.PartiesNavigation, "not expanded (expected {\"results\":[...]})");
        var parties = ImmutableArray.CreateBuilder<CrmParty>();
        string? ownerByRole = null;
        string? organizerByRole = null;
        for (var i = 0; i < partyRows.Count; i++)
        {
            var p = partyRows[i];
            var at = $"{f.PartiesNavigation}[{i}]";
            var role = read.Required(p, f.PartyRole, at);
            var address = Address(read.Optional(p, f.PartyEmail, at), read.Optional(p, f.PartyId, at), partyRows, f);
            if (role == Profile.OwnerRoleCode)
            {
                ownerByRole ??= address;
                continue;
            }

            if (role != Profile.OrganizerRoleCode && role != Profile.AttendeeRoleCode && role != Profile.ContactRoleCode)
            {
                // Account (34), organisational unit (50) and other roles are not people attending.
                continue;
            }

            if (address.Length == 0)
            {
                throw read.Fail($"{at}.{f.PartyEmail}", $"a party in role {role} with neither {f.PartyEmail} nor {f.PartyId}");
            }

            if (role == Profile.OrganizerRoleCode)
            {
                organizerByRole ??= address;
            }

            parties.Add(new CrmParty(address, role == Profile.OrganizerRoleCode ? PartyRole.Organizer
                : directory.IsEmployee(address) && role == Profile.AttendeeRoleCode ? PartyRole.Attendee
                : PartyRole.Contact));
        }

        parties.Sort((a, b) => string.CompareOrdinal(a.Party, b.Party) is var c && c != 0 ? c : a.Role.CompareTo(b.Role));
        var organizer = Address(read.Nullable(e, f.OrganizerEmail), read.Nullable(e, f.OrganizerPartyId), partyRows, f) is { Length: > 0 } o
            ? o
            : organizerByRole ?? throw read.Fail(f.OrganizerEmail, $"no organizer: {f.OrganizerEmail} and {f.OrganizerPartyId} are empty and no party has role {Profile.OrganizerRoleCode}");
        var owner = f.OwnerPartyId is { } ownerField ? Address(null, read.Nullable(e, ownerField), partyRows, f) : ownerByRole ?? string.Empty;
        var (start, startZone) = ReadDate(read, f.Start, f.StartTimeZone, f.DateShape);
        var (end, endZone) = ReadDate(read, f.End, f.EndTimeZone, f.DateShape);
        _ = read.Date(f.LastChange);
        var uid = UidAvailable && f.Uid is { } uidField && read.Nullable(e, uidField) is { Length: > 0 } u ? new MeetingUid(u) : (MeetingUid?)null;
        var record = new CrmRecord(
            objectId,
            etag,
            uid,
            read.Nullable(e, f.GroupwareItemId) is { Length: > 0 } g ? g : null,
            read.Required(e, f.Subject),
            start,
            end,
            StatusOf(read.Required(e, f.Status)),
            owner,
            organizer,
            parties.ToImmutable(),
            type);
        return (record, startZone, endZone);
    }

    /// <summary>The engine's status of a C4C status code: 4 Canceled, 3 Completed, anything else (1 Open, 2 In Process) open.</summary>
    public CrmStatus StatusOf(string code) =>
        Profile.CancelledStatusCodes.Contains(code) ? CrmStatus.Cancelled
        : Profile.CompletedStatusCodes.Contains(code) ? CrmStatus.Completed
        : CrmStatus.Open;

    /// <summary>The last-change time of a row (for the watermark): required, so a row without one is refused before it is mapped.</summary>
    public DateTimeOffset LastChange(JsonObject e, MeetingType type)
    {
        var f = Profile.Of(type);
        return new Reader(e, f, Text(e, f.ObjectId) ?? "?").Date(f.LastChange);
    }

    /// <summary>The entity body for a create or update, in the profile's shapes; dates in <paramref name="zone"/> (a C4C time zone code). Parties are written inline (deep insert). Without <paramref name="writeStatus"/> the record keeps its status (an update of a completed record).</summary>
    public JsonObject ToBody(MeetingContent content, string? owner, string? groupwareItemId, bool writeUid, (string Start, string End) zone, bool writeStatus = true)
    {
        var f = Profile.Of(content.Type);
        var organizer = EmployeeDirectory.IdOf(content.Organizer);
        var body = new JsonObject
        {
            [f.Subject] = content.Subject,
            [f.OrganizerPartyId] = PartyIdOf(organizer),
            [f.OrganizerEmail] = organizer,
        };
        if (writeStatus)
        {
            body[f.Status] = content.Cancelled ? Profile.CancelledStatusCode : Profile.OpenStatusCode;
        }

        WriteDate(body, f.Start, f.StartTimeZone, f.DateShape, content.Start, zone.Start);
        WriteDate(body, f.End, f.EndTimeZone, f.DateShape, content.End, zone.End);
        if (owner is not null && f.OwnerPartyId is not null)
        {
            body[f.OwnerPartyId] = PartyIdOf(EmployeeDirectory.IdOf(owner));
        }

        if (groupwareItemId is not null)
        {
            body[f.GroupwareItemId] = groupwareItemId;
        }

        if (writeUid && UidAvailable && f.Uid is not null)
        {
            body[f.Uid] = content.Uid.Value;
        }

        var parties = new JsonArray { Party(f, organizer, Profile.OrganizerRoleCode) };
        if (owner is not null && f.OwnerPartyId is null)
        {
            parties.Add(Party(f, EmployeeDirectory.IdOf(owner), Profile.OwnerRoleCode));
        }

        foreach (var a in content.Attendees)
        {
            var address = EmployeeDirectory.IdOf(a);
            if (address != organizer)
            {
                parties.Add(Party(f, address, directory.IsEmployee(address) ? Profile.AttendeeRoleCode : Profile.ContactRoleCode));
            }
        }

        body[f.PartiesNavigation] = parties;
        return body;
    }

    /// <summary>The status field and value of a cancellation.</summary>
    public JsonObject CancelBody(MeetingType type) => new() { [Profile.Of(type).Status] = Profile.CancelledStatusCode };

    public static string Date(DateTimeOffset value) =>
        "/Date(" + value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + ")/";

    public static string Literal(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// An OData V2 JSON date: <c>/Date(ms)/</c> (UTC), <c>/Date(ms+hhmm)/</c> or <c>/Date(ms-hhmm)/</c> (the instant is
    /// the milliseconds; the offset, in minutes, says where it was written), or ISO 8601 (SAP CAP's V2 adapter).
    /// Null when the text is none of these.
    /// </summary>
    public static DateTimeOffset? ParseDate(string text)
    {
        var match = DatePattern().Match(text);
        if (match.Success)
        {
            var instant = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            if (match.Groups[2].Success)
            {
                var minutes = int.Parse(match.Groups[2].Value[1..], CultureInfo.InvariantCulture);
                instant = instant.ToOffset(TimeSpan.FromMinutes(match.Groups[2].Value[0] == '-' ? -minutes : minutes));
            }

            return instant;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso) ? iso : null;
    }

    private (DateTimeOffset Value, string Zone) ReadDate(Reader read, string field, string? zoneField, CrmDateShape shape)
    {
        DateTimeOffset instant;
        string? zone;
        if (shape == CrmDateShape.LocalNormalised)
        {
            if (read.Entity[field] is not JsonObject complex)
            {
                throw read.Fail(field, Problem(read.Entity, field, "a LOCALNORMALISED_DateTime object {\"timeZoneCode\":...,\"content\":\"/Date(ms)/\"}"));
            }

            instant = read.Date(complex, "content", field);
            zone = read.Required(complex, "timeZoneCode", field);
        }
        else
        {
            instant = read.Date(field);
            zone = zoneField is null ? null : read.Nullable(read.Entity, zoneField);
        }

        if (zone is not { Length: > 0 })
        {
            return (shape == CrmDateShape.DateTime ? instant.ToUniversalTime() : instant, string.Empty);
        }

        var info = zones.Find(zone) ?? throw read.Fail(zoneField ?? field + ".timeZoneCode", $"unknown time zone code '{zone}' (map it to an IANA or Windows zone in crm.timeZoneCodes)");
        return (instant.ToOffset(info.GetUtcOffset(instant)), zone);
    }

    private void WriteDate(JsonObject body, string field, string? zoneField, CrmDateShape shape, DateTimeOffset value, string zone)
    {
        if (shape == CrmDateShape.LocalNormalised)
        {
            body[field] = new JsonObject
            {
                ["__metadata"] = new JsonObject { ["type"] = $"{Profile.Service}.LOCALNORMALISED_DateTime" },
                ["timeZoneCode"] = zone,
                ["content"] = Date(value),
            };
            return;
        }

        body[field] = Date(value);
        if (zoneField is not null)
        {
            body[zoneField] = zone;
        }
    }

    private JsonObject Party(CrmEntityProfile f, string address, string role) => new()
    {
        [f.PartyId] = PartyIdOf(address),
        [f.PartyRole] = role,
        [f.PartyEmail] = address,
    };

    private string PartyIdOf(string address) =>
        options.PartyIds.FirstOrDefault(p => EmployeeDirectory.IdOf(p.Key) == address).Value ?? address;

    /// <summary>An address for a party: its email, else the configured email of its party id, else the id itself.</summary>
    private string Address(string? email, string? partyId, List<JsonObject> partyRows, CrmEntityProfile f)
    {
        if (email is { Length: > 0 })
        {
            return EmployeeDirectory.IdOf(email);
        }

        if (partyId is not { Length: > 0 })
        {
            return string.Empty;
        }

        if (emailByPartyId.TryGetValue(partyId, out var known))
        {
            return known;
        }

        foreach (var p in partyRows)
        {
            if (Text(p, f.PartyId) == partyId && Text(p, f.PartyEmail) is { Length: > 0 } e)
            {
                return EmployeeDirectory.IdOf(e);
            }
        }

        return partyId;
    }

    private static string? Text(JsonObject o, string field) => o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>What is wrong with a field that should hold <paramref name="expected"/>.</summary>
    private static string Problem(JsonObject o, string field, string expected) =>
        !o.ContainsKey(field) ? $"missing (expected {expected})"
        : o[field] is null ? $"null (expected {expected})"
        : $"{o[field]!.GetValueKind() switch { JsonValueKind.Object => "an object", JsonValueKind.Array => "an array", JsonValueKind.Number => "a number", JsonValueKind.True or JsonValueKind.False => "a boolean", JsonValueKind.String => "'" + o[field]!.GetValue<string>() + "'", _ => o[field]!.ToJsonString() }} (expected {expected})";

    /// <summary>Reads the fields of one row, failing with the record's set, id and field.</summary>
    private readonly struct Reader(JsonObject entity, CrmEntityProfile f, string objectId)
    {
        public JsonObject Entity => entity;

        public CrmRecordFormatException Fail(string field, string problem) => new(f.EntitySet, objectId, field, problem);

        /// <summary>A string field that must be present and not null (it may be empty).</summary>
        public string Required(JsonObject o, string field, string? at = null) =>
            o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Fail(at is null ? field : $"{at}.{field}", Problem(o, field, "a string"));

        public string Required(string field) => Required(entity, field);

        /// <summary>
        /// A string field that must be present but may be null: C4C writes an empty value as <c>""</c>, SAP CAP as
        /// null; both mean empty.
        /// </summary>
        public string? Nullable(JsonObject o, string field) =>
            !o.ContainsKey(field) ? throw Fail(field, Problem(o, field, "a string")) : o[field] is null ? null : Required(o, field);

        /// <summary>A string field that may be missing or null; a present value must be a string.</summary>
        public string? Optional(JsonObject o, string field, string at) =>
            o[field] is null ? null : Required(o, field, at);

        public DateTimeOffset Date(string field) => Date(entity, field, null);

        public DateTimeOffset Date(JsonObject o, string field, string? at) =>
            o[field] is JsonValue v && v.TryGetValue<string>(out var text) && ParseDate(text) is { } value
                ? value
                : throw Fail(at is null ? field : $"{at}.{field}", Problem(o, field, "an OData date /Date(ms)/ or /Date(ms+offset)/"));
    }

    [GeneratedRegex(@"^/Date\((-?\d+)([+-]\d{4})?\)/$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();
}
