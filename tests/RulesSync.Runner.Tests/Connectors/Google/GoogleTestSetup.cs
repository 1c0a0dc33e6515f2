using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Resilience;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>
/// A Calendar v3 connection to a test host's emulator, through Google.Apis, signing in with Google.Apis.Auth (a fresh
/// service account key of the emulated project, domain-wide delegation) at the emulated token endpoint.
/// </summary>
internal static class GoogleTestSetup
{
    public static GoogleConnectorOptions SignIn(ConnectorTestHost t, GoogleConnectorOptions? options = null) =>
        (options ?? new GoogleConnectorOptions()) with
        {
            BaseUri = t.Host.GoogleBaseUri.AbsoluteUri + "calendar/v3/",
            ServiceAccountKeyJson = options?.ServiceAccountKeyJson ?? t.Host.Identity.CreateGoogleServiceAccountKey(),
            TrustedCertificatePem = t.Host.TlsCertificate.ExportCertificatePem(),
            EmployeeDomains = [ConnectorTestHost.Domain],
            // Backoffs exact (jitter is tested in RetryPolicyTests): fault tests assert the delays.
            Retry = (options?.Retry ?? new RetryOptions()) with { Jitter = 0 },
        };

    public static GoogleCalendarConnection Connect(ConnectorTestHost t, GoogleConnectorOptions? options = null, TimeProvider? signInTime = null) =>
        new(SignIn(t, options), t.Time, t.Logs, signInTime);
}
