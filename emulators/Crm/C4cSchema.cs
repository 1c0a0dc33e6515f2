namespace RulesSync.Emulators.Crm;

/// <summary>How a dialect writes an activity's start and end.</summary>
internal enum C4cDateShape
{
    /// <summary>
    /// <c>c4codata</c>: the complex type <c>c4codata.LOCALNORMALISED_DateTime</c>,
    /// <c>{"__metadata":{"type":"c4codata.LOCALNORMALISED_DateTime"},"timeZoneCode":"CET","content":"/Date(ms)/"}</c>;
    /// the content is the instant (UTC milliseconds), the code the zone it is shown in.
    /// </summary>
    LocalNormalised,

    /// <summary><c>c4codataapi</c>: <c>Edm.DateTimeOffset</c> (<c>/Date(ms+0000)/</c>) beside a separate time zone code property.</summary>
    DateTimeOffset,
}

/// <summary>
/// One dialect's entity type for appointments or visits: the entity set, the property names and value shapes the
/// emulator serves, accepts and describes in <c>$metadata</c>. Sources (docs/emulators.md): c4codata — a model
/// generated from a real <c>c4codata</c> <c>$metadata</c> (Appointment: StartDateTime/EndDateTime as
/// LOCALNORMALISED_DateTime, StatusCode, ChangedOn, OrganizerID, OrganizerEmailURI, parties with PartyEmailURI);
/// c4codataapi — a CDS import of the <c>c4codataapi</c> metadata and the sample responses of
/// latonaio/sap-api-integrations-activity-reads (AppointmentCollection: StartDate/EndDate +
/// StartDatetimeZoneCode/EnddatetimeZoneCode, LifeCycleStatusCode, LastChangeDateTime, OrganizerPartyID,
/// OrganizerEmailURI, OwnerPartyID; VisitCollection: StartDateTime/EndDateTime + StartTimeZoneCode/EndTimeZoneCode,
/// Status, parties in VisitParty with Email). Neither source lists an iCalendar UID: <c>ICalUID</c> in the v2
/// dialect is an extension field the emulator adds (no source), and the c4codata visit shape copies its
/// appointment's (no source).
/// </summary>
internal sealed record C4cEntitySchema(
    string Namespace,
    string EntityType,
    string Set,
    string Parties,
    string PartyType,
    C4cDateShape DateShape,
    string Start,
    string End,
    string? StartZone,
    string? EndZone,
    string Status,
    string LastChange,
    string OrganizerId,
    string OrganizerEmail,
    string? OwnerPartyId,
    string? Uid,
    string PartyEmail)
{
    public const string LocalNormalisedType = "LOCALNORMALISED_DateTime";

    public static C4cEntitySchema For(CrmDialect dialect, CrmActivityKind kind) => (dialect, kind) switch
    {
        (CrmDialect.V1, CrmActivityKind.Appointment) => V1Appointment,
        (CrmDialect.V1, _) => V1Visit,
        (_, CrmActivityKind.Appointment) => V2Appointment,
        _ => V2Visit,
    };

    private static readonly C4cEntitySchema V1Appointment = new(
        "c4codata", "Appointment", "AppointmentCollection", "AppointmentInvolvedParties", "AppointmentInvolvedParties",
        C4cDateShape.LocalNormalised, "StartDateTime", "EndDateTime", null, null,
        "StatusCode", "ChangedOn", "OrganizerID", "OrganizerEmailURI", null, null, "PartyEmailURI");

    private static readonly C4cEntitySchema V1Visit = V1Appointment with
    {
        EntityType = "Visit", Set = "VisitCollection", Parties = "VisitInvolvedParties", PartyType = "VisitInvolvedParties",
    };

    private static readonly C4cEntitySchema V2Appointment = new(
        "c4codataapi", "Appointment", "AppointmentCollection", "AppointmentInvolvedParties", "AppointmentInvolvedParties",
        C4cDateShape.DateTimeOffset, "StartDate", "EndDate", "StartDatetimeZoneCode", "EnddatetimeZoneCode",
        "LifeCycleStatusCode", "LastChangeDateTime", "OrganizerPartyID", "OrganizerEmailURI", "OwnerPartyID", "ICalUID", "PartyEmailURI");

    private static readonly C4cEntitySchema V2Visit = V2Appointment with
    {
        EntityType = "Visit", Set = "VisitCollection", Parties = "VisitParty", PartyType = "VisitParty",
        Start = "StartDateTime", End = "EndDateTime", StartZone = "StartTimeZoneCode", EndZone = "EndTimeZoneCode",
        Status = "Status", PartyEmail = "Email",
    };

    /// <summary>The scalar properties of the entity, with their EDM types, as <c>$metadata</c> lists them.</summary>
    public IEnumerable<(string Name, string Type)> Properties()
    {
        yield return ("ObjectID", "Edm.String");
        yield return ("ID", "Edm.String");
        yield return ("Subject", "Edm.String");
        var dateType = DateShape == C4cDateShape.LocalNormalised ? $"{Namespace}.{LocalNormalisedType}" : "Edm.DateTimeOffset";
        yield return (Start, dateType);
        if (StartZone is not null)
        {
            yield return (StartZone, "Edm.String");
        }

        yield return (End, dateType);
        if (EndZone is not null)
        {
            yield return (EndZone, "Edm.String");
        }

        yield return (Status, "Edm.String");
        yield return (OrganizerId, "Edm.String");
        yield return (OrganizerEmail, "Edm.String");
        if (OwnerPartyId is not null)
        {
            yield return (OwnerPartyId, "Edm.String");
        }

        yield return ("GroupwareItemID", "Edm.String");
        if (Uid is not null)
        {
            yield return (Uid, "Edm.String");
        }

        yield return (LastChange, "Edm.DateTimeOffset");
        yield return ("ETag", "Edm.DateTimeOffset");
    }

    /// <summary>The properties of an involved party.</summary>
    public IEnumerable<(string Name, string Type)> PartyProperties()
    {
        yield return ("ObjectID", "Edm.String");
        yield return ("ParentObjectID", "Edm.String");
        yield return ("PartyID", "Edm.String");
        yield return ("RoleCode", "Edm.String");
        yield return (PartyEmail, "Edm.String");
        yield return ("PartyName", "Edm.String");
    }
}
