using System.Xml;
using System.Xml.Linq;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>What <c>$metadata</c> said about the mapping: the problems (empty: it fits) and whether the UID field exists. Immutable.</summary>
/// <param name="Problems">One line per entity set and field that is missing or of the wrong type.</param>
/// <param name="UidAvailable">Whether the profile's UID field is in the metadata.</param>
public sealed record CrmMetadataReport(IReadOnlyList<string> Problems, bool UidAvailable);

/// <summary>The configured mapping does not fit the service's <c>$metadata</c>; the message lists every problem.</summary>
public sealed class CrmMappingException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public CrmMappingException(IReadOnlyList<string> problems)
        : base("the CRM mapping does not fit the service's $metadata:" + string.Concat((problems ?? []).Select(p => "\n  " + p)))
    {
        Problems = problems ?? [];
    }

    /// <summary>Creates the exception.</summary>
    public CrmMappingException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CrmMappingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CrmMappingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The problems, one per entity set and field.</summary>
    public IReadOnlyList<string> Problems { get; } = [];
}

/// <summary>
/// Checks a <see cref="CrmDialectProfile"/> against an OData V2 EDMX document: every entity set, every mapped
/// property with its EDM type (strings as <c>Edm.String</c>, the last change as <c>Edm.DateTimeOffset</c> or
/// <c>Edm.DateTime</c>, start and end in the profile's shape), the parties navigation and the party type's fields
/// (found through the navigation's association). Pure.
/// </summary>
public static class CrmMetadataCheck
{
    private static readonly string[] Dates = ["Edm.DateTimeOffset", "Edm.DateTime"];

    /// <summary>Checks <paramref name="profile"/> against the EDMX text.</summary>
    public static CrmMetadataReport Check(string edmx, CrmDialectProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        XDocument doc;
        try
        {
            doc = XDocument.Parse(edmx);
        }
        catch (XmlException e)
        {
            return new(["$metadata: not an EDMX document: " + e.Message], false);
        }

        var problems = new List<string>();
        var uid = true;
        foreach (var f in (CrmEntityProfile[])[profile.Appointment, profile.Visit])
        {
            uid &= CheckEntity(doc, f, problems);
        }

        return new(problems, uid && profile.Appointment.Uid is not null);
    }

    private static bool CheckEntity(XDocument doc, CrmEntityProfile f, List<string> problems)
    {
        var set = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "EntitySet" && (string?)e.Attribute("Name") == f.EntitySet);
        if (set is null)
        {
            problems.Add($"{f.EntitySet}: no such entity set");
            return false;
        }

        var typeName = Local((string?)set.Attribute("EntityType") ?? string.Empty);
        var type = Type(doc, typeName);
        if (type is null)
        {
            problems.Add($"{f.EntitySet}: entity type {typeName} not found");
            return false;
        }

        var properties = Properties(type);
        void Expect(string? field, params string[] types)
        {
            if (field is null)
            {
                return;
            }

            if (!properties.TryGetValue(field, out var actual))
            {
                problems.Add($"{f.EntitySet}.{field}: missing (entity type {typeName})");
            }
            else if (!types.Any(t => t == actual || (t.StartsWith('.') && actual.EndsWith(t, StringComparison.Ordinal))))
            {
                problems.Add($"{f.EntitySet}.{field}: type {actual}, expected {string.Join(" or ", types.Select(t => t.TrimStart('.')))}");
            }
        }

        foreach (var field in (string?[])[f.ObjectId, f.Subject, f.Status, f.OrganizerPartyId, f.OrganizerEmail, f.OwnerPartyId, f.GroupwareItemId, f.StartTimeZone, f.EndTimeZone])
        {
            Expect(field, "Edm.String");
        }

        Expect(f.LastChange, Dates);
        var shape = f.DateShape switch
        {
            CrmDateShape.LocalNormalised => ".LOCALNORMALISED_DateTime",
            CrmDateShape.DateTime => "Edm.DateTime",
            _ => "Edm.DateTimeOffset",
        };
        Expect(f.Start, shape);
        Expect(f.End, shape);
        var uid = f.Uid is not null && properties.ContainsKey(f.Uid);
        if (uid)
        {
            Expect(f.Uid, "Edm.String");
        }

        var nav = type.Elements().FirstOrDefault(e => e.Name.LocalName == "NavigationProperty" && (string?)e.Attribute("Name") == f.PartiesNavigation);
        if (nav is null)
        {
            problems.Add($"{f.EntitySet}.{f.PartiesNavigation}: missing navigation property (entity type {typeName})");
            return uid;
        }

        if (PartyType(doc, nav) is { } partyType)
        {
            var partyProperties = Properties(partyType);
            foreach (var field in (string[])[f.PartyId, f.PartyRole, f.PartyEmail])
            {
                if (!partyProperties.TryGetValue(field, out var actual))
                {
                    problems.Add($"{f.EntitySet}.{f.PartiesNavigation}.{field}: missing (entity type {(string?)partyType.Attribute("Name")})");
                }
                else if (actual != "Edm.String")
                {
                    problems.Add($"{f.EntitySet}.{f.PartiesNavigation}.{field}: type {actual}, expected Edm.String");
                }
            }
        }

        return uid;
    }

    private static XElement? Type(XDocument doc, string name) =>
        doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "EntityType" && (string?)e.Attribute("Name") == name);

    private static Dictionary<string, string> Properties(XElement type) =>
        type.Elements().Where(e => e.Name.LocalName == "Property")
            .GroupBy(e => (string?)e.Attribute("Name") ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (string?)g.First().Attribute("Type") ?? string.Empty, StringComparer.Ordinal);

    /// <summary>The entity type at the far end of a V2 navigation property (Relationship + ToRole → the association's end).</summary>
    private static XElement? PartyType(XDocument doc, XElement nav)
    {
        var relationship = Local((string?)nav.Attribute("Relationship") ?? string.Empty);
        var toRole = (string?)nav.Attribute("ToRole");
        var association = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Association" && (string?)e.Attribute("Name") == relationship);
        var end = association?.Elements().FirstOrDefault(e => e.Name.LocalName == "End" && (string?)e.Attribute("Role") == toRole);
        return end is null ? null : Type(doc, Local((string?)end.Attribute("Type") ?? string.Empty));
    }

    private static string Local(string qualified) => qualified[(qualified.LastIndexOf('.') + 1)..];
}
