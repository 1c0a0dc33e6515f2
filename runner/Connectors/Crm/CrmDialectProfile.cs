using RulesSync.Engine.Changes;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>How a start or end travels: which EDM shape, and where its time zone code is.</summary>
public enum CrmDateShape
{
    /// <summary>
    /// <c>c4codata</c>'s complex type <c>LOCALNORMALISED_DateTime</c>:
    /// <c>{"timeZoneCode":"CET","content":"/Date(ms)/"}</c>; the content is the instant, the code the zone it is shown in.
    /// </summary>
    LocalNormalised,

    /// <summary><c>Edm.DateTimeOffset</c>: <c>/Date(ms+offset)/</c>, its time zone code in a property of its own.</summary>
    DateTimeOffset,

    /// <summary><c>Edm.DateTime</c>: <c>/Date(ms)/</c> (UTC), its time zone code, if any, in a property of its own.</summary>
    DateTime,
}

/// <summary>
/// The fields of one activity entity type (appointment or visit) in one dialect: entity set, property names, value
/// shapes. Data, not code: a tenant with other names builds its own with <c>with</c>. Immutable.
/// </summary>
public sealed record CrmEntityProfile
{
    public required string EntitySet { get; init; }

    public required string EntityType { get; init; }

    public required string PartiesNavigation { get; init; }

    public string ObjectId { get; init; } = "ObjectID";

    public string Subject { get; init; } = "Subject";

    public required CrmDateShape DateShape { get; init; }

    public required string Start { get; init; }

    public required string End { get; init; }

    /// <summary>The start's time zone code property (null: the date value carries its own, or none).</summary>
    public string? StartTimeZone { get; init; }

    /// <summary>The end's time zone code property.</summary>
    public string? EndTimeZone { get; init; }

    public required string Status { get; init; }

    /// <summary>The last-change time (Edm.DateTimeOffset) the change poll filters and orders on.</summary>
    public required string LastChange { get; init; }

    public required string OrganizerPartyId { get; init; }

    public required string OrganizerEmail { get; init; }

    /// <summary>The owner's party id (null: the dialect has none; the owner is the party in the owner role).</summary>
    public string? OwnerPartyId { get; init; }

    public string GroupwareItemId { get; init; } = "GroupwareItemID";

    /// <summary>The meeting's iCalendar UID (null: not exposed). Optional: when <c>$metadata</c> lacks it, records carry no UID.</summary>
    public string? Uid { get; init; }

    public string PartyId { get; init; } = "PartyID";

    public string PartyRole { get; init; } = "RoleCode";

    public required string PartyEmail { get; init; }
}

/// <summary>
/// One CRM dialect as data: both entity types, the status and party role codes. The two C4C profiles are built from
/// real metadata (docs/connectors.md, "Dialect profiles", names the sources). Immutable.
/// </summary>
public sealed record CrmDialectProfile
{
    /// <summary>The OData service's name: <c>c4codata</c> or <c>c4codataapi</c>.</summary>
    public required string Service { get; init; }

    public required ApiVersion Dialect { get; init; }

    public required CrmEntityProfile Appointment { get; init; }

    public required CrmEntityProfile Visit { get; init; }

    /// <summary>Status written for an open record (1 Open).</summary>
    public string OpenStatusCode { get; init; } = "1";

    /// <summary>Status written for a cancelled record (4 Canceled).</summary>
    public string CancelledStatusCode { get; init; } = "4";

    /// <summary>Status codes read as cancelled.</summary>
    public IReadOnlyList<string> CancelledStatusCodes { get; init; } = ["4"];

    /// <summary>Status codes read as completed (3 Completed); 2 In Process reads as open, as 1 Open does.</summary>
    public IReadOnlyList<string> CompletedStatusCodes { get; init; } = ["3"];

    /// <summary>Role code 35, Organizer.</summary>
    public string OrganizerRoleCode { get; init; } = "35";

    /// <summary>Role code 36, Attendee (employees and external contacts alike).</summary>
    public string AttendeeRoleCode { get; init; } = "36";

