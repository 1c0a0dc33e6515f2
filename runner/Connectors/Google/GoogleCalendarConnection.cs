using System.Collections.Concurrent;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Json;
using Google.Apis.Util;
using Google.Apis.Http;
using Google.Apis.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Connectors.SignIn;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>
/// The app's connection to Google Calendar: one <see cref="CalendarV3Service"/> per mailbox, each authorised by the
/// service account impersonating that mailbox (domain-wide delegation: Google.Apis.Auth's JWT bearer grant at the
/// key's <c>token_uri</c>, or <see cref="GoogleConnectorOptions.TokenUri"/>; the token is cached per mailbox and
/// fetched again shortly before it expires). The library's own backoff (503 only, on the wall clock) is switched off,
/// for the API and the token endpoint alike: the connectors retry 403/429 rate limits and 5xx on the injected clock.
/// Requests pass the request gate (concurrency and budgets per mailbox and per project). Thread-safe; dispose when done.
/// </summary>
public sealed partial class GoogleCalendarConnection : IDisposable
{
    private readonly Func<string, IConfigurableHttpClientInitializer> authorise;
    private readonly ConcurrentDictionary<string, CalendarV3Service> services = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Connects with the service account key from <paramref name="options"/>. Assertions and token lifetimes run on
    /// <paramref name="signInTime"/> (default: the machine clock, which the token endpoint checks them against).
    /// </summary>
    public GoogleCalendarConnection(GoogleConnectorOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null, TimeProvider? signInTime = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        authorise = ServiceAccountDelegation(options, signInTime ?? TimeProvider.System);
        Logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("RulesSync.Connectors.Google");
        Retry = new RetryPolicy(options.Retry, time ?? TimeProvider.System, Logger);
        Gate = new RequestGate(options.Budget, Retry.Time);
        Directory = new EmployeeDirectory(options.EmployeeDomains);
        LogConfigured(Logger, options.BaseUri, options.Budget);
    }

    /// <summary>The options in force.</summary>
    public GoogleConnectorOptions Options { get; }

    /// <summary>The request gate: concurrency and budgets per mailbox and per project.</summary>
    public RequestGate Gate { get; }

    internal ILogger Logger { get; }

    internal RetryPolicy Retry { get; }

    internal EmployeeDirectory Directory { get; }

    internal TimeProvider Time => Retry.Time;

    /// <summary>A connector bound to one mailbox (its cursor book persisted by the caller).</summary>
    public GoogleMailboxConnector ForMailbox(string mailbox, DeliveredEvents? delivered = null) =>
        new(this, mailbox, delivered ?? new DeliveredEvents());

    internal CalendarV3Service Service(string mailbox) => services.GetOrAdd(mailbox, m =>
    {
        var service = new CalendarV3Service(new BaseClientService.Initializer
        {
            ApplicationName = "RulesSync",
            BaseUri = Options.BaseUri,
            HttpClientInitializer = authorise(m),
            HttpClientFactory = new MeasuredHttpClientFactory(),
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
        });

        // Attempt timeouts run on the injected clock (RetryOptions.AttemptTimeout).
        service.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
        return service;
    });

    /// <summary>
    /// The service account key, scoped to Calendar, impersonating each mailbox. Read once; the key is kept in the
    /// credentials only and never logged.
    /// </summary>
    public static Func<string, IConfigurableHttpClientInitializer> ServiceAccountDelegation(GoogleConnectorOptions options, TimeProvider signInTime)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(signInTime);
        var json = options.ServiceAccountKeyJson
            ?? (options.ServiceAccountKeyPath is { } path ? File.ReadAllText(path)
            : throw new InvalidOperationException(
                $"Google needs a service account key ({GoogleConnectorOptions.KeyJsonVariable} or {GoogleConnectorOptions.KeyPathVariable})"));
        JsonCredentialParameters key;
        try
        {
            key = NewtonsoftJsonSerializer.Instance.Deserialize<JsonCredentialParameters>(json);
        }
        catch (Newtonsoft.Json.JsonException)
        {
            // The parser's message may quote the key: say only what is wrong.
            throw new InvalidOperationException("the Google service account key is not valid JSON");
        }

        if (key?.Type != JsonCredentialParameters.ServiceAccountCredentialType || string.IsNullOrEmpty(key.ClientEmail) || string.IsNullOrEmpty(key.PrivateKey))
        {
            throw new InvalidOperationException("the Google service account key must be a service_account key file with client_email and private_key");
        }

        var tokenUri = options.TokenUri ?? key.TokenUri ?? GoogleAuthConsts.OidcTokenUrl;
        var http = new TrustingHttpClientFactory(options.TrustedCertificatePem);
        var clock = new ClockAdapter(signInTime);
        return mailbox => new ServiceAccountCredential(new ServiceAccountCredential.Initializer(key.ClientEmail, tokenUri)
        {
            User = mailbox,
            Scopes = [CalendarV3Service.CalendarScope],
            KeyId = key.PrivateKeyId,
            Clock = clock,
            HttpClientFactory = http,
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
        }.FromPrivateKey(key.PrivateKey));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var service in services.Values)
        {
            service.Dispose();
        }

        Gate.Dispose();
    }

    [LoggerMessage(EventId = ConnectorLogEvents.Configured, Level = LogLevel.Information, Message = "Google connector: {BaseUri}, auth service account (domain-wide delegation), budget {Budget}")]
    private static partial void LogConfigured(ILogger logger, string baseUri, RequestBudgetOptions budget);

    /// <summary>The token endpoint's HTTP client, trusting one more certificate if configured.</summary>
    private sealed class TrustingHttpClientFactory(string? trustedCertificatePem) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => ExtraTrust.Handler(trustedCertificatePem);
    }

    /// <summary>The API's HTTP client, its socket handler under the request telemetry (the token endpoint's is not measured).</summary>
    private sealed class MeasuredHttpClientFactory : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new ProviderRequestTelemetry("google", base.CreateHandler(args));
    }

    /// <summary>Google.Apis.Auth's clock on a <see cref="TimeProvider"/>.</summary>
    private sealed class ClockAdapter(TimeProvider time) : IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;

        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }
}
