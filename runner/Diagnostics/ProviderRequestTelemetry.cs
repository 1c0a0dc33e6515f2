using System.Diagnostics;
using System.Net;

namespace RulesSync.Runner.Diagnostics;

/// <summary>
/// The connectors' one hook for requests: a message handler placed at the bottom of each provider's HTTP pipeline
/// (under the SDK's own handlers, above the socket), so every attempt — retries included, sign-in excluded — is one
/// client span under the effect or sync that sent it, one count by provider, method and status, and one duration.
/// A refusal for rate limits also counts as throttled. It reads no header and no body except a 403's (to tell
/// Google's rate-limit reasons from a plain refusal; the body stays readable for the SDK).
/// </summary>
internal sealed class ProviderRequestTelemetry : DelegatingHandler
{
    private readonly string provider;

    /// <summary>A handler to chain (an SDK's pipeline sets <see cref="DelegatingHandler.InnerHandler"/>).</summary>
    public ProviderRequestTelemetry(string provider) => this.provider = provider;

    /// <summary>A handler over <paramref name="inner"/>.</summary>
    public ProviderRequestTelemetry(string provider, HttpMessageHandler inner)
        : base(inner) => this.provider = provider;

    /// <summary>The provider's name in tags: <c>graph</c>, <c>google</c> or <c>crm</c>.</summary>
    public string Provider => provider;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var activity = RunnerTelemetry.StartRequest(provider, request);
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RunnerTelemetry.Failed(activity, e.GetType().Name);
            RunnerTelemetry.RequestEnded(provider, request.Method.Method, 0, throttled: false, Stopwatch.GetElapsedTime(started).TotalSeconds);
            throw;
        }

        var status = (int)response.StatusCode;
        var throttled = await IsThrottledAsync(response, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("http.response.status_code", status);
        if (status >= 400)
        {
            RunnerTelemetry.Failed(activity, throttled ? "throttled" : status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        RunnerTelemetry.RequestEnded(provider, request.Method.Method, status, throttled, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return response;
    }

    /// <summary>
    /// Whether the provider refused for its rate limits: 429 anywhere; 503 with a Retry-After; Google's 403 whose
    /// error reason is <c>rateLimitExceeded</c> or <c>userRateLimitExceeded</c> (Calendar API, "Handle API errors").
    /// </summary>
    internal static async Task<bool> IsThrottledAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.TooManyRequests:
                return true;
            case HttpStatusCode.ServiceUnavailable:
                return response.Headers.RetryAfter is not null;
            case HttpStatusCode.Forbidden when response.Content is { } content:
                await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                var text = await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return text.Contains("rateLimitExceeded", StringComparison.OrdinalIgnoreCase);
            default:
                return false;
        }
    }
}
