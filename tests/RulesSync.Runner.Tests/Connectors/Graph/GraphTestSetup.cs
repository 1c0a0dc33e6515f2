using RulesSync.Runner.Connectors.Graph;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>A Graph connection to a test host's emulator, through the real SDK and a loopback bearer token.</summary>
internal static class GraphTestSetup
{
    public const string BearerToken = "loopback-bearer-7f3a9c";

    public static GraphConnection Connect(ConnectorTestHost t, GraphConnectorOptions? options = null) =>
        new(
            (options ?? new GraphConnectorOptions()) with
            {
                BaseUrl = t.Host.GraphBaseUrl,
                EmployeeDomains = [ConnectorTestHost.Domain],
                Retry = options?.Retry ?? new RetryOptions(),
            },
            LoopbackBearerTokenProvider.Authentication(BearerToken),
            t.Time,
            t.Logs);
}
