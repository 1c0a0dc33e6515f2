using System.Net;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Authentication.Azure;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Connectors.SignIn;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// One app's connection to Microsoft Graph: the SDK client (its default pipeline minus the retry handler: the
/// connectors retry on the injected clock themselves), the app-only Azure.Identity credential (client secret or
/// certificate, signing in at <see cref="GraphConnectorOptions.AuthorityHost"/>; MSAL caches the token and fetches a
/// new one before it expires, and <see cref="CachedTokenCredential"/> keeps it between requests), and the request gate (concurrency and budgets per mailbox and per app) shared by
/// every mailbox connector made from it. Thread-safe; dispose when done.
/// </summary>
public sealed partial class GraphConnection : IDisposable
{
    private static readonly string[] GraphScopes = ["https://graph.microsoft.com/.default"];
    private readonly HttpClient http;

    /// <summary>
    /// Connects with app-only client credentials (secret or certificate) from <paramref name="options"/>;
    /// <paramref name="transport"/> replaces the socket handler under the SDK's pipeline (proxies, traffic capture).
    /// </summary>
    public GraphConnection(GraphConnectorOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Time = time ?? TimeProvider.System;
        var logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("RulesSync.Connectors.Graph");
        Logger = logger;
        var handlers = GraphClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler).ToList();

        // Last in the chain, next to the socket: every attempt (each redirect hop too) is one request in the telemetry.
        handlers.Add(new ProviderRequestTelemetry("graph"));
        http = transport is null ? GraphClientFactory.Create(handlers) : GraphClientFactory.Create(handlers, finalHandler: transport);

        // Attempt timeouts run on the injected clock (RetryOptions.AttemptTimeout), not HttpClient's wall clock.
        http.Timeout = Timeout.InfiniteTimeSpan;
        ServiceRoot = new Uri(options.BaseUrl.TrimEnd('/') + "/");
        Client = new GraphServiceClient(http, CreateAuthentication(options), options.BaseUrl);
        Gate = new RequestGate(options.Budget, Time);
        Retry = new RetryPolicy(options.Retry, Time, logger);
        Directory = new EmployeeDirectory(options.EmployeeDomains);
        LogConfigured(logger, options.BaseUrl, options.CredentialKind, options.AuthorityHost, options.TenantId ?? "(none)", options.ClientId ?? "(none)", options.Budget);
    }

    /// <summary>The options in force.</summary>
    public GraphConnectorOptions Options { get; }

    /// <summary>The SDK client.</summary>
    public GraphServiceClient Client { get; }

    /// <summary>The request gate: concurrency and budgets per mailbox and per app.</summary>
    public RequestGate Gate { get; }

    /// <summary>The configured service root (ending in a slash): every link followed must stay on its scheme, host and port.</summary>
    internal Uri ServiceRoot { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal RetryPolicy Retry { get; }

    internal EmployeeDirectory Directory { get; }

    /// <summary>A connector bound to one mailbox (its cursor book persisted by the caller).</summary>
    public GraphMailboxConnector ForMailbox(string mailbox, DeliveredEvents? delivered = null) =>
        new(this, mailbox, delivered ?? new DeliveredEvents());

    /// <summary>
    /// The Azure.Identity credential the options select, signing in at the configured authority host (HTTPS, with
    /// <see cref="GraphConnectorOptions.TrustedCertificatePem"/> trusted besides the system roots). Its own retries are
    /// off: a token endpoint that is down surfaces at once and is retried by the connector on the injected clock.
    /// Never logs the secret.
    /// </summary>
    public static TokenCredential CreateCredential(GraphConnectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.TenantId) || string.IsNullOrEmpty(options.ClientId))
        {
            throw new InvalidOperationException(
                $"Graph app-only auth needs a tenant and a client id ({GraphConnectorOptions.TenantIdVariable}, {GraphConnectorOptions.ClientIdVariable})");
        }

        if (!string.IsNullOrEmpty(options.ClientSecret))
        {
            return new ClientSecretCredential(options.TenantId, options.ClientId, options.ClientSecret, Configure(new ClientSecretCredentialOptions(), options));
        }

        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            var certificate = string.IsNullOrEmpty(options.CertificatePassword) && !IsPkcs12(options.CertificatePath)
                ? X509Certificate2.CreateFromPemFile(options.CertificatePath)
                : X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
            return new ClientCertificateCredential(options.TenantId, options.ClientId, certificate, Configure(new ClientCertificateCredentialOptions(), options));
        }

        throw new InvalidOperationException(
            $"Graph app-only auth needs a client secret ({GraphConnectorOptions.ClientSecretVariable}) or a certificate ({GraphConnectorOptions.CertificatePathVariable})");
    }

    /// <summary>Bearer tokens from Azure.Identity, sent only to the configured Graph host.</summary>
    public static IAuthenticationProvider CreateAuthentication(GraphConnectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = new Uri(options.BaseUrl).Host;
        // Kiota asks for a token per request: answered from our cache, not MSAL's lookup, until it is due for refresh.
        return new AzureIdentityAuthenticationProvider(new CachedTokenCredential(CreateCredential(options)), [host], scopes: GraphScopes);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        http.Dispose();
        Gate.Dispose();
    }

    private static T Configure<T>(T credential, GraphConnectorOptions options)
        where T : TokenCredentialOptions
    {
        credential.AuthorityHost = new Uri(options.AuthorityHost);
        credential.Retry.MaxRetries = 0;
        if (!string.IsNullOrWhiteSpace(options.TrustedCertificatePem))
        {
#pragma warning disable CA2000 // The transport owns the client for the credential's lifetime.
            credential.Transport = new Azure.Core.Pipeline.HttpClientTransport(new HttpClient(ExtraTrust.Handler(options.TrustedCertificatePem)));
#pragma warning restore CA2000
        }

        switch (credential)
        {
            case ClientSecretCredentialOptions secret:
                secret.DisableInstanceDiscovery = options.DisableInstanceDiscovery;
                break;
            case ClientCertificateCredentialOptions certificate:
                certificate.DisableInstanceDiscovery = options.DisableInstanceDiscovery;
                break;
        }

        return credential;
    }

    private static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(EventId = ConnectorLogEvents.Configured, Level = LogLevel.Information, Message = "Graph connector: {BaseUrl}, auth {CredentialKind} at {AuthorityHost}, tenant {TenantId}, client {ClientId}, budget {Budget}")]
    private static partial void LogConfigured(ILogger logger, string baseUrl, string credentialKind, string authorityHost, string tenantId, string clientId, RequestBudgetOptions budget);
}
