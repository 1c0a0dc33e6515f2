using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Configuration;

public sealed class RunnerConfigurationLoaderTests : IDisposable
{
    /// <summary>The config's folder: it holds the certificate and key files <see cref="Valid"/> names, since the loader checks them.</summary>
    private readonly TempFiles files = new();

    public RunnerConfigurationLoaderTests()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=rulesync-test", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        files.Write("app.pem", certificate.ExportCertificatePem());
        files.Write("google-key.json", ServiceAccountKey());
    }

    public void Dispose() => files.Dispose();

    private const string Valid = """
        tenant: contoso
        rules: embedded:default
        stateFile: state/rulesync.db
        sync:
          interval: 00:01:00
          autoShare: false
        crm:
          serviceRoot: http://127.0.0.1:5000/sap/c4c/odata/v1/c4codataapi
          dialect: v1
        graph:
          baseUrl: http://127.0.0.1:5000/v1.0
          tenantId: 00000000-0000-0000-0000-0000000000aa
          clientId: 00000000-0000-0000-0000-0000000000bb
          certificatePath: app.pem
        google:
          baseUri: http://127.0.0.1:5000/calendar/v3/
          serviceAccountKeyPath: google-key.json
        mailboxes:
          - id: alice@contoso.example
            provider: exchange
          - id: carol@contoso.example
            provider: google
        guards:
          maxDestructivePerMailbox: 3
        """;

    private RunnerOptions Parse(string text, Dictionary<string, string>? env = null) =>
        RunnerConfigurationLoader.Parse("rulesync.yaml", text, files.Folder, name => env is not null && env.TryGetValue(name, out var v) ? v : null);

    private string Error(string text) => Assert.Throws<ConfigurationException>(() => Parse(text)).Message;

    [Fact]
    public void Parse_ValidFile_BindsEverySection()
    {
        var o = Parse(Valid);

        Assert.Equal("contoso", o.Tenant);
        Assert.Equal(TimeSpan.FromMinutes(1), o.Sync.Interval);
        Assert.False(o.Sync.AutoShare);
        Assert.Equal(ApiVersion.V1, o.Crm.Dialect);
        Assert.Equal("http://127.0.0.1:5000/sap/c4c/odata/v1/c4codataapi/", o.Crm.ServiceRoot!.AbsoluteUri);
        Assert.Equal(["contoso.example"], o.Crm.EmployeeDomains);
        Assert.Equal([Provider.Exchange, Provider.Google], o.Mailboxes.Select(m => m.Provider));
        Assert.Equal(3, o.Guards.MaxDestructivePerMailbox);
        Assert.Equal(Path.GetFullPath(Path.Combine(files.Folder, "rulesync-data/state/rulesync.db")), o.StatePath);
        Assert.Equal("127.0.0.1:8787", o.Dashboard.Bind);
    }

    [Fact]
    public void Parse_TelemetrySection_BindsLogFormatOtlpPrometheusAndReadiness()
    {
        var o = Parse(Valid + """

            telemetry:
              logFormat: json
              prometheus: true
              readyWithin: 00:10:00
              otlp:
                endpoint: http://127.0.0.1:4318
                protocol: httpProtobuf
            """);

        Assert.Equal(LogFormat.Json, o.Telemetry.LogFormat);
        Assert.True(o.Telemetry.Prometheus);
        Assert.Equal(TimeSpan.FromMinutes(10), o.Telemetry.ReadyWithinOr(o.Sync.Interval));
        Assert.Equal(new Uri("http://127.0.0.1:4318"), o.Telemetry.Otlp.Endpoint);
        Assert.Equal(OtlpTransport.HttpProtobuf, o.Telemetry.Otlp.Protocol);
    }

    [Fact]
    public void Parse_NoTelemetrySection_TextLogsNoExportReadyWithinThreeIntervals()
    {
        var o = Parse(Valid);

        Assert.Equal(LogFormat.Text, o.Telemetry.LogFormat);
        Assert.False(o.Telemetry.Prometheus);
        Assert.Null(o.Telemetry.Otlp.Endpoint);
        Assert.Equal(TimeSpan.FromMinutes(3), o.Telemetry.ReadyWithinOr(o.Sync.Interval));
    }

    [Fact]
    public void Parse_BadTelemetrySettings_NameFileLineAndColumnOfEach()
    {
        var message = Error(Valid + """

            telemetry:
              readyWithin: 00:00:30
              otlp:
                endpoint: ftp://collector.contoso.example
            """);

        Assert.Contains("rulesync.yaml:26:3: error: telemetry:readyWithin: 00:00:30 is shorter than sync:interval (00:01:00)", message, StringComparison.Ordinal);
        Assert.Contains("rulesync.yaml:28:5: error: telemetry:otlp:endpoint: 'ftp://collector.contoso.example/' is not an http(s) URL", message, StringComparison.Ordinal);
        Assert.Contains(
            "rulesync.yaml:26:3: error: telemetry:logFormat: 'xml' is not a valid value",
            Error(Valid + "\ntelemetry:\n  logFormat: xml\n"),
            StringComparison.Ordinal);
        Assert.StartsWith(
            "rulesync.yaml:26:3: error: unknown setting 'jaeger' under 'telemetry'",
            Error(Valid + "\ntelemetry:\n  jaeger: true\n"),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoDataFolder_StateLivesInTheDataFolderBesideTheConfigNotTheCurrentDirectory()
    {
        var o = Parse(Valid.Replace("stateFile: state/rulesync.db\n", string.Empty, StringComparison.Ordinal));

        Assert.Equal(Path.GetFullPath(Path.Combine(files.Folder, "rulesync-data/rulesync.db")), o.StatePath);
        Assert.NotEqual(Directory.GetCurrentDirectory(), Path.GetDirectoryName(o.StatePath));
    }

    [Fact]
    public void Parse_DataFolder_HoldsTheStateFile()
    {
        var o = Parse(Valid.Replace("stateFile: state/rulesync.db", "dataFolder: /var/lib/rulesync", StringComparison.Ordinal));

        Assert.Equal(Path.GetFullPath("/var/lib/rulesync/rulesync.db"), o.StatePath);
    }

    [Fact]
    public void Parse_SecretsInEnvironment_WinOverTheFileAndStayOutOfToString()
    {
        var o = Parse(Valid + "\n" + "dashboard:\n  operatorToken: from-file\n", new Dictionary<string, string>
        {
            ["RULESYNC_CRM_PASSWORD"] = "s3cret-crm",
            [RunnerOptions.OperatorTokenVariable] = "from-env",
        });

        Assert.Equal("s3cret-crm", o.Crm.Password);
        Assert.Equal("from-env", o.Dashboard.OperatorToken);
        Assert.DoesNotContain("s3cret-crm", o.Crm.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKey_ReportsItsLineAndColumn()
    {
        var message = Error(Valid.Replace("  autoShare: false", "  autoshar: false", StringComparison.Ordinal));

        Assert.StartsWith("rulesync.yaml:6:3: error: unknown setting 'autoshar' under 'sync'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValueOfWrongType_ReportsTheKeyWithItsLocation()
    {
        var message = Error(Valid.Replace("interval: 00:01:00", "interval: soon", StringComparison.Ordinal));

        Assert.Contains("rulesync.yaml:5:3: error: sync:interval: 'soon' is not a valid value", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OutOfRangeAndDuplicateMailbox_ReportsEachAtItsLine()
    {
        var text = Valid.Replace("maxDestructivePerMailbox: 3", "maxDestructivePerMailbox: -1", StringComparison.Ordinal)
            .Replace("carol@contoso.example", "ALICE@contoso.example", StringComparison.Ordinal);

        var message = Error(text);

        Assert.Contains("rulesync.yaml:24:3: error: guards:maxDestructivePerMailbox:", message, StringComparison.Ordinal);
        Assert.Contains("rulesync.yaml:21:5: error: mailboxes:1:id: mailbox 'ALICE@contoso.example' is configured twice", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingCrmAndNoMailboxes_ListsBoth()
    {
        var message = Error("tenant: t\n");

        Assert.Contains("error: mailboxes: at least one mailbox must be configured", message, StringComparison.Ordinal);
        Assert.Contains("error: crm:serviceRoot: the CRM's OData service root", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExchangeWithoutCredentials_IsRefused()
    {
        // Every endpoint needs credentials now, the emulators included.
        var message = Error(Valid.Replace("  certificatePath: app.pem\n", string.Empty, StringComparison.Ordinal));

        Assert.Contains("graph: Exchange mailboxes need graph tenantId, clientId", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DashboardBeyondLoopbackWithoutToken_IsRefused()
    {
        var message = Error(Valid + "\ndashboard:\n  bind: 0.0.0.0:8080\n");

        Assert.Contains("dashboard:bind: binding 0.0.0.0:8080 beyond loopback needs an operator token", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedYaml_ReportsTheParserPosition()
    {
        var message = Error("tenant: [unclosed\nrules: x\n");

        Assert.Matches(@"^rulesync\.yaml:\d+:\d+: error: malformed YAML", message);
    }

    [Fact]
    public void Parse_MapWhereAValueBelongs_IsRefused()
    {
        var message = Error(Valid.Replace("tenant: contoso", "tenant:\n  name: contoso", StringComparison.Ordinal));

        Assert.Contains("rulesync.yaml:1:1: error: 'tenant' takes a single value, not a map", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_IsInvalidInput()
    {
        var message = Assert.Throws<InputFileException>(() => RunnerConfigurationLoader.Load("/nonexistent/rulesync.yaml")).Message;

        Assert.Equal("/nonexistent/rulesync.yaml: error: config file not found", message);
    }

    [Fact]
    public void Load_ShippedExample_IsValidWithSecretsFromTheEnvironment()
    {
        var env = new Dictionary<string, string>
        {
            ["RULESYNC_GRAPH_CLIENT_SECRET"] = "secret",
            ["RULESYNC_CRM_PASSWORD"] = "pw",
            ["RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON"] = ServiceAccountKey(),
        };

        var o = RunnerConfigurationLoader.Load(Path.Combine(RepoPaths.Root, "rulesync.example.yaml"), name => env.GetValueOrDefault(name));

        Assert.Equal("contoso", o.Tenant);
        Assert.Equal(2, o.Mailboxes.Count);
        Assert.Equal(new Uri("https://hooks.contoso.example/rulesync"), o.Notifications.WebhookUrl);
    }

    [Fact]
    public void Load_ShippedExampleWithoutItsKeyFile_NamesTheMissingFile()
    {
        var env = new Dictionary<string, string> { ["RULESYNC_GRAPH_CLIENT_SECRET"] = "secret" };

        var e = Assert.Throws<InputFileException>(() => RunnerConfigurationLoader.Load(Path.Combine(RepoPaths.Root, "rulesync.example.yaml"), name => env.GetValueOrDefault(name)));

        Assert.Equal("/etc/rulesync/google-service-account.json: error: service account key file not found", e.Message);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("not json at all")]
    [InlineData("{\"type\": \"service_account\", \"client_email\": \"a@b.example\", \"private_key\": \"not-a-key\"}")]
    public void Parse_MalformedServiceAccountKey_IsAConfigErrorThatNeverQuotesIt(string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(Valid.Replace("baseUri: http://127.0.0.1:5000/calendar/v3/", "baseUri: https://calendar.example/calendar/v3/", StringComparison.Ordinal), new Dictionary<string, string>
        {
            ["RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON"] = key,
        }));

        Assert.StartsWith("rulesync.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON", e.Message, StringComparison.Ordinal);
        Assert.Contains("is not usable", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValidServiceAccountKey_IsAccepted()
    {
        var o = Parse(Valid, new Dictionary<string, string> { ["RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON"] = ServiceAccountKey() });
        Assert.NotNull(o.Google.ServiceAccountKeyJson);
    }

    /// <summary>A well-formed service-account key with a fresh RSA key (never used to sign anything).</summary>
    internal static string ServiceAccountKey()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        return System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "rulesync-test",
            ["private_key_id"] = "k1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "rulesync@rulesync-test.iam.gserviceaccount.com",
            ["client_id"] = "1",
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        });
    }
}