    /// <summary>Role code written for an external contact (C4C's attendee role).</summary>
    public string ContactRoleCode { get; init; } = "36";

    /// <summary>Role code 39, Owner (employee responsible): not a meeting party, read to resolve the owner.</summary>
    public string OwnerRoleCode { get; init; } = "39";

    private static readonly CrmEntityProfile C4cODataAppointment = new()
    {
        EntitySet = "AppointmentCollection",
        EntityType = "Appointment",
        PartiesNavigation = "AppointmentInvolvedParties",
        DateShape = CrmDateShape.LocalNormalised,
        Start = "StartDateTime",
        End = "EndDateTime",
        Status = "StatusCode",
        LastChange = "ChangedOn",
        OrganizerPartyId = "OrganizerID",
        OrganizerEmail = "OrganizerEmailURI",
        PartyEmail = "PartyEmailURI",
    };

    private static readonly CrmEntityProfile C4cODataApiAppointment = new()
    {
        EntitySet = "AppointmentCollection",
        EntityType = "Appointment",
        PartiesNavigation = "AppointmentInvolvedParties",
        DateShape = CrmDateShape.DateTimeOffset,
        Start = "StartDate",
        End = "EndDate",
        StartTimeZone = "StartDatetimeZoneCode",
        EndTimeZone = "EnddatetimeZoneCode",
        Status = "LifeCycleStatusCode",
        LastChange = "LastChangeDateTime",
        OrganizerPartyId = "OrganizerPartyID",
        OrganizerEmail = "OrganizerEmailURI",
        OwnerPartyId = "OwnerPartyID",
        Uid = "ICalUID",
        PartyEmail = "PartyEmailURI",
    };

    /// <summary>
    /// <c>c4codata</c> (v1, deprecated since 1808): LOCALNORMALISED_DateTime start and end, StatusCode, ChangedOn,
    /// OrganizerID/OrganizerEmailURI, no owner property (the owner is the role-39 party), no UID. The visit
    /// collection has no source: it is taken to have the appointment's shape.
    /// </summary>
    public static CrmDialectProfile C4cOData { get; } = new()
    {
        Service = "c4codata",
        Dialect = ApiVersion.V1,
        Appointment = C4cODataAppointment,
        Visit = C4cODataAppointment with { EntitySet = "VisitCollection", EntityType = "Visit", PartiesNavigation = "VisitInvolvedParties" },
    };

    /// <summary>
    /// <c>c4codataapi</c> (v2): Edm.DateTimeOffset StartDate/EndDate with StartDatetimeZoneCode/EnddatetimeZoneCode
    /// (visits: StartDateTime/EndDateTime with StartTimeZoneCode/EndTimeZoneCode, Status, VisitParty with Email),
    /// LifeCycleStatusCode, LastChangeDateTime, OrganizerPartyID/OrganizerEmailURI, OwnerPartyID. <c>ICalUID</c> is
    /// an optional extension field: the stock metadata has none.
    /// </summary>
    public static CrmDialectProfile C4cODataApi { get; } = new()
    {
        Service = "c4codataapi",
        Dialect = ApiVersion.V2,
        Appointment = C4cODataApiAppointment,
        Visit = C4cODataApiAppointment with
        {
            EntitySet = "VisitCollection",
            EntityType = "Visit",
            PartiesNavigation = "VisitParty",
            Start = "StartDateTime",
            End = "EndDateTime",
            StartTimeZone = "StartTimeZoneCode",
            EndTimeZone = "EndTimeZoneCode",
            Status = "Status",
            PartyEmail = "Email",
        },
    };

    /// <summary>The stock profile of an API generation.</summary>
    public static CrmDialectProfile For(ApiVersion dialect) => dialect == ApiVersion.V1 ? C4cOData : C4cODataApi;

    /// <summary>The entity profile of appointments or visits.</summary>
    public CrmEntityProfile Of(MeetingType type) => type == MeetingType.Visit ? Visit : Appointment;
}
