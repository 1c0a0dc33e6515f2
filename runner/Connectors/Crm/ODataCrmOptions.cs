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

    /// <summary>
    /// Entity sets, field names, value shapes, status and role codes (null: the stock profile of <see cref="Dialect"/>,
    /// <see cref="CrmDialectProfile.C4cOData"/> or <see cref="CrmDialectProfile.C4cODataApi"/>).
    /// </summary>
    public CrmDialectProfile? Profile { get; init; }

    /// <summary>The profile in force.</summary>
    public CrmDialectProfile EffectiveProfile => Profile ?? CrmDialectProfile.For(Dialect);

    /// <summary>CSRF tokens: <c>auto</c> (fetch one; use it when the service hands one out), <c>required</c>, <c>off</c>.</summary>
    public CrmCsrfMode Csrf { get; init; } = CrmCsrfMode.Auto;

    /// <summary>The tenant's C4C time zone codes that are not IANA or Windows names (e.g. <c>PST</c> → <c>America/Los_Angeles</c>).</summary>
    public IReadOnlyDictionary<string, string> TimeZoneCodes { get; init; } = new Dictionary<string, string>();

    /// <summary>The time zone code written on a record the connector creates (an existing record keeps its own).</summary>
    public string DefaultTimeZoneCode { get; init; } = "UTC";

    /// <summary>How often the ids of the tenant's live records are listed (<c>$select=ObjectID</c>) to see deletions; the change poll runs every cycle.</summary>
    public TimeSpan IdListingInterval { get; init; } = TimeSpan.FromHours(1);

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
            .Append(", Service = ").Append(EffectiveProfile.Service)
            .Append(", Csrf = ").Append(Csrf);
        return true;
    }
}

/// <summary>How the connector treats CSRF tokens.</summary>
public enum CrmCsrfMode
{
    /// <summary>Fetch a token before the first write; send it when the service handed one out (SAP CAP hands none out).</summary>
    Auto,

    /// <summary>A token is required: a service that hands none out is an error (C4C always does).</summary>
    Required,

    /// <summary>Never fetch or send a token.</summary>
    Off,
}
