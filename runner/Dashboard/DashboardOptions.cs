namespace RulesSync.Runner.Dashboard;

/// <summary>How the operator dashboard is served. Bind from the runner's configuration (section <c>dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8787";

    /// <summary>
    /// Where Kestrel listens, ';'-separated (<c>http://127.0.0.1:0</c> picks a free port; read it back from
    /// <see cref="DashboardServer.Addresses"/>). Loopback by default: the page and the read API need no
    /// token, so anything wider exposes the tenant's sync state to whoever can reach the port.
    /// </summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>
    /// The secret an operator presents (<c>Authorization: Bearer TOKEN</c>) to suspend, resume, approve or
    /// discard. Null or empty: the dashboard is read-only and every action is refused (403).
    /// </summary>
    public string? OperatorToken { get; init; }

    /// <summary>How often the page re-reads the API by itself.</summary>
    public TimeSpan PageRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many shadow-mode differences the page shows (the API's <c>?max=</c> default).</summary>
    public int ShadowDifferencesShown { get; init; } = 100;
}
