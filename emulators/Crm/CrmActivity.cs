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
/// Party role codes the emulator uses (C4C-like defaults; real tenants configure their own, so
/// the connector maps them in configuration).
/// </summary>
public static class CrmRoleCodes
{
    /// <summary>The organizer of the activity.</summary>
    public const string Organizer = "34";

    /// <summary>An employee attending.</summary>
    public const string Attendee = "39";

    /// <summary>The employee responsible (owner).</summary>
    public const string Owner = "31";

    /// <summary>A customer contact.</summary>
    public const string Contact = "15";
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
    DateTimeOffset LastChangeDateTime);
