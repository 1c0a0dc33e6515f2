using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Graph;
using RulesSync.Runner.Connectors.SignIn;
using RulesSync.Runner.Tests.Connectors.Google;
using RulesSync.Runner.Tests.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.SignIn;

/// <summary>
/// The connectors sign in as in production — Azure.Identity at the emulated Microsoft identity platform, Google.Apis.Auth
/// at the emulated Google token endpoint — cache their tokens, and turn a refused sign-in into one clear error.
/// </summary>
public sealed class SignInTests
{
    [Fact]
    public async Task Graph_ManyRequests_SignInOnceAndReuseTheToken()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Alice, Draft("m", 1, Bob));
        using var graph = GraphTestSetup.Connect(t);

        var page = await graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start);
        for (var i = 0; i < 4; i++)
        {
            page = await graph.ForMailbox(i % 2 == 0 ? Bob : Alice).ReadChangesAsync(MailboxCursor.Start);
        }

        Assert.Single(page.Items);
        Assert.Equal(1, t.Host.Identity.TokensIssued);
        Assert.Equal(1, t.Host.Counters.ForRoute("identity.microsoft.token"));
    }

    [Fact]
    public async Task Graph_ClientCertificate_SignsInWithASignedAssertion()
    {
        await using var t = await StartAsync();
        await WithCertificateAsync(t, async graph =>
        {
            await graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start);

            Assert.Equal("client certificate", graph.Options.CredentialKind);
            Assert.Equal(1, t.Host.Identity.TokensIssued);
        });
    }

    [Fact]
    public async Task Graph_RevokedSecret_FailsOnceWithTheProvidersReasonAndNoRetry()
    {
        await using var t = await StartAsync();
        using var graph = GraphTestSetup.Connect(t);
        var secret = graph.Options.ClientSecret!;
        t.Host.Identity.RevokeGraphClientSecrets();

        var refused = await Assert.ThrowsAsync<CredentialRefusedException>(() => graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask());

        Assert.Contains("AADSTS7000222", refused.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_client", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
        Assert.Equal(0, t.Host.Counters.ForRoute("graph.calendarView.delta"));
        Assert.DoesNotContain(secret, t.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_DeletedCertificate_FailsWithKeyNotFound()
    {
        await using var t = await StartAsync();
        await WithCertificateAsync(t, async graph =>
        {
            t.Host.Identity.DeleteGraphCertificates();

            var refused = await Assert.ThrowsAsync<CredentialRefusedException>(() => graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask());

            Assert.Contains("AADSTS700027", refused.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Graph_TokenEndpointDown_IsRetriedAndTheReadCompletes()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Alice, Draft("m", 1, Bob));
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "identity.microsoft.token", Times = 3 });
        using var graph = GraphTestSetup.Connect(t);

        var page = await t.CompleteWithRetriesAsync(graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask());

        Assert.Single(page.Items);
        Assert.Equal(1, t.Host.Identity.TokensIssued);
        Assert.True(t.Host.Counters.ForRoute("identity.microsoft.token") >= 2);
    }

    [Fact]
    public async Task Google_TokenCachedPerMailbox_AndFetchedAgainWhenItExpires()
    {
        var signIn = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var t = await StartAsync(new EmulatorOptions { IdentityTimeProvider = signIn });
        t.Organization.ScheduleMeeting(Carol, Draft("m", 1, Dave));
        using var google = GoogleTestSetup.Connect(t, signInTime: signIn);
        var carol = google.ForMailbox(Carol);

        var page = await carol.ReadChangesAsync(MailboxCursor.Start);
        signIn.Advance(TimeSpan.FromMinutes(30));
        await carol.ReadChangesAsync(page.Next);
        Assert.Equal(1, t.Host.Identity.TokensIssued);

        await google.ForMailbox(Dave).ReadChangesAsync(MailboxCursor.Start);
        Assert.Equal(2, t.Host.Identity.TokensIssued);

        // Once Carol's token has expired (at the emulator too), the library fetches a new one rather than send it.
        signIn.Advance(TimeSpan.FromMinutes(31));
        await carol.ReadChangesAsync(page.Next);
        Assert.Equal(3, t.Host.Identity.TokensIssued);
    }

    [Fact]
    public async Task Google_DeletedKey_FailsOnceWithInvalidGrant()
    {
        await using var t = await StartAsync();
        using var google = GoogleTestSetup.Connect(t);
        t.Host.Identity.DeleteGoogleServiceAccountKeys();

        var refused = await Assert.ThrowsAsync<CredentialRefusedException>(() => google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start).AsTask());

        Assert.Contains("invalid_grant", refused.Message, StringComparison.Ordinal);
        Assert.Equal("Google OAuth", refused.Provider);
        Assert.DoesNotContain(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
        Assert.Equal(0, t.Host.Counters.ForRoute("google.events.list"));
    }

    [Fact]
    public async Task Google_WithdrawnDelegation_FailsAsUnauthorizedClient()
    {
        await using var t = await StartAsync();
        using var google = GoogleTestSetup.Connect(t);
        t.Host.Identity.SetGoogleDelegation(false);

        var refused = await Assert.ThrowsAsync<CredentialRefusedException>(() => google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start).AsTask());

        Assert.Contains("unauthorized_client", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A Graph connection signing in with a certificate registered on the emulated app (a PFX file, as configured in production).</summary>
    private static async Task WithCertificateAsync(ConnectorTestHost t, Func<GraphConnection, Task> test)
    {
        using var certificate = t.Host.Identity.CreateGraphCertificate();
        var path = Path.Combine(Path.GetTempPath(), $"rulesync-app-{Environment.ProcessId}-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, "pfx-pass"));
        try
        {
            using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { CertificatePath = path, CertificatePassword = "pfx-pass" });
            await test(graph);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
