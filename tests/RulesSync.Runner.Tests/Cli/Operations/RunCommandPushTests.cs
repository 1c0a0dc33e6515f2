using RulesSync.Emulators.Crm;
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
/// <c>rulesync run</c> as a child process with <c>push:</c> on, hosting its webhook receiver, against the emulators in
/// this process (the test pumps their notification outbox, as the providers' delivery would). Stopped by PID.
/// </summary>
public sealed class RunCommandPushTests
{
    [Fact]
    public async Task Run_PushOn_ChangeReachesTheCrmThroughANotificationLongBeforeThePoll()
    {
        using var files = new TempFiles();
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        var options = new RunnerOptions
        {
            Tenant = "contoso",
            Rules = "embedded:default",
            BaseDirectory = files.Folder,
            Sync = new SyncScheduleOptions { AutoShare = true, Interval = TimeSpan.FromMinutes(5) },
            Mailboxes =
            [
                new MailboxOptions { Id = ConnectorTestHost.Alice, Provider = Provider.Exchange },
                new MailboxOptions { Id = ConnectorTestHost.Carol, Provider = Provider.Google },
            ],
            Dashboard = new DashboardOptions { Bind = "127.0.0.1:0" },
            Push = new PushOptions { Enabled = true, Bind = "127.0.0.1:0", PublicUrl = new Uri("http://127.0.0.1:0/push"), Debounce = TimeSpan.FromSeconds(1) },
        }.UseEmulators(host, ApiVersion.V2, "contoso.example", new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) });
        var config = files.Write("rulesync.yaml", RunnerConfigurationWriter.Write(options, ["push end to end"]));

        await using var run = RulesyncProcess.Start(files.Folder, "run", "--config", config);
        await run.LineAsync(l => l.Contains("push receiver on http://127.0.0.1:", StringComparison.Ordinal));
        await run.LineAsync(l => l.Contains($"push: {ConnectorTestHost.Alice} subscribed", StringComparison.Ordinal));
        await run.LineAsync(l => l.Contains($"push: {ConnectorTestHost.Carol} subscribed", StringComparison.Ordinal));
        await run.LineAsync(l => l.Contains("cycle: ", StringComparison.Ordinal));
        Assert.Single(host.GraphSubscriptionIds);
        Assert.Single(host.GoogleChannelIds);

        // A change in Alice's mailbox; Graph's notification goes out; the runner syncs Alice alone, debounced 1 s.
        var start = DateTimeOffset.UtcNow.Date.AddDays(3).AddHours(10);
        host.Organization.ScheduleMeeting(ConnectorTestHost.Alice, new MeetingDraft("Pushed end to end", start, start.AddHours(1), [ConnectorTestHost.External]));
        run.SkipPrinted();
        Assert.True(await host.Push.DeliverDueAsync() >= 1);
        Assert.Contains(host.Push.Deliveries, d => d.Url.AbsolutePath.EndsWith("/push/graph", StringComparison.Ordinal) && d.Status == 202);

        // Within the line timeout (90 s), far below the 5-minute poll: only the notification can have caused it.
        while (!host.Crm.All(CrmActivityKind.Appointment).Any(a => a.Subject == "Pushed end to end"))
        {
            await run.LineAsync(l => l.Contains("cycle: 1 synced", StringComparison.Ordinal));
        }

        Assert.Single(host.Crm.All(CrmActivityKind.Appointment), a => a.Subject == "Pushed end to end");
        Assert.Equal(0, await run.TerminateAsync());

        // Kept for the next start: the state file lists both subscriptions, as hashes.
        using var store = RulesSync.Runner.State.StateStore.Open(options.StatePath, create: false);
        Assert.Equal(2, store.PushSubscriptions().Count);
    }
}
