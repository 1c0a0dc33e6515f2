using RulesSync.Emulators.Hosting;

namespace RulesSync.Runner.Tests.Live;

/// <summary>The sign-in settings a config file needs for the emulators (what EmulatorEndpoints sets in code), as YAML lines at <paramref name="indent"/>.</summary>
internal static class EmulatorSignInYaml
{
    public static string Graph(EmulatorHost host, string indent) => string.Join("\n", [
        $"authorityHost: {host.Identity.AuthorityHost.AbsoluteUri}",
        $"{indent}disableInstanceDiscovery: true",
        $"{indent}tenantId: {host.Identity.TenantId}",
        $"{indent}clientId: {host.Identity.GraphClientId}",
        $"{indent}clientSecret: {host.Identity.GraphClientSecret}",
        $"{indent}trustedCertificatePem: |",
        .. host.TlsCertificate.ExportCertificatePem().Split('\n').Select(l => indent + "  " + l.TrimEnd('\r'))]);

    public static string Google(EmulatorHost host, string indent) => string.Join("\n", [
        $"serviceAccountKeyJson: '{host.Identity.CreateGoogleServiceAccountKey().Replace("'", "''", StringComparison.Ordinal)}'",
        $"{indent}trustedCertificatePem: |",
        .. host.TlsCertificate.ExportCertificatePem().Split('\n').Select(l => indent + "  " + l.TrimEnd('\r'))]);
}
