using RulesSync.Emulators.Faults;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Cli.Operations;

/// <summary><c>rulesync status</c> and the dashboard's read model while the CRM is down, and after it is back.</summary>
public sealed class StatusCommandTests
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;

    [Fact]
    public async Task Status_CrmUnreachable_SaysSoPerTenantAndMailboxAndExitsOne()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        Assert.Null((await h.CycleAsync()).Error);
        Assert.Equal(0, CliRun.Of("status", "--state", h.Options.StatePath).ExitCode);
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "crm.*", Times = null });

        await h.CycleAsync();
        h.Advance(TimeSpan.FromMinutes(5));
        await h.CycleAsync();
        var status = CliRun.Of("status", "--state", h.Options.StatePath);
        var console = new StoreOperatorConsole(h.Store, h.T.Time);
        var overview = await console.OverviewAsync(CancellationToken.None);
        var mailboxes = await console.MailboxesAsync(CancellationToken.None);

        Assert.Equal(1, status.ExitCode);
        Assert.Contains("CRM: UNREACHABLE since", status.Out, StringComparison.Ordinal);
        Assert.Contains("2 cycle(s) skipped", status.Out, StringComparison.Ordinal);
        Assert.Equal(2, status.Out.Split('\n').Count(l => l.Contains(" waiting ", StringComparison.Ordinal) && l.Contains("the CRM is unreachable", StringComparison.Ordinal)));
        Assert.Equal(2, overview.CrmOutage!.FailedPolls);
        Assert.All(mailboxes, m =>
        {
            Assert.Equal(MailboxState.Failing, m.State);
            Assert.Contains("the CRM is unreachable", m.LastError, StringComparison.Ordinal);
        });

        h.T.Host.Faults.Clear();
        Assert.Null((await h.CycleAsync()).Error);
        var after = CliRun.Of("status", "--state", h.Options.StatePath);

        Assert.Equal(0, after.ExitCode);
        Assert.Contains("CRM: reachable", after.Out, StringComparison.Ordinal);
        Assert.Null((await console.OverviewAsync(CancellationToken.None)).CrmOutage);
        Assert.All(await console.MailboxesAsync(CancellationToken.None), m => Assert.Equal(MailboxState.Syncing, m.State));
    }

    [Fact]
    public async Task Status_ProviderOutage_ShowsTheFailingMailboxAndExitsOne()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "graph.calendarView.delta", Mailbox = Alice, Times = null });

        await h.CycleAsync();
        var status = CliRun.Of("status", "--state", h.Options.StatePath);

        Assert.Equal(1, status.ExitCode);
        Assert.Contains("CRM: reachable", status.Out, StringComparison.Ordinal);
        var alice = Assert.Single(status.Out.Split('\n'), l => l.StartsWith(Alice, StringComparison.Ordinal));
        Assert.Contains(" failing ", alice, StringComparison.Ordinal);
        Assert.Contains("Microsoft Graph answered 503", alice, StringComparison.Ordinal);
        Assert.Contains(" active ", Assert.Single(status.Out.Split('\n'), l => l.StartsWith(Bob, StringComparison.Ordinal)), StringComparison.Ordinal);
    }
}
