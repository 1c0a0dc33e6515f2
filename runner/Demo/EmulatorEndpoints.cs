using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Demo;

/// <summary>
/// Points a runner's CRM, Graph and Google connectors at the protocol emulators (the demo, tests, benchmarks), signing
/// in as production does: Azure.Identity with the emulated app registration's client secret at the emulated Microsoft
/// identity platform, Google.Apis.Auth with a fresh service account key whose <c>token_uri</c> is the emulated Google
/// token endpoint. Both token endpoints are HTTPS with the host's self-signed certificate, trusted here and nowhere
/// else; MSAL's instance discovery (which would ask login.microsoftonline.com) is off.
/// </summary>
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
        var trust = host.TlsCertificate.ExportCertificatePem();
        options.Graph = new()
        {
            BaseUrl = host.GraphBaseUrl,
            AuthorityHost = host.Identity.AuthorityHost.AbsoluteUri,
            DisableInstanceDiscovery = true,
            TrustedCertificatePem = trust,
            TenantId = host.Identity.TenantId,
            ClientId = host.Identity.GraphClientId,
            ClientSecret = host.Identity.GraphClientSecret,
            EmployeeDomains = [employeeDomain],
            Retry = retry,
        };
        options.Google = new()
        {
            BaseUri = host.GoogleBaseUri.AbsoluteUri + "calendar/v3/",
            ServiceAccountKeyJson = host.Identity.CreateGoogleServiceAccountKey(),
            TrustedCertificatePem = trust,
            EmployeeDomains = [employeeDomain],
            Retry = retry,
        };
        return options;
    }
}
