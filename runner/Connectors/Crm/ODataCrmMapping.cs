using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>OData V2 JSON (C4C shape) ⇄ engine <see cref="CrmRecord"/> / <see cref="MeetingContent"/>. Pure.</summary>
internal sealed partial class ODataCrmMapping(ODataCrmOptions options, EmployeeDirectory directory)
{
    private readonly Dictionary<string, string> emailByPartyId = options.PartyIds.ToDictionary(p => p.Value, p => EmployeeDirectory.IdOf(p.Key), StringComparer.Ordinal);

    private ODataCrmFields F => options.Fields;

    public string PartiesNavigation(MeetingType type) => type == MeetingType.Visit ? options.VisitPartiesNavigation : options.AppointmentPartiesNavigation;

    public string Set(MeetingType type) => type == MeetingType.Visit ? options.VisitSet : options.AppointmentSet;

    public CrmRecord ToRecord(JsonObject e, MeetingType type, string? etagHeader = null)
    {
        var objectId = Text(e, F.ObjectId) ?? throw new FormatException("a CRM record without " + F.ObjectId);
        var etag = e["__metadata"]?["etag"]?.GetValue<string>() ?? etagHeader ?? string.Empty;
        var partyRows = e[PartiesNavigation(type)] is JsonObject nav && nav["results"] is JsonArray rows
            ? rows.OfType<JsonObject>().ToList()
            : throw new FormatException($"record {objectId}: {PartiesNavigation(type)} not expanded");
        var parties = ImmutableArray.CreateBuilder<CrmParty>();
        foreach (var p in partyRows)
        {
            var role = Text(p, F.PartyRole);
            if (role == options.OwnerRoleCode)
            {
                continue;
            }

            var address = Address(Text(p, F.PartyEmail), Text(p, F.PartyId), partyRows);
            if (address.Length == 0)
            {
                continue;
            }

            parties.Add(new CrmParty(address, role == options.OrganizerRoleCode ? PartyRole.Organizer
                : role == options.ContactRoleCode || !directory.IsEmployee(address) ? PartyRole.Contact
                : PartyRole.Attendee));
        }

        parties.Sort((a, b) => string.CompareOrdinal(a.Party, b.Party) is var c && c != 0 ? c : a.Role.CompareTo(b.Role));
        var uid = options.Dialect == ApiVersion.V2 && Text(e, F.Uid) is { Length: > 0 } u ? new MeetingUid(u) : (MeetingUid?)null;
        return new CrmRecord(
            objectId,
            etag,
            uid,
            Text(e, F.GroupwareItemId) is { Length: > 0 } g ? g : null,
            Text(e, F.Subject) ?? string.Empty,
            Date(e[F.Start]) ?? default,
            Date(e[F.End]) ?? default,
            options.CancelledStatusCodes.Contains(Text(e, F.Status) ?? string.Empty) ? CrmStatus.Cancelled : CrmStatus.Open,
            Address(null, Text(e, F.OwnerPartyId), partyRows),
            Address(Text(e, F.OrganizerEmail), Text(e, F.OrganizerPartyId), partyRows),
            parties.ToImmutable(),
            type);
    }

    public static DateTimeOffset LastChange(JsonObject e, string field) => Date(e[field]) ?? DateTimeOffset.MinValue;

    /// <summary>The entity body for a create or update. Parties are written inline (the emulator's and C4C's deep insert).</summary>
    public JsonObject ToBody(MeetingContent content, string? owner, string? groupwareItemId, bool writeUid)
    {
        var organizer = EmployeeDirectory.IdOf(content.Organizer);
        var body = new JsonObject
        {
            [F.Subject] = content.Subject,
            [F.Start] = Date(content.Start),
            [F.End] = Date(content.End),
            [F.OrganizerPartyId] = PartyIdOf(organizer),
            [F.OrganizerEmail] = organizer,
            [F.Status] = content.Cancelled ? options.CancelledStatusCode : options.OpenStatusCode,
        };
        if (owner is not null)
        {
            body[F.OwnerPartyId] = PartyIdOf(EmployeeDirectory.IdOf(owner));
        }

        if (groupwareItemId is not null)
        {
            body[F.GroupwareItemId] = groupwareItemId;
        }

        if (writeUid && options.Dialect == ApiVersion.V2)
        {
            body[F.Uid] = content.Uid.Value;
        }

        var parties = new JsonArray { Party(organizer, options.OrganizerRoleCode) };
        foreach (var a in content.Attendees)
        {
            var address = EmployeeDirectory.IdOf(a);
            if (address != organizer)
            {
                parties.Add(Party(address, directory.IsEmployee(address) ? options.AttendeeRoleCode : options.ContactRoleCode));
            }
        }

        body[PartiesNavigation(content.Type)] = parties;
        return body;
    }

    public static string Date(DateTimeOffset value) =>
        "/Date(" + value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + ")/";

    public static string Literal(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Date(JsonNode? node)
    {
        if (node?.GetValue<string>() is not { Length: > 0 } text)
        {
            return null;
        }

        var match = DatePattern().Match(text);
        return match.Success
            ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    private JsonObject Party(string address, string role) => new()
    {
        [F.PartyId] = PartyIdOf(address),
        [F.PartyRole] = role,
        [F.PartyEmail] = address,
    };

    private string PartyIdOf(string address) =>
        options.PartyIds.FirstOrDefault(p => EmployeeDirectory.IdOf(p.Key) == address).Value ?? address;

    /// <summary>An address for a party: its email, else the configured email of its party id, else the id itself.</summary>
    private string Address(string? email, string? partyId, List<JsonObject> partyRows)
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
            if (Text(p, F.PartyId) == partyId && Text(p, F.PartyEmail) is { Length: > 0 } e)
            {
                return EmployeeDirectory.IdOf(e);
            }
        }

        return partyId;
    }

    private static string? Text(JsonObject o, string field) => o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex(@"^/Date\((-?\d+)([+-]\d{4})?\)/$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();
}
