using Microsoft.Playwright;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;
using static Microsoft.Playwright.Assertions;
using RulesSync.Runner.Tenant;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>
/// The page in headless Chromium over the live runner's own state file, the runner syncing real (emulated) mailboxes
/// through the real SDKs: what an operator does in the incident — read the error, press "Resume Synchronization",
/// approve a held cancellation — with the runner's next cycle carrying it out.
/// </summary>
[Collection(SharedChromium.Name)]
public class DashboardLiveRunnerTests(ChromiumFixture chromium)
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;

    [Fact]
    public async Task ResumeSynchronization_MailboxTheBreakerSuspended_SyncsAgainAtTheNextCycle()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        h.T.Host.Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Route = "graph.calendarView.delta", Mailbox = Alice, Times = null });
        h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Blocked while suspended", 1, Bob));
        for (var i = 0; i < 4; i++)
        {
            await h.CycleAsync();
            h.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(RulesSync.Runner.State.MailboxStatus.Suspended, h.Store.Mailbox(Alice)!.Status);
        h.T.Host.Faults.Clear();
        await using var server = await DashboardServer.StartAsync(
            new StoreOperatorConsole(h.Store, h.T.Time), new DashboardOptions { Bind = "127.0.0.1:0", OperatorToken = DashboardHost.Token }, h.T.Time, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await using var tab = await chromium.OpenAsync(server.Addresses.Single());
        var page = tab.Page;
        var row = page.Locator($"tr[data-testid=mailbox-row][data-mailbox='{Alice}']");
        await Expect(row.GetByTestId("mailbox-state")).ToHaveTextAsync("suspended");
        await Expect(row.GetByTestId("mailbox-error")).ToContainTextAsync("could not be read");

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume Synchronization" }).ClickAsync();
        await DashboardPageTests.ConfirmAsync(page, "Ana (ops)", DashboardHost.Token);
        await Expect(row.GetByTestId("mailbox-state")).ToHaveTextAsync("syncing");

        var report = await h.CycleAsync();
        await page.GetByTestId("refresh").ClickAsync();

        Assert.Equal(0, report.Failed);
        await Expect(row.GetByTestId("mailbox-last-sync")).ToHaveTextAsync("just now");
        Assert.Contains(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment), a => a.Subject == "Blocked while suspended");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Approve_CancellationTheGuardHeld_IsCarriedOutByTheNextCycle()
    {
        await using var h = await RunnerTestHost.StartAsync(
            "embedded:regressions/2020-02-ordering", ApiVersion.V2, autoShare: true, mailboxes: [Bob, Alice], configure: o => o.Guards.MaxDestructivePerMailbox = 0);
        var meeting = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Quarterly review", 2, Bob));
        for (var i = 0; i < 3; i++)
        {
            await h.CycleAsync();
        }

        var console = new StoreOperatorConsole(h.Store, h.T.Time);
        var cancel = Assert.Single(await console.HeldEffectsAsync(CancellationToken.None), e => e.Decision == RulesSync.Engine.Decisions.DecisionAction.Cancel);
        Assert.DoesNotContain(h.T.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
        await using var server = await DashboardServer.StartAsync(
            console, new DashboardOptions { Bind = "127.0.0.1:0", OperatorToken = DashboardHost.Token }, h.T.Time, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await using var tab = await chromium.OpenAsync(server.Addresses.Single());
        var page = tab.Page;
        var held = page.Locator($"tr[data-held='{cancel.Id}']");
        await Expect(held).ToContainTextAsync("Quarterly review");
        await Expect(held).ToContainTextAsync("foreign-owner-retracts-stale-copy");

        await held.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await DashboardPageTests.ConfirmAsync(page, "Ana (ops)", DashboardHost.Token);
        await Expect(held).ToHaveCountAsync(0);

        var report = await h.CycleAsync();

        Assert.Equal(1, report.ApprovedApplied);
        Assert.Contains(h.T.Organization.Messages, m => m.Kind == MessageKind.Cancellation && m.ICalUid == meeting.ICalUid);
        Assert.Equal("Ana (ops)", h.Store.Effect(cancel.Id)!.ReviewedBy);
        Assert.Empty(tab.Errors);
    }
}
