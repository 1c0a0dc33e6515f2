namespace RulesSync.Emulators.Crm;

/// <summary>The CRM's OData API generation.</summary>
public enum CrmDialect
{
    /// <summary><c>c4codata</c>, the older API: the meeting's iCalendar UID is not exposed.</summary>
    V1,

    /// <summary><c>c4codataapi</c>, the newer API: the UID is exposed as <c>ICalUID</c>.</summary>
    V2,
}

/// <summary>Which collection an activity lives in.</summary>
public enum CrmActivityKind
{
    /// <summary><c>AppointmentCollection</c>.</summary>
    Appointment,

    /// <summary><c>VisitCollection</c>.</summary>
    Visit,
}

/// <summary>
/// Involved-party role codes as C4C's <c>c4codataapi</c> sample responses show them (RoleCode with RoleCodeText:
/// 34 Account, 35 Organizer, 36 Attendee, 39 Owner; latonaio/sap-api-integrations-activity-reads, Outputs/).
/// An external contact attends with role 36 too; only the party (not an employee) tells it apart.
/// </summary>
public static class CrmRoleCodes
{
    /// <summary>The account the activity is for (not a person attending).</summary>
    public const string Account = "34";

    /// <summary>The organizer of the activity.</summary>
    public const string Organizer = "35";

    /// <summary>An attendee (employee or contact).</summary>
    public const string Attendee = "36";

    /// <summary>The employee responsible (owner).</summary>
    public const string Owner = "39";

    /// <summary>A customer contact attending: C4C's attendee role.</summary>
    public const string Contact = Attendee;
}

/// <summary>An involved party of an activity.</summary>
public sealed record CrmParty(string PartyID, string RoleCode, string? Email, string? Name = null);

/// <summary>What to create in the CRM.</summary>
public sealed record CrmActivityDraft(
    CrmActivityKind Kind,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    string OrganizerPartyID,
    string OrganizerEmail,
    string OwnerPartyID,
    IReadOnlyList<CrmParty> Parties)
{
    /// <summary>1 open, 2 in process, 3 completed, 4 cancelled.</summary>
    public string LifeCycleStatusCode { get; init; } = "1";

    /// <summary>The groupware (mailbox) item id the CRM's own groupware integration stored, if any.</summary>
    public string? GroupwareItemID { get; init; }

    /// <summary>The meeting's iCalendar UID (visible only in the v2 dialect).</summary>
    public string? ICalUid { get; init; }

    /// <summary>The time zone code the start is shown in (C4C's codes, e.g. <c>UTC</c>, <c>CET</c>).</summary>
    public string StartTimeZoneCode { get; init; } = "UTC";

    /// <summary>The time zone code the end is shown in.</summary>
    public string EndTimeZoneCode { get; init; } = "UTC";
}

/// <summary>An appointment or visit as stored; immutable, replaced on each change.</summary>
public sealed record CrmActivity(
    string ObjectID,
    string ID,
    CrmActivityKind Kind,
    string Subject,
    DateTimeOffset Start,
    DateTimeOffset End,
    string OrganizerPartyID,
    string OrganizerEmail,
    string OwnerPartyID,
    string LifeCycleStatusCode,
    string? GroupwareItemID,
    string? ICalUid,
    IReadOnlyList<CrmParty> Parties,
    DateTimeOffset CreationDateTime,
    DateTimeOffset LastChangeDateTime)
{
    /// <summary>The time zone code the start is shown in.</summary>
    public string StartTimeZoneCode { get; init; } = "UTC";

    /// <summary>The time zone code the end is shown in.</summary>
    public string EndTimeZoneCode { get; init; } = "UTC";
}
