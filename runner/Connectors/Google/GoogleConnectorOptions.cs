using System.Text;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>
/// Configuration of the Google Calendar connector: a service account with domain-wide delegation, impersonating
/// each mailbox. The key (<see cref="ServiceAccountKeyJson"/>) is a secret: never in <see cref="ToString"/> or a log
/// line. Immutable.
/// </summary>
public sealed record GoogleConnectorOptions
{
    /// <summary>Environment variable: the service account key JSON itself.</summary>
    public const string KeyJsonVariable = "RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON";

    /// <summary>Environment variable: a file holding the key JSON.</summary>
    public const string KeyPathVariable = "RULESYNC_GOOGLE_SERVICE_ACCOUNT_FILE";

    /// <summary>Environment variable: the Calendar v3 base URI.</summary>
    public const string BaseUriVariable = "RULESYNC_GOOGLE_BASE_URI";

    /// <summary>Calendar v3's base URI, ending in <c>calendar/v3/</c> (the emulator's in tests).</summary>
    public string BaseUri { get; init; } = CalendarV3Service.DefaultBaseUri;

    /// <summary>
    /// Google's OAuth token endpoint, overriding the key file's <c>token_uri</c> (null: the key file's, else
    /// <c>https://oauth2.googleapis.com/token</c>). The emulator's key files name the emulator already.
    /// </summary>
    public string? TokenUri { get; init; }

    /// <summary>One more certificate (PEM) to trust for the token endpoint's TLS besides the system roots (a private CA, the emulators' certificate).</summary>
    public string? TrustedCertificatePem { get; init; }

    /// <summary>Request budgets (per mailbox and per project) and the concurrency limit, from Google's default quotas.</summary>
    public RequestBudgetOptions Budget { get; init; } = RequestBudgetOptions.GoogleDefaults;

    /// <summary>The service account key JSON. A secret: never logged.</summary>
    public string? ServiceAccountKeyJson { get; init; }

    /// <summary>A file holding the key JSON (used when <see cref="ServiceAccountKeyJson"/> is not set).</summary>
    public string? ServiceAccountKeyPath { get; init; }

    /// <summary>The tenant's mail domains: an address in one of them is an employee.</summary>
    public IReadOnlyList<string> EmployeeDomains { get; init; } = [];

    /// <summary>How far back a full sync lists events, from the clock reading at the full sync.</summary>
    public TimeSpan WindowPast { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How far ahead a full sync lists events.</summary>
    public TimeSpan WindowFuture { get; init; } = TimeSpan.FromDays(365);

    /// <summary>events.list maxResults.</summary>
    public int PageSize { get; init; } = 250;

    /// <summary>sendUpdates for every write except a decided cancellation (which sends "all").</summary>
    public string SendUpdates { get; init; } = "none";

    /// <summary>The private extended property that marks a CRM visit (value <c>visit</c>).</summary>
    public string TypeProperty { get; init; } = "rulesyncType";

    /// <summary>Retry and timeout settings.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>Reads the RULESYNC_GOOGLE_* variables over <paramref name="defaults"/>.</summary>
    public static GoogleConnectorOptions FromEnvironment(Func<string, string?> read, GoogleConnectorOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        var o = defaults ?? new GoogleConnectorOptions();
        return o with
        {
            ServiceAccountKeyJson = read(KeyJsonVariable) ?? o.ServiceAccountKeyJson,
            ServiceAccountKeyPath = read(KeyPathVariable) ?? o.ServiceAccountKeyPath,
            BaseUri = read(BaseUriVariable) ?? o.BaseUri,
        };
    }

    /// <summary>The key shown as set or not, never its content.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("BaseUri = ").Append(BaseUri)
            .Append(", ServiceAccountKeyJson = ").Append(ServiceAccountKeyJson is null ? "(unset)" : "***")
            .Append(", ServiceAccountKeyPath = ").Append(ServiceAccountKeyPath)
            .Append(", TokenUri = ").Append(TokenUri)
            .Append(", PageSize = ").Append(PageSize)
            .Append(", SendUpdates = ").Append(SendUpdates)
            .Append(", Budget = ").Append(Budget);
        return true;
    }
}
