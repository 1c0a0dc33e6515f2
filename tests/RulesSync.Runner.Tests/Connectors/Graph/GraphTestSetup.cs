using RulesSync.Runner.Connectors.Graph;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>
/// A Graph connection to a test host's emulator, through the real SDK, signing in with Azure.Identity (the emulated
/// app's client secret, unless <paramref name="options"/> names a certificate) at the emulated identity platform.
/// </summary>
internal static class GraphTestSetup
{
    public static GraphConnectorOptions SignIn(ConnectorTestHost t, GraphConnectorOptions? options = null) =>
        (options ?? new GraphConnectorOptions()) with
        {
            BaseUrl = t.Host.GraphBaseUrl,
            AuthorityHost = t.Host.Identity.AuthorityHost.AbsoluteUri,
            DisableInstanceDiscovery = true,
            TrustedCertificatePem = t.Host.TlsCertificate.ExportCertificatePem(),
            TenantId = options?.TenantId ?? t.Host.Identity.TenantId,
            ClientId = options?.ClientId ?? t.Host.Identity.GraphClientId,
            ClientSecret = options?.CertificatePath is null ? options?.ClientSecret ?? t.Host.Identity.GraphClientSecret : null,
            EmployeeDomains = [ConnectorTestHost.Domain],
            // Backoffs exact (jitter is tested in RetryPolicyTests): fault tests assert the delays.
            Retry = (options?.Retry ?? new RetryOptions()) with { Jitter = 0 },
        };

    public static GraphConnection Connect(ConnectorTestHost t, GraphConnectorOptions? options = null, HttpMessageHandler? transport = null) =>
        new(SignIn(t, options), t.Time, t.Logs, transport);
}

/// <summary>A transport that records each request's method, URL and headers, then sends it over real sockets.</summary>
internal sealed class RecordingTransport() : DelegatingHandler(new SocketsHttpHandler())
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Method, string Url, string Prefer, string? Authorization)> Requests { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var prefer = request.Headers.TryGetValues("Prefer", out var values) ? string.Join(", ", values) : string.Empty;
        Requests.Enqueue((request.Method.Method, request.RequestUri!.AbsoluteUri, prefer, request.Headers.Authorization?.ToString()));
        return base.SendAsync(request, cancellationToken);
    }
}
