using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;
using Google.Apis.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>
/// The app's connection to Google Calendar: one <see cref="CalendarV3Service"/> per mailbox, each authorised by the
/// service account impersonating that mailbox (domain-wide delegation). The library's own backoff (503 only, on the
/// wall clock) is switched off: the connectors retry 403/429 rate limits and 5xx on the injected clock. Thread-safe;
/// dispose when done.
/// </summary>
public sealed partial class GoogleCalendarConnection : IDisposable
{
    private readonly Func<string, IConfigurableHttpClientInitializer> authorise;
    private readonly ConcurrentDictionary<string, CalendarV3Service> services = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Connects with the service account key from <paramref name="options"/>.</summary>
    public GoogleCalendarConnection(GoogleConnectorOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
        : this(options, ServiceAccountDelegation(options), time, loggers, "service account (domain-wide delegation)")
    {
    }

    /// <summary>Connects with a given per-mailbox authorisation (the emulator's loopback bearer in tests and the demo).</summary>
    public GoogleCalendarConnection(
        GoogleConnectorOptions options, Func<string, IConfigurableHttpClientInitializer> authorise, TimeProvider? time = null, ILoggerFactory? loggers = null)
        : this(options, authorise, time, loggers, "custom")
    {
    }

    private GoogleCalendarConnection(
        GoogleConnectorOptions options, Func<string, IConfigurableHttpClientInitializer> authorise, TimeProvider? time, ILoggerFactory? loggers, string authKind)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authorise);
        Options = options;
        this.authorise = authorise;
        Logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("RulesSync.Connectors.Google");
        Retry = new RetryPolicy(options.Retry, time ?? TimeProvider.System, Logger);
        Directory = new EmployeeDirectory(options.EmployeeDomains);
        LogConfigured(Logger, options.BaseUri, authKind);
    }

    /// <summary>The options in force.</summary>
    public GoogleConnectorOptions Options { get; }

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
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
        });

        // Attempt timeouts run on the injected clock (RetryOptions.AttemptTimeout).
        service.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
        return service;
    });

    /// <summary>
    /// The service account key, scoped to Calendar, impersonating each mailbox. Read once; the key is kept in the
    /// credential only and never logged.
    /// </summary>
    public static Func<string, IConfigurableHttpClientInitializer> ServiceAccountDelegation(GoogleConnectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var json = options.ServiceAccountKeyJson
            ?? (options.ServiceAccountKeyPath is { } path ? File.ReadAllText(path)
            : throw new InvalidOperationException(
                $"Google needs a service account key ({GoogleConnectorOptions.KeyJsonVariable} or {GoogleConnectorOptions.KeyPathVariable})"));
        var account = CredentialFactory.FromJson<ServiceAccountCredential>(json).ToGoogleCredential().CreateScoped(CalendarV3Service.CalendarScope);
        return mailbox => account.CreateWithUser(mailbox);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var service in services.Values)
        {
            service.Dispose();
        }
    }

    [LoggerMessage(EventId = ConnectorLogEvents.Configured, Level = LogLevel.Information, Message = "Google connector: {BaseUri}, auth {AuthKind}")]
    private static partial void LogConfigured(ILogger logger, string baseUri, string authKind);
}

/// <summary>
/// The emulator's stand-in for domain-wide delegation: <c>Authorization: Bearer {mailbox}</c>, sent to loopback only.
/// </summary>
public sealed class LoopbackMailboxBearer(string mailbox) : IConfigurableHttpClientInitializer, IHttpExecuteInterceptor
{
    /// <inheritdoc />
    public void Initialize(ConfigurableHttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        httpClient.MessageHandler.Credential = this;
    }

    /// <inheritdoc />
    public Task InterceptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsLoopback: true })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", mailbox);
        }

        return Task.CompletedTask;
    }
}
