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

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// One app's connection to Microsoft Graph: the SDK client (its default pipeline minus the retry handler: the
/// connectors retry on the injected clock themselves), the app-only credential, and the per-mailbox concurrency
/// gate shared by every mailbox connector made from it. Thread-safe; dispose when done.
/// </summary>
public sealed partial class GraphConnection : IDisposable
{
    private static readonly string[] GraphScopes = ["https://graph.microsoft.com/.default"];
    private readonly HttpClient http;

    /// <summary>Connects with app-only client credentials (secret or certificate) from <paramref name="options"/>.</summary>
    public GraphConnection(GraphConnectorOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
        : this(options, CreateAuthentication(options), time, loggers)
    {
    }

    /// <summary>
    /// Connects with a given authentication provider (the emulator's loopback bearer in tests and the demo);
    /// <paramref name="transport"/> replaces the socket handler under the SDK's pipeline (proxies, traffic capture).
    /// </summary>
    public GraphConnection(
        GraphConnectorOptions options, IAuthenticationProvider authentication, TimeProvider? time = null, ILoggerFactory? loggers = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authentication);
        Options = options;
        Time = time ?? TimeProvider.System;
        var logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("RulesSync.Connectors.Graph");
        Logger = logger;
        var handlers = GraphClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler).ToList();
        http = transport is null ? GraphClientFactory.Create(handlers) : GraphClientFactory.Create(handlers, finalHandler: transport);

        // Attempt timeouts run on the injected clock (RetryOptions.AttemptTimeout), not HttpClient's wall clock.
        http.Timeout = Timeout.InfiniteTimeSpan;
        Client = new GraphServiceClient(http, authentication, options.BaseUrl);
        Gate = new MailboxGate(options.MaxConcurrentRequestsPerMailbox);
        Retry = new RetryPolicy(options.Retry, Time, logger);
        Directory = new EmployeeDirectory(options.EmployeeDomains);
        LogConfigured(logger, options.BaseUrl, options.CredentialKind, options.TenantId ?? "(none)", options.ClientId ?? "(none)");
    }

    /// <summary>The options in force.</summary>
    public GraphConnectorOptions Options { get; }

    /// <summary>The SDK client.</summary>
    public GraphServiceClient Client { get; }

    /// <summary>The per-mailbox concurrency gate.</summary>
    public MailboxGate Gate { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal RetryPolicy Retry { get; }

    internal EmployeeDirectory Directory { get; }

    /// <summary>A connector bound to one mailbox (its cursor book persisted by the caller).</summary>
    public GraphMailboxConnector ForMailbox(string mailbox, DeliveredEvents? delivered = null) =>
        new(this, mailbox, delivered ?? new DeliveredEvents());

    /// <summary>The Azure.Identity credential the options select; never logs the secret.</summary>
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
            return new ClientSecretCredential(options.TenantId, options.ClientId, options.ClientSecret);
        }

        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            var certificate = string.IsNullOrEmpty(options.CertificatePassword)
                ? X509CertificateLoader.LoadCertificateFromFile(options.CertificatePath)
                : X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
            return new ClientCertificateCredential(options.TenantId, options.ClientId, certificate);
        }

        throw new InvalidOperationException(
            $"Graph app-only auth needs a client secret ({GraphConnectorOptions.ClientSecretVariable}) or a certificate ({GraphConnectorOptions.CertificatePathVariable})");
    }

    /// <summary>Bearer tokens from Azure.Identity, sent only to the configured Graph host.</summary>
    public static IAuthenticationProvider CreateAuthentication(GraphConnectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = new Uri(options.BaseUrl).Host;
        return new AzureIdentityAuthenticationProvider(CreateCredential(options), [host], scopes: GraphScopes);
    }

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    [LoggerMessage(EventId = ConnectorLogEvents.Configured, Level = LogLevel.Information, Message = "Graph connector: {BaseUrl}, auth {CredentialKind}, tenant {TenantId}, client {ClientId}")]
    private static partial void LogConfigured(ILogger logger, string baseUrl, string credentialKind, string tenantId, string clientId);
}

/// <summary>
/// A fixed bearer token for a loopback endpoint (the protocol emulators): refuses any host but 127.0.0.1 and
/// localhost, so it cannot leak to a real service.
/// </summary>
public sealed class LoopbackBearerTokenProvider(string token) : IAccessTokenProvider
{
    /// <inheritdoc />
    public AllowedHostsValidator AllowedHostsValidator { get; } = new(["127.0.0.1", "localhost"]);

    /// <summary>An authentication provider for <paramref name="token"/> on loopback.</summary>
    public static IAuthenticationProvider Authentication(string token) => new BaseBearerTokenAuthenticationProvider(new LoopbackBearerTokenProvider(token));

    /// <inheritdoc />
    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return Task.FromResult(uri.IsLoopback ? token : string.Empty);
    }
}
