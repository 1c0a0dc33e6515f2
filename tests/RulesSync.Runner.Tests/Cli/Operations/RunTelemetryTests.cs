using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Exporter;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Tests.Cli.Demo;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cli.Operations;

/// <summary><c>rulesync run --once</c> with <c>telemetry: logFormat: json</c>, as a process against the emulators (real clock).</summary>
public sealed class RunTelemetryTests
{
    [Fact]
    public async Task Run_JsonLogFormat_OneObjectPerLineWithCycleMailboxAndMeetingScopes()
    {
        await using var world = await World.StartAsync(new TelemetryOptions { LogFormat = LogFormat.Json });

        // Alice's sync shares her meeting with the CRM; the first create is throttled, so the connector logs its retry
        // inside the decision about that meeting.
        world.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "crm.v2.AppointmentCollection.create" });
        var (exit, stdout) = await RunAsync(world);

        Assert.True(exit == 0, stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var logs = lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(lines.Length - 1, logs.Count); // the one line that is not a log entry: --once's summary
        Assert.StartsWith("2 synced, 0 skipped, 0 failed", lines[^1], StringComparison.Ordinal);
        Assert.All(logs, l => Assert.True(l.TryGetProperty("LogLevel", out _) && l.TryGetProperty("Category", out _) && l.TryGetProperty("Message", out _)));

        var retry = Assert.Single(logs, l => l.GetProperty("EventId").GetInt32() == 1001);
        var scopes = retry.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Equal(1, Assert.Single(scopes, s => s.TryGetProperty("Cycle", out _)).GetProperty("Cycle").GetInt64());
        Assert.Equal(ConnectorTestHost.Alice, Assert.Single(scopes, s => s.TryGetProperty("Mailbox", out _)).GetProperty("Mailbox").GetString());
        Assert.Contains(world.Meeting.ICalUid, Assert.Single(scopes, s => s.TryGetProperty("Meeting", out _)).GetProperty("Meeting").GetString(), StringComparison.Ordinal);

        // The summary of the cycle is logged outside the cycle's scope; nothing printed carries a secret.
        Assert.Contains(logs, l => l.GetProperty("EventId").GetInt32() == 2010 && l.GetProperty("Scopes").GetArrayLength() == 0);
        Assert.DoesNotContain(world.Options.Graph.ClientSecret!, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OtlpOverHttp_ExportsTracesMetricsAndLogsWithoutSecrets()
    {
        await using var collector = await Collector.StartAsync();
        await using var world = await World.StartAsync(new TelemetryOptions
        {
            Otlp = new OtlpOptions { Endpoint = collector.Address, Protocol = OtlpTransport.HttpProtobuf },
        });

        var (exit, output) = await RunAsync(world);

        Assert.True(exit == 0, output);
        var received = collector.Received;
        Assert.Equal(["/v1/logs", "/v1/metrics", "/v1/traces"], received.Select(r => r.Path).Distinct().Order(StringComparer.Ordinal));
        var all = string.Concat(received.Select(r => System.Text.Encoding.UTF8.GetString(r.Body)));

        // Protobuf carries names as UTF-8: the spans, instruments and resource are in there as written.
        foreach (var name in new[] { "rulesync.cycle", "rulesync.mailbox.sync", "rulesync.decision", "rulesync.effect", "rulesync.decisions", "rulesync.requests", "rulesync.tenant", "contoso" })
        {
            Assert.Contains(name, all, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(world.Options.Graph.ClientSecret!, all, StringComparison.Ordinal);
        var key = JsonDocument.Parse(world.Options.Google.ServiceAccountKeyJson!).RootElement.GetProperty("private_key").GetString()!;
        Assert.DoesNotContain(key.Split('\n')[1], all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grpc", "http://127.0.0.1:4317", "http://127.0.0.1:4317/")]
    [InlineData("httpProtobuf", "http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces")]
    [InlineData("httpProtobuf", "https://otel.contoso.example/collector/", "https://otel.contoso.example/collector/v1/traces")]
    public void Otlp_ConfiguredEndpoint_GrpcAsIsHttpWithTheSignalsPath(string transport, string configured, string expected)
    {
        var protocol = Enum.Parse<OtlpTransport>(transport, ignoreCase: true);
        var options = new OtlpExporterOptions();

        Runner.Cli.Operations.RunTelemetry.Otlp(options, new Uri(configured), protocol, "v1/traces");

        Assert.Equal(new Uri(expected), options.Endpoint);
        Assert.Equal(protocol == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, options.Protocol);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(World world)
    {
        await using var run = RulesyncProcess.Start(world.Folder, "run", "--config", world.Config, "--once");
        var exit = await run.ExitAsync();
        return (exit, run.Output);
    }

    /// <summary>Emulators on the real clock, a config written for them in a temp folder, one meeting of Alice's with Bob and a customer.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly TempFiles files;

        private World(EmulatorHost host, TempFiles files, RunnerOptions options, string config, CalendarEntry meeting)
        {
            Host = host;
            this.files = files;
            Options = options;
            Config = config;
            Meeting = meeting;
        }

        public EmulatorHost Host { get; }

        public RunnerOptions Options { get; }

        public string Config { get; }

        public string Folder => files.Folder;

        public CalendarEntry Meeting { get; }

        public static async Task<World> StartAsync(TelemetryOptions telemetry)
        {
            var host = await EmulatorHost.StartAsync(new EmulatorOptions());
            var files = new TempFiles();
            var options = new RunnerOptions
            {
                Tenant = "contoso",
                DataFolder = ".",
                StateFile = "state.db",
                Sync = new SyncScheduleOptions { AutoShare = true, MaxParallelMailboxes = 1 },
                Mailboxes = [new() { Id = ConnectorTestHost.Alice, Provider = Provider.Exchange }, new() { Id = ConnectorTestHost.Bob, Provider = Provider.Exchange }],
                Breaker = new BreakerOptions { RetryAttempts = 0 },
                Telemetry = telemetry,
            }.UseEmulators(host, ApiVersion.V2, ConnectorTestHost.Domain, new RetryOptions { MaxAttempts = 3, Jitter = 0 });
            var config = files.Write("rulesync.yaml", RunnerConfigurationWriter.Write(options, ["rulesync run's telemetry (a test)"]));
            var start = TimeProvider.System.GetUtcNow().AddDays(1);
            var meeting = host.Organization.ScheduleMeeting(
                ConnectorTestHost.Alice, new MeetingDraft("Quarterly review", start, start.AddHours(1), [ConnectorTestHost.Bob, ConnectorTestHost.External]));
            return new World(host, files, options, config, meeting);
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            files.Dispose();
        }
    }

    /// <summary>An OTLP/HTTP collector on loopback (port 0) that keeps every request's path and body and answers 200.</summary>
    private sealed class Collector : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Path, byte[] Body)> received = new();

        private Collector(WebApplication app) => this.app = app;

        public Uri Address => new(app.Urls.Single());

        public IReadOnlyList<(string Path, byte[] Body)> Received => [.. received];

        public static async Task<Collector> StartAsync()
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var collector = new Collector(app);
            app.Run(async ctx =>
            {
                using var body = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(body);
                collector.received.Enqueue((ctx.Request.Path.Value ?? string.Empty, body.ToArray()));
                ctx.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync();
            return collector;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

}
