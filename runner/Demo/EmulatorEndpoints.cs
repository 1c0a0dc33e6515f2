using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Demo;

/// <summary>Points a runner's CRM, Graph and Google connectors at the protocol emulators (the demo, tests, benchmarks).</summary>
internal static class EmulatorEndpoints
{
    /// <summary>Sets <paramref name="options"/>' connector endpoints to <paramref name="host"/>, in <paramref name="dialect"/>; returns the options.</summary>
    public static RunnerOptions UseEmulators(this RunnerOptions options, EmulatorHost host, ApiVersion dialect, string employeeDomain, RetryOptions retry)
    {
        options.Crm = new()
        {
            ServiceRoot = host.CrmServiceRoot(dialect == ApiVersion.V1 ? CrmDialect.V1 : CrmDialect.V2),
            Dialect = dialect,
            EmployeeDomains = [employeeDomain],
            Retry = retry,
        };
        options.Graph = new() { BaseUrl = host.GraphBaseUrl, EmployeeDomains = [employeeDomain], Retry = retry };
        options.Google = new() { BaseUri = host.GoogleBaseUri.AbsoluteUri + "calendar/v3/", EmployeeDomains = [employeeDomain], Retry = retry };
        return options;
    }
}
