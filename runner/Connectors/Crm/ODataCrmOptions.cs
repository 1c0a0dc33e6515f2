using System.Text;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>
/// Configuration of the CRM connector (OData V2 in SAP Cloud for Customer's shape). Entity sets, field names,
/// status and role codes are tenant data and mapped here; the defaults are C4C's (and the emulator's).
/// <see cref="Password"/> is a secret: never in <see cref="ToString"/> or a log line. Immutable.
/// </summary>
public sealed record ODataCrmOptions
{
    /// <summary>Environment variable: the OData service root.</summary>
    public const string ServiceRootVariable = "RULESYNC_CRM_SERVICE_ROOT";

    /// <summary>Environment variable: <c>v1</c> (c4codata) or <c>v2</c> (c4codataapi).</summary>
    public const string DialectVariable = "RULESYNC_CRM_DIALECT";

    /// <summary>Environment variable: the technical user.</summary>
    public const string UserVariable = "RULESYNC_CRM_USER";

    /// <summary>Environment variable: the technical user's password.</summary>
    public const string PasswordVariable = "RULESYNC_CRM_PASSWORD";

    /// <summary>The service root, ending in <c>/</c>: <c>https://myNNNNNN.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/</c>.</summary>
    public Uri? ServiceRoot { get; init; }

    /// <summary>The API generation: V1 (c4codata, no ICalUID) or V2 (c4codataapi).</summary>
    public ApiVersion Dialect { get; init; } = ApiVersion.V2;

    /// <summary>Basic-auth user (none: no Authorization header, as for the emulator).</summary>
    public string? User { get; init; }

    /// <summary>Basic-auth password. A secret: never logged.</summary>
    public string? Password { get; init; }

    /// <summary>The tenant's mail domains: a party address in one of them is an employee.</summary>
    public IReadOnlyList<string> EmployeeDomains { get; init; } = [];

    /// <summary>Employee id (email) → CRM party id, where the CRM's party ids are not the email addresses.</summary>
    public IReadOnlyDictionary<string, string> PartyIds { get; init; } = new Dictionary<string, string>();

    /// <summary>Entity set of appointments.</summary>
    public string AppointmentSet { get; init; } = "AppointmentCollection";

    /// <summary>Entity set of visits.</summary>
    public string VisitSet { get; init; } = "VisitCollection";

    /// <summary>Navigation from an appointment to its involved parties.</summary>
    public string AppointmentPartiesNavigation { get; init; } = "AppointmentInvolvedParties";

    /// <summary>Navigation from a visit to its involved parties.</summary>
    public string VisitPartiesNavigation { get; init; } = "VisitInvolvedParties";

    /// <summary>Field names of the activity entity.</summary>
    public ODataCrmFields Fields { get; init; } = new();

    /// <summary>LifeCycleStatusCode written for an open record.</summary>
    public string OpenStatusCode { get; init; } = "1";

    /// <summary>LifeCycleStatusCode written for a cancelled record.</summary>
    public string CancelledStatusCode { get; init; } = "4";

    /// <summary>Status codes read as cancelled.</summary>
    public IReadOnlyList<string> CancelledStatusCodes { get; init; } = ["4"];

    /// <summary>Involved-party role code of the organizer.</summary>
    public string OrganizerRoleCode { get; init; } = "34";

    /// <summary>Role code of an invited employee.</summary>
    public string AttendeeRoleCode { get; init; } = "39";

    /// <summary>Role code of the owner (not a meeting party; read to resolve the owner's address).</summary>
    public string OwnerRoleCode { get; init; } = "31";

    /// <summary>Role code of an external contact.</summary>
    public string ContactRoleCode { get; init; } = "15";

    /// <summary>Retry and timeout settings.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>Reads the RULESYNC_CRM_* variables over <paramref name="defaults"/>.</summary>
    public static ODataCrmOptions FromEnvironment(Func<string, string?> read, ODataCrmOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        var o = defaults ?? new ODataCrmOptions();
        return o with
        {
            ServiceRoot = read(ServiceRootVariable) is { } root ? new Uri(root.EndsWith('/') ? root : root + "/") : o.ServiceRoot,
            Dialect = read(DialectVariable)?.Trim().ToLowerInvariant() switch
            {
                "v1" => ApiVersion.V1,
                "v2" => ApiVersion.V2,
                null => o.Dialect,
                var other => throw new InvalidOperationException($"{DialectVariable} must be v1 or v2, not '{other}'"),
            },
            User = read(UserVariable) ?? o.User,
            Password = read(PasswordVariable) ?? o.Password,
        };
    }

    /// <summary>Secrets are shown as set or not, never their value.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ServiceRoot = ").Append(ServiceRoot)
            .Append(", Dialect = ").Append(Dialect)
            .Append(", User = ").Append(User)
            .Append(", Password = ").Append(Password is null ? "(unset)" : "***")
            .Append(", AppointmentSet = ").Append(AppointmentSet)
            .Append(", VisitSet = ").Append(VisitSet);
        return true;
    }
}

/// <summary>Field names of a C4C-shaped activity and its involved parties. Immutable.</summary>
public sealed record ODataCrmFields
{
    public string ObjectId { get; init; } = "ObjectID";

    public string Subject { get; init; } = "Subject";

    public string Start { get; init; } = "StartDateTime";

    public string End { get; init; } = "EndDateTime";

    public string OrganizerPartyId { get; init; } = "OrganizerPartyID";

    public string OrganizerEmail { get; init; } = "OrganizerEmail";

    public string OwnerPartyId { get; init; } = "OwnerPartyID";

    public string Status { get; init; } = "LifeCycleStatusCode";

    public string GroupwareItemId { get; init; } = "GroupwareItemID";

    /// <summary>The meeting UID: written and read in the V2 dialect only.</summary>
    public string Uid { get; init; } = "ICalUID";

    public string LastChange { get; init; } = "LastChangeDateTime";

    public string PartyId { get; init; } = "PartyID";

    public string PartyRole { get; init; } = "RoleCode";

    public string PartyEmail { get; init; } = "EmailURI";

    public string PartyName { get; init; } = "PartyName";
}
