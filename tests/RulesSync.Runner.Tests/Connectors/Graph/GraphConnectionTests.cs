using Azure.Identity;
using RulesSync.Emulators.Faults;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>App-only auth configuration, and secrets kept out of every log line.</summary>
public sealed class GraphConnectionTests
{
    private const string Secret = "graph-client-secret-Zq81";
    private const string CertificatePassword = "pfx-password-Lm27";

    private static readonly Dictionary<string, string> Environment = new()
    {
        [GraphConnectorOptions.TenantIdVariable] = "00000000-1111-2222-3333-444444444444",
        [GraphConnectorOptions.ClientIdVariable] = "55555555-6666-7777-8888-999999999999",
        [GraphConnectorOptions.ClientSecretVariable] = Secret,
        [GraphConnectorOptions.BaseUrlVariable] = "http://127.0.0.1:9/v1.0",
    };

    [Fact]
    public void FromEnvironment_ClientSecret_SelectsClientSecretCredential()
    {
        var options = GraphConnectorOptions.FromEnvironment(Environment.GetValueOrDefault);

        Assert.Equal("http://127.0.0.1:9/v1.0", options.BaseUrl);
        Assert.Equal("client secret", options.CredentialKind);
        Assert.IsType<ClientSecretCredential>(GraphConnection.CreateCredential(options));
    }

    [Fact]
    public void CreateCredential_NoSecretNorCertificate_FailsNamingTheVariables()
    {
        var options = GraphConnectorOptions.FromEnvironment(Environment.GetValueOrDefault) with { ClientSecret = null };

        var error = Assert.Throws<InvalidOperationException>(() => GraphConnection.CreateCredential(options));

        Assert.Contains(GraphConnectorOptions.ClientSecretVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains(GraphConnectorOptions.CertificatePathVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_WithSecrets_ShowsOnlyThatTheyAreSet()
    {
        var options = GraphConnectorOptions.FromEnvironment(Environment.GetValueOrDefault) with { CertificatePassword = CertificatePassword };

        var text = options.ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(CertificatePassword, text, StringComparison.Ordinal);
        Assert.Contains("ClientSecret = ***", text, StringComparison.Ordinal);
        Assert.Contains(Environment[GraphConnectorOptions.ClientIdVariable], text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_ThrottledReadsFailedWritesAndConfiguration_NeverContainASecretOrToken()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Alice, Draft("m", 1, Bob));
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.calendarView.delta" });
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.TruncatedBody, Route = "graph.events.get" });
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { CertificatePassword = CertificatePassword });
        var alice = graph.ForMailbox(Alice);

        var page = await t.CompleteWithRetriesAsync(alice.ReadChangesAsync(MailboxCursor.Start).AsTask());
        await t.CompleteWithRetriesAsync(alice.GetEventsAsync([page.Items[0].EventId]));
        await Assert.ThrowsAsync<OrganizerDeleteRefusedException>(() => alice.DeleteEventAsync(page.Items[0].EventId).AsTask());

        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.Configured && e.Message.Contains("client secret", StringComparison.Ordinal));
        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
        var all = t.Logs.AllText;
        Assert.True(t.Host.Identity.TokensIssued > 0, "the connector never signed in");
        Assert.DoesNotContain(t.Host.Identity.GraphClientSecret, all, StringComparison.Ordinal);
        Assert.DoesNotContain(CertificatePassword, all, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", all, StringComparison.Ordinal); // no JWT (access token) either
    }
}
