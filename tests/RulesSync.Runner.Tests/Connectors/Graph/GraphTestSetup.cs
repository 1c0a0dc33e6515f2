using RulesSync.Runner.Connectors.Graph;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>A Graph connection to a test host's emulator, through the real SDK and a loopback bearer token.</summary>
internal static class GraphTestSetup
{
    public const string BearerToken = "loopback-bearer-7f3a9c";

    public static GraphConnection Connect(ConnectorTestHost t, GraphConnectorOptions? options = null, HttpMessageHandler? transport = null) =>
        new(
            (options ?? new GraphConnectorOptions()) with
            {
                BaseUrl = t.Host.GraphBaseUrl,
                EmployeeDomains = [ConnectorTestHost.Domain],
                Retry = options?.Retry ?? new RetryOptions(),
            },
            LoopbackBearerTokenProvider.Authentication(BearerToken),
            t.Time,
            t.Logs,
            transport);
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
