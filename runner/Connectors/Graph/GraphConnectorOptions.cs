using System.Text;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// Configuration of the Exchange connector (Microsoft Graph, app-only). Secrets (<see cref="ClientSecret"/>,
/// <see cref="CertificatePassword"/>) come from configuration or the environment and never appear in
/// <see cref="ToString"/> or in a log line. Immutable.
/// </summary>
public sealed record GraphConnectorOptions
{
    /// <summary>Environment variable names read by <see cref="FromEnvironment"/>.</summary>
    public const string TenantIdVariable = "RULESYNC_GRAPH_TENANT_ID";

    /// <summary>The app registration's client id.</summary>
    public const string ClientIdVariable = "RULESYNC_GRAPH_CLIENT_ID";

    /// <summary>A client secret (or use a certificate).</summary>
    public const string ClientSecretVariable = "RULESYNC_GRAPH_CLIENT_SECRET";

    /// <summary>A PFX/PEM certificate file.</summary>
    public const string CertificatePathVariable = "RULESYNC_GRAPH_CERTIFICATE_PATH";

    /// <summary>The PFX password, if any.</summary>
    public const string CertificatePasswordVariable = "RULESYNC_GRAPH_CERTIFICATE_PASSWORD";

    /// <summary>The Graph base URL (the emulator's in tests).</summary>
    public const string BaseUrlVariable = "RULESYNC_GRAPH_BASE_URL";

    /// <summary>Graph's v1.0 endpoint; point it at the emulator (<c>http://127.0.0.1:PORT/v1.0</c>) in tests.</summary>
    public string BaseUrl { get; init; } = "https://graph.microsoft.com/v1.0";

    /// <summary>
    /// The Microsoft identity platform host Azure.Identity signs in at (<c>https://login.microsoftonline.com/</c>;
    /// the emulator's HTTPS root in tests and the demo). MSAL accepts HTTPS only.
    /// </summary>
    public string AuthorityHost { get; init; } = "https://login.microsoftonline.com/";

    /// <summary>
    /// Skips MSAL's instance discovery and authority validation, which MSAL sends to login.microsoftonline.com for
    /// any authority host it does not know: set for the emulator (and private clouds), never needed for Entra.
    /// </summary>
    public bool DisableInstanceDiscovery { get; init; }

    /// <summary>
    /// One more certificate (PEM) to trust for the authority host's TLS besides the system roots: a private CA, or
    /// the emulators' self-signed certificate. Not a secret.
    /// </summary>
    public string? TrustedCertificatePem { get; init; }

    /// <summary>Request budgets (per mailbox and per app) and the concurrency limit, from Graph's published limits.</summary>
    public RequestBudgetOptions Budget { get; init; } = RequestBudgetOptions.GraphDefaults;

    /// <summary>The Entra tenant id.</summary>
    public string? TenantId { get; init; }

    /// <summary>The app registration's client id.</summary>
    public string? ClientId { get; init; }

    /// <summary>Client secret (app-only). A secret: never logged.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Certificate file for certificate credentials (used when no secret is set).</summary>
    public string? CertificatePath { get; init; }

    /// <summary>Password of <see cref="CertificatePath"/>. A secret: never logged.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>The tenant's mail domains: an address in one of them is an employee.</summary>
    public IReadOnlyList<string> EmployeeDomains { get; init; } = [];

    /// <summary>How far back the calendarView delta window reaches, from the first sync's clock reading.</summary>
    public TimeSpan WindowPast { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How far ahead the window reaches.</summary>
    public TimeSpan WindowFuture { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Preferred delta page size (<c>Prefer: odata.maxpagesize</c>).</summary>
    public int PageSize { get; init; } = 50;

    /// <summary>The comment sent with a decided cancellation (attendees read it).</summary>
    public string CancellationComment { get; init; } = "This meeting was cancelled.";

    /// <summary>The Outlook category that marks a CRM visit; events without it are appointments.</summary>
    public string VisitCategory { get; init; } = "Visit";

    /// <summary>Retry and timeout settings.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>Reads the RULESYNC_GRAPH_* variables over <paramref name="defaults"/>.</summary>
    public static GraphConnectorOptions FromEnvironment(Func<string, string?> read, GraphConnectorOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        var o = defaults ?? new GraphConnectorOptions();
        return o with
        {
            TenantId = read(TenantIdVariable) ?? o.TenantId,
            ClientId = read(ClientIdVariable) ?? o.ClientId,
            ClientSecret = read(ClientSecretVariable) ?? o.ClientSecret,
            CertificatePath = read(CertificatePathVariable) ?? o.CertificatePath,
            CertificatePassword = read(CertificatePasswordVariable) ?? o.CertificatePassword,
            BaseUrl = read(BaseUrlVariable) ?? o.BaseUrl,
        };
    }

    /// <summary>Which credential these options select, for the log: never the secret itself.</summary>
    public string CredentialKind =>
        !string.IsNullOrEmpty(ClientSecret) ? "client secret"
        : !string.IsNullOrEmpty(CertificatePath) ? "client certificate"
        : "none";

    /// <summary>Secrets are shown as set or not, never their value.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("BaseUrl = ").Append(BaseUrl)
            .Append(", TenantId = ").Append(TenantId)
            .Append(", ClientId = ").Append(ClientId)
            .Append(", ClientSecret = ").Append(ClientSecret is null ? "(unset)" : "***")
            .Append(", CertificatePath = ").Append(CertificatePath)
            .Append(", CertificatePassword = ").Append(CertificatePassword is null ? "(unset)" : "***")
            .Append(", AuthorityHost = ").Append(AuthorityHost)
            .Append(", PageSize = ").Append(PageSize)
            .Append(", Budget = ").Append(Budget);
        return true;
    }
}
