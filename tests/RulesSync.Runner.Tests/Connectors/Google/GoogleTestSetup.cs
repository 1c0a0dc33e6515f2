using RulesSync.Runner.Connectors.Google;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>A Calendar v3 connection to a test host's emulator, through Google.Apis and a loopback bearer per mailbox.</summary>
internal static class GoogleTestSetup
{
    public static GoogleCalendarConnection Connect(ConnectorTestHost t, GoogleConnectorOptions? options = null) =>
        new(
            (options ?? new GoogleConnectorOptions()) with
            {
                BaseUri = t.Host.GoogleBaseUri.AbsoluteUri + "calendar/v3/",
                EmployeeDomains = [ConnectorTestHost.Domain],
            },
            mailbox => new LoopbackMailboxBearer(mailbox),
            t.Time,
            t.Logs);
}
