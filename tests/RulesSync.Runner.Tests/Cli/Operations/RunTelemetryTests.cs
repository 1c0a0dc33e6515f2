using System.Diagnostics;
using System.Text.Json;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cli.Operations;

/// <summary><c>rulesync run --once</c> with <c>telemetry: logFormat: json</c>, as a process against the emulators (real clock).</summary>
public sealed class RunTelemetryTests
{
    private static readonly string Cli = Path.Combine(Path.GetDirectoryName(typeof(RulesSync.Runner.Cli.RulesyncCli).Assembly.Location)!, "rulesync.dll");

    [Fact]
    public async Task Run_JsonLogFormat_OneObjectPerLineWithCycleMailboxAndMeetingScopes()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var options = new RunnerOptions
        {
            Tenant = "contoso",
            DataFolder = ".",
            StateFile = "state.db",
            Sync = new SyncScheduleOptions { AutoShare = true, MaxParallelMailboxes = 1 },
            Mailboxes = [new() { Id = ConnectorTestHost.Alice, Provider = Provider.Exchange }, new() { Id = ConnectorTestHost.Bob, Provider = Provider.Exchange }],
            Breaker = new BreakerOptions { RetryAttempts = 0 },
            Telemetry = new TelemetryOptions { LogFormat = LogFormat.Json },
        }.UseEmulators(host, ApiVersion.V2, ConnectorTestHost.Domain, new RetryOptions { MaxAttempts = 3, Jitter = 0 });
        var config = files.Write("rulesync.yaml", RunnerConfigurationWriter.Write(options, ["rulesync run with JSON logs (a test)"]));
        var start = TimeProvider.System.GetUtcNow().AddDays(1);
        var meeting = host.Organization.ScheduleMeeting(
            ConnectorTestHost.Alice, new MeetingDraft("Quarterly review", start, start.AddHours(1), [ConnectorTestHost.Bob, ConnectorTestHost.External]));

        // Alice's sync shares her meeting with the CRM; the first create is throttled, so the connector logs its retry
        // inside the decision about that meeting.
        host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "crm.v2.AppointmentCollection.create" });
        var (exit, stdout, stderr) = await RunAsync(config);

        Assert.True(exit == 0, stdout + stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var logs = lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(lines.Length - 1, logs.Count); // the one line that is not a log entry: --once's summary
        Assert.StartsWith("2 synced, 0 skipped, 0 failed", lines[^1], StringComparison.Ordinal);
        Assert.All(logs, l => Assert.True(l.TryGetProperty("LogLevel", out _) && l.TryGetProperty("Category", out _) && l.TryGetProperty("Message", out _)));

        var retry = Assert.Single(logs, l => l.GetProperty("EventId").GetInt32() == 1001);
        var scopes = retry.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Equal(1, Assert.Single(scopes, s => s.TryGetProperty("Cycle", out _)).GetProperty("Cycle").GetInt64());
        Assert.Equal(ConnectorTestHost.Alice, Assert.Single(scopes, s => s.TryGetProperty("Mailbox", out _)).GetProperty("Mailbox").GetString());
        Assert.Contains(meeting.ICalUid, Assert.Single(scopes, s => s.TryGetProperty("Meeting", out _)).GetProperty("Meeting").GetString(), StringComparison.Ordinal);

        // The summary of the cycle is logged outside the cycle's scope; nothing printed carries a secret.
        Assert.Contains(logs, l => l.GetProperty("EventId").GetInt32() == 2010 && l.GetProperty("Scopes").GetArrayLength() == 0);
        Assert.DoesNotContain(options.Graph.ClientSecret!, stdout + stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(string config)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli, "run", "--config", config, "--once" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("RULESYNC_CRASH_AT");
        start.Environment.Remove("RULESYNC_CRASH_LOG");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // A guard against a hung process, not a time limit (a loaded machine stretches a cycle).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
