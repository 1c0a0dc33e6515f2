using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>
/// One connection to the CRM's OData V2 service: HTTP with basic auth and a session cookie, the CSRF token
/// (<see cref="CrmCsrfMode"/>: fetched before the first write and sent when the service hands one out, fetched again
/// once when the server answers 403 "Required"), the retry loop, the mapping checked once against the service's
/// <c>$metadata</c>, links pinned to the service root (an absolute URL on another scheme, host or port is refused
/// before anything is sent, so the credentials never leave the configured host; redirects are not followed), and
/// the versions (ETags), entity sets and time zones of every record this connection has shown a caller — the ETag a
/// write sends in If-Match is the one of the version the caller decided on. Thread-safe; dispose when done.
/// </summary>
public sealed partial class ODataCrmConnection : IDisposable
{
    private const string CsrfHeader = "x-csrf-token";
    private readonly HttpClient http;
    private readonly SemaphoreSlim csrfGate = new(1, 1);
    private readonly SemaphoreSlim metadataGate = new(1, 1);
    private readonly Uri root;
    private string? csrfToken;
    private bool csrfFetched;
    private CrmMetadataReport? metadata;
    private long quarantinedReads;

    /// <summary>Connects to <see cref="ODataCrmOptions.ServiceRoot"/>; <paramref name="handler"/> replaces the socket handler (tests, proxies).</summary>
    public ODataCrmConnection(ODataCrmOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        root = options.ServiceRoot ?? throw new InvalidOperationException($"the CRM service root is not configured ({ODataCrmOptions.ServiceRootVariable})");
        Options = options;
        Logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("RulesSync.Connectors.Crm");
#pragma warning disable CA2000 // The client owns (and disposes) the handler chain.
        http = new HttpClient(new ProviderRequestTelemetry("crm", handler ?? new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false }))
#pragma warning restore CA2000
        {
            BaseAddress = root,

            // Attempt timeouts run on the injected clock (RetryOptions.AttemptTimeout).
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (options.User is not null)
        {
            var pair = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.User + ":" + options.Password));
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", pair);
        }

        Retry = new RetryPolicy(options.Retry, time ?? TimeProvider.System, Logger);
        Mapping = new ODataCrmMapping(options, new EmployeeDirectory(options.EmployeeDomains));
        LogConfigured(Logger, root.AbsoluteUri, options.Dialect, options.User ?? "(none)", options.Password is null ? "none" : "basic");
    }

    /// <summary>The options in force.</summary>
    public ODataCrmOptions Options { get; }

    internal ILogger Logger { get; }

    internal RetryPolicy Retry { get; }

    internal ODataCrmMapping Mapping { get; }

    /// <summary>ETag of each record as last shown to a caller (read or written).</summary>
    internal ConcurrentDictionary<string, string> ETags { get; } = new(StringComparer.Ordinal);

    /// <summary>Appointment or visit, for each record seen.</summary>
    internal ConcurrentDictionary<string, MeetingType> Kinds { get; } = new(StringComparer.Ordinal);

    /// <summary>The time zone codes of each record seen (start, end): an update writes them back unchanged.</summary>
    internal ConcurrentDictionary<string, (string Start, string End)> Zones { get; } = new(StringComparer.Ordinal);

    /// <summary>The status of each record seen: an update of a completed record leaves its status alone.</summary>
    internal ConcurrentDictionary<string, CrmStatus> Statuses { get; } = new(StringComparer.Ordinal);

    /// <summary>Records the mapping refused, by ObjectID, as of the latest read that saw them (a record that reads again leaves).</summary>
    internal ConcurrentDictionary<string, CrmQuarantinedRecord> Quarantine { get; } = new(StringComparer.Ordinal);

    /// <summary>How many reads of a record the mapping refused, since the connection opened.</summary>
    public long QuarantinedReads => Interlocked.Read(ref quarantinedReads);

    /// <summary>The records quarantined now, by ObjectID.</summary>
    public IReadOnlyList<CrmQuarantinedRecord> QuarantinedNow => [.. Quarantine.Values.OrderBy(q => q.ObjectId, StringComparer.Ordinal)];

    /// <summary>
    /// Reads <c>$metadata</c> once and checks the profile against it; throws <see cref="CrmMappingException"/> naming
    /// every entity set and field that is missing or of the wrong type. A profile UID field the service lacks is not
    /// an error: records then carry no UID (and the connector reports API v1 to the engine).
    /// </summary>
    public async Task<CrmMetadataReport> EnsureMappingAsync(CancellationToken cancellationToken = default)
    {
        if (metadata is { } known)
        {
            return known;
        }

        await metadataGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (metadata is { } again)
            {
                return again;
            }

            var answer = await SendAsync("read $metadata", () => new HttpRequestMessage(HttpMethod.Get, "$metadata"), idempotent: true, cancellationToken).ConfigureAwait(false);
            if (answer.Status != HttpStatusCode.OK || answer.Text is null)
            {
                throw Failure(answer);
            }

            var report = CrmMetadataCheck.Check(answer.Text, Options.EffectiveProfile);
            if (report.Problems.Count > 0)
            {
                throw new CrmMappingException(report.Problems);
            }

            Mapping.UidAvailable = report.UidAvailable;
            if (!report.UidAvailable && Options.EffectiveProfile.Appointment.Uid is { } uid)
            {
                LogNoUid(Logger, uid);
            }

            metadata = report;
            return report;
        }
        finally
        {
            metadataGate.Release();
        }
    }

    /// <summary>A connector for one employee's sync.</summary>
    public ODataCrmConnector ForEmployee(string employee) => new(this, employee);

    /// <summary>GET, retried on any transient failure; the <c>d</c> object of the answer, or null on 404.</summary>
    internal async Task<JsonObject?> GetAsync(string url, CancellationToken cancellationToken)
    {
        await EnsureMappingAsync(cancellationToken).ConfigureAwait(false);
        var answer = await SendAsync("query", () => new HttpRequestMessage(HttpMethod.Get, url), idempotent: true, cancellationToken).ConfigureAwait(false);
        return answer.Status switch
        {
            HttpStatusCode.OK => answer.D ?? throw new FormatException("an OData answer without a d envelope"),
            HttpStatusCode.NotFound => null,
            _ => throw Failure(answer),
        };
    }

    /// <summary>A write with the CSRF token (fetched first; fetched again once on 403 "Required").</summary>
    internal async Task<ODataAnswer> WriteAsync(HttpMethod method, string url, JsonObject? body, string? ifMatch, bool idempotent, CancellationToken cancellationToken)
    {
        await EnsureMappingAsync(cancellationToken).ConfigureAwait(false);
        var token = Options.Csrf == CrmCsrfMode.Off ? null : await CsrfTokenAsync(null, cancellationToken).ConfigureAwait(false);
        var answer = await SendAsync(method.Method, () => Build(method, url, body, ifMatch, token), idempotent, cancellationToken).ConfigureAwait(false);
        if (Options.Csrf != CrmCsrfMode.Off && answer.Status == HttpStatusCode.Forbidden && string.Equals(answer.Csrf, "Required", StringComparison.OrdinalIgnoreCase))
        {
            token = await CsrfTokenAsync(token, cancellationToken).ConfigureAwait(false);
            answer = await SendAsync(method.Method, () => Build(method, url, body, ifMatch, token), idempotent, cancellationToken).ConfigureAwait(false);
        }

        return answer;
    }

    /// <summary>A record the mapping refused: kept until it reads again or is no longer listed, counted, logged.</summary>
    internal void Quarantined(CrmQuarantinedRecord record)
    {
        if (record.ObjectId != "?")
        {
            Quarantine[record.ObjectId] = record;
        }

        Interlocked.Increment(ref quarantinedReads);
        LogQuarantined(Logger, record.ToString());
    }

    internal static ODataCrmException Failure(ODataAnswer answer) => new((int)answer.Status, answer.ErrorCode, answer.ErrorMessage);

    private static HttpRequestMessage Build(HttpMethod method, string url, JsonObject? body, string? ifMatch, string? token)
    {
        var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(CsrfHeader, token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    /// <summary>
    /// The current token, or a fresh one when <paramref name="stale"/> is the current one (or none is held). In
    /// <see cref="CrmCsrfMode.Auto"/> a service that hands out none (SAP CAP) gets writes without one, asked once
    /// per connection (and again after a 403 "Required").
    /// </summary>
    private async Task<string?> CsrfTokenAsync(string? stale, CancellationToken cancellationToken)
    {
        await csrfGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (csrfToken is not null && csrfToken != stale)
            {
                return csrfToken;
            }

            if (csrfToken is null && csrfFetched && stale is null && Options.Csrf == CrmCsrfMode.Auto)
            {
                return null;
            }

            var answer = await SendAsync("fetch csrf token", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, string.Empty);
                request.Headers.TryAddWithoutValidation(CsrfHeader, "fetch");
                return request;
            }, idempotent: true, cancellationToken).ConfigureAwait(false);
            csrfFetched = true;
            if (answer.Status == HttpStatusCode.OK && answer.Csrf is { Length: > 0 } t && !string.Equals(t, "Required", StringComparison.OrdinalIgnoreCase))
            {
                csrfToken = t;
                return t;
            }

            csrfToken = null;
            return answer.Status == HttpStatusCode.OK && Options.Csrf == CrmCsrfMode.Auto
                ? null
                : throw new ODataCrmException((int)answer.Status, answer.ErrorCode, "the service handed out no CSRF token (crm.csrf: required)");
        }
        finally
        {
            csrfGate.Release();
        }
    }

    private Task<ODataAnswer> SendAsync(string operation, Func<HttpRequestMessage> build, bool idempotent, CancellationToken cancellationToken) =>
        Retry.RunAsync(operation, http.BaseAddress!.AbsolutePath, idempotent, async t =>
        {
            using var request = build();
            Pin(request.RequestUri);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, t).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status is HttpStatusCode.TooManyRequests || (int)status >= 500)
            {
                throw new ODataTransientException(status, response.Headers.RetryAfter?.Delta);
            }

            var text = await response.Content.ReadAsStringAsync(t).ConfigureAwait(false);
            var json = text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : null;
            if (json?["d"]?["__next"] is JsonValue next && next.TryGetValue<string>(out var link))
            {
                // Refused here already, so a foreign link is an error of this answer, not of a later request.
                Pin(new Uri(link, UriKind.RelativeOrAbsolute));
            }

            response.Headers.TryGetValues(CsrfHeader, out var csrf);
            return new ODataAnswer(
                text,
                status,
                json?["d"] as JsonObject,
                response.Headers.ETag?.ToString() ?? (response.Headers.TryGetValues("ETag", out var etag) ? etag.FirstOrDefault() : null),
                csrf?.FirstOrDefault(),
                json?["error"]?["code"]?.GetValue<string>(),
                json?["error"]?["message"]?["value"]?.GetValue<string>());
        }, Classify, cancellationToken);

    /// <summary>An absolute link must be on the service root's scheme, host and port: the Basic credentials go nowhere else.</summary>
    private void Pin(Uri? uri)
    {
        if (uri is { IsAbsoluteUri: true }
            && (uri.Scheme != root.Scheme || !string.Equals(uri.Host, root.Host, StringComparison.OrdinalIgnoreCase) || uri.Port != root.Port))
        {
            throw new ODataCrmException($"the CRM answered with a link outside the service root {root.GetLeftPart(UriPartial.Authority)}: {uri.GetLeftPart(UriPartial.Authority)} (not followed; no credentials sent)");
        }
    }

    internal static FailureVerdict Classify(Exception e, bool idempotent) => e switch
    {
        ODataTransientException { Status: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } x =>
            new(true, x.RetryAfter, "HTTP " + ((int)x.Status).ToString(CultureInfo.InvariantCulture)),
        ODataTransientException x => new(idempotent, x.RetryAfter, "HTTP " + ((int)x.Status).ToString(CultureInfo.InvariantCulture)),
        JsonException or HttpRequestException or IOException or TaskCanceledException => new(idempotent, null, "unreadable answer: " + e.GetType().Name),
        _ => FailureVerdict.Fail(e.GetType().Name),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        http.Dispose();
        csrfGate.Dispose();
        metadataGate.Dispose();
    }

    [LoggerMessage(EventId = ConnectorLogEvents.CrmMappingDegraded, Level = LogLevel.Warning, Message = "CRM $metadata has no {Field}: records carry no meeting UID (the engine sees API v1)")]
    private static partial void LogNoUid(ILogger logger, string field);

    [LoggerMessage(EventId = ConnectorLogEvents.CrmRecordQuarantined, Level = LogLevel.Warning, Message = "CRM record quarantined (skipped; nothing decided on it): {Record}")]
    private static partial void LogQuarantined(ILogger logger, string record);

    [LoggerMessage(EventId = ConnectorLogEvents.Configured, Level = LogLevel.Information, Message = "CRM connector: {ServiceRoot}, dialect {Dialect}, user {User}, auth {Auth}")]
    private static partial void LogConfigured(ILogger logger, string serviceRoot, ApiVersion dialect, string user, string auth);
}

/// <summary>One OData answer: status, the <c>d</c> envelope, the ETag and CSRF headers, the error code and message.</summary>
internal sealed record ODataAnswer(string? Text, HttpStatusCode Status, JsonObject? D, string? ETag, string? Csrf, string? ErrorCode, string? ErrorMessage);

/// <summary>A 429 or 5xx answer, for the retry loop.</summary>
internal sealed class ODataTransientException(HttpStatusCode status, TimeSpan? retryAfter)
    : Exception("HTTP " + ((int)status).ToString(CultureInfo.InvariantCulture))
{
    public HttpStatusCode Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The CRM refused a request for a reason no retry or refetch can fix (400, 401, 403 other than CSRF, ...).</summary>
public sealed class ODataCrmException : Exception
{
    /// <summary>Creates the exception from an OData error answer.</summary>
    public ODataCrmException(int status, string? code, string? message)
        : base($"CRM answered {status} {code}: {message}")
    {
        Status = status;
        Code = code;
    }

    /// <summary>Creates the exception.</summary>
    public ODataCrmException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ODataCrmException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ODataCrmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The OData error code.</summary>
    public string? Code { get; }
}
