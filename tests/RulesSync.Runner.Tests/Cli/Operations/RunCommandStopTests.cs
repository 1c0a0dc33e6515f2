using RulesSync.Emulators.Crm;
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

/// <summary>
/// <c>rulesync run</c> (no <c>--once</c>) as a child process against the emulators in this process, stopped with
/// SIGTERM as a service manager stops it: a clean stop exits 0 whatever its last cycle found, also when it lands in the
/// middle of a cycle, and nothing that cycle had not done is lost (the next run does it).
/// </summary>
public sealed class RunCommandStopTests
{
    [Fact]
    public async Task Run_SigtermInTheMiddleOfACycleAfterOneWithAFailedMailbox_ExitsZeroAndTheNextRunFinishesTheWork()
    {
        using var files = new TempFiles();
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        var options = new RunnerOptions
        {
            Tenant = "contoso",
            Rules = "embedded:default",
            BaseDirectory = files.Folder,
            Sync = new SyncScheduleOptions { AutoShare = true, Interval = TimeSpan.FromSeconds(1), MaxParallelMailboxes = 1 },
            Mailboxes =
            [
                new MailboxOptions { Id = ConnectorTestHost.Alice, Provider = Provider.Exchange },
                new MailboxOptions { Id = ConnectorTestHost.Bob, Provider = Provider.Exchange },
            ],
        }.UseEmulators(host, ApiVersion.V2, "contoso.example", new RetryOptions { MaxAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(200) });
        var config = files.Write("rulesync.yaml", RunnerConfigurationWriter.Write(options, ["stopped mid-cycle"]));

        // The first cycle: Bob's mailbox answers 503 to everything, so it ends with a failed mailbox (a finding).
        host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Mailbox = ConnectorTestHost.Bob, Times = null });
        await using var run = RulesyncProcess.Start(files.Folder, "run", "--config", config);
        await run.LineAsync(l => l.Contains("cycle: ", StringComparison.Ordinal) && l.Contains("1 failed", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        // A new meeting of Alice's, and her mailbox's next request held: the next cycle stops in the middle of her sync.
        var start = DateTimeOffset.UtcNow.Date.AddDays(3).AddHours(10);
        var meeting = host.Organization.ScheduleMeeting(ConnectorTestHost.Alice, new MeetingDraft("Stopped mid-cycle", start, start.AddHours(1), [ConnectorTestHost.Bob, ConnectorTestHost.External]));
        host.Faults.Clear();
        host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Mailbox = ConnectorTestHost.Alice, Times = 1, Delay = TimeSpan.FromMinutes(10) });
        await host.Faults.NextDelayedRequestAsync().WaitAsync(TimeSpan.FromMinutes(2));

        var exit = await run.TerminateAsync();
        Assert.True(exit == 0, $"exit {exit} after SIGTERM mid-cycle:{Environment.NewLine}{run.Output}");
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);

        // What the stopped cycle had not done, the next run does: one record for the meeting, one copy for Bob.
        host.Faults.Clear();
        var next = CliRun.Of("run", "--config", config, "--once");
        Assert.True(next.ExitCode == 0, next.Out + next.Error);
        Assert.Single(host.Crm.All(CrmActivityKind.Appointment), a => a.ICalUid == meeting.ICalUid);
        Assert.Equal(1, host.Organization.Calendar(ConnectorTestHost.Bob).Count(e => e.ICalUid == meeting.ICalUid));
    }
}
