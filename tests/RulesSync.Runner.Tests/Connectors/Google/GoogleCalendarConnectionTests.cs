using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Google;

/// <summary>Service-account delegation from configuration, and the key kept out of every log line.</summary>
public sealed class GoogleCalendarConnectionTests
{
    private static string ServiceAccountKey(out string privateKeyPem)
    {
        using var rsa = RSA.Create(2048);
        privateKeyPem = rsa.ExportPkcs8PrivateKeyPem();
        return new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "rulesync-test",
            ["private_key_id"] = "k1",
            ["private_key"] = privateKeyPem,
            ["client_email"] = "rulesync@rulesync-test.iam.gserviceaccount.com",
            ["client_id"] = "1234567890",
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        }.ToJsonString();
    }

    [Fact]
    public void ServiceAccountDelegation_FromEnvironment_ImpersonatesEachMailboxWithTheCalendarScope()
    {
        var key = ServiceAccountKey(out _);
        var options = GoogleConnectorOptions.FromEnvironment(name => name == GoogleConnectorOptions.KeyJsonVariable ? key : null);

        var account = Assert.IsType<ServiceAccountCredential>(GoogleCalendarConnection.ServiceAccountDelegation(options, TimeProvider.System)(Carol));

        Assert.Equal(Carol, account.User);
        Assert.Equal([CalendarV3Service.CalendarScope], account.Scopes);
        Assert.Equal("rulesync@rulesync-test.iam.gserviceaccount.com", account.Id);
    }

    [Fact]
    public void ServiceAccountDelegation_NoKey_FailsNamingTheVariables()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GoogleCalendarConnection.ServiceAccountDelegation(new GoogleConnectorOptions(), TimeProvider.System));

        Assert.Contains(GoogleConnectorOptions.KeyJsonVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains(GoogleConnectorOptions.KeyPathVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_AndOptions_NeverShowTheServiceAccountKey()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Carol, Draft("m", 1, Dave));
        t.Host.Faults.Add(new Emulators.Faults.FaultRule { Kind = Emulators.Faults.FaultKind.Throttle, Route = "google.events.list" });
        var key = t.Host.Identity.CreateGoogleServiceAccountKey();
        var pem = JsonNode.Parse(key)!["private_key"]!.GetValue<string>();
        using var google = GoogleTestSetup.Connect(t, new GoogleConnectorOptions { ServiceAccountKeyJson = key });

        await t.CompleteWithRetriesAsync(google.ForMailbox(Carol).ReadChangesAsync(MailboxCursor.Start).AsTask());

        var secretLine = pem.Split('\n')[1];
        Assert.Equal(1, t.Host.Identity.TokensIssued);
        Assert.DoesNotContain("eyJ", t.Logs.AllText, StringComparison.Ordinal); // no access token either
        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
        Assert.DoesNotContain(secretLine, t.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(secretLine, google.Options.ToString(), StringComparison.Ordinal);
        Assert.Contains("ServiceAccountKeyJson = ***", google.Options.ToString(), StringComparison.Ordinal);
    }
}
