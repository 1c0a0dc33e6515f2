using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>The page in headless Chromium against a real <c>DashboardServer</c> over the seeded tenant.</summary>
[Collection(SharedChromium.Name)]
public class DashboardPageTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task ResumeSynchronization_AutoSuspendedMailbox_BecomesSyncingThenSyncs()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        var row = MailboxRow(page, DashboardTenant.AutoSuspended);
        await Expect(row.GetByTestId("mailbox-state")).ToHaveTextAsync("suspended");
        await Expect(row).ToContainTextAsync("automatically, by circuit breaker 1 h ago: 5 consecutive failed syncs");
        await Expect(row.GetByTestId("mailbox-error")).ToContainTextAsync("client secret expired");

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume Synchronization" }).ClickAsync();
        await ConfirmAsync(page, name: "Ana (ops)", token: DashboardHost.Token);

        await Expect(page.GetByTestId("message")).ToHaveTextAsync($"Mailbox {DashboardTenant.AutoSuspended} resumed.");
        await Expect(row.GetByTestId("mailbox-state")).ToHaveTextAsync("syncing");
        await Expect(row.GetByTestId("mailbox-last-sync")).ToHaveTextAsync("2 h ago");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Suspend" })).ToBeVisibleAsync();

        // The runner's next sync completes on its clock; the page shows it on its next read.
        host.Clock.Advance(InMemoryOperatorConsole.SyncDuration);
        await page.GetByTestId("refresh").ClickAsync();
        await Expect(row.GetByTestId("mailbox-last-sync")).ToHaveTextAsync("just now");
        await Expect(row.GetByTestId("mailbox-error")).ToHaveTextAsync("—");
        Assert.Equal([$"resume {DashboardTenant.AutoSuspended} by Ana (ops)"], host.Tenant.Actions);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Approve_HeldCancellation_LeavesTheList()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        var held = page.Locator($"tr[data-held='{DashboardTenant.HeldCancellation}']");
        await Expect(page.GetByTestId("held-row")).ToHaveCountAsync(3);
        await Expect(held).ToContainTextAsync("Quarterly review with Fabrikam");
        await Expect(held).ToContainTextAsync("organizer-missing-on-v2-cancels-crm");
        await Expect(held).ToContainTextAsync("cancel");

        await held.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Cancel the CRM appointment and notify 4 attendees (2 at Fabrikam) (rule organizer-missing-on-v2-cancels-crm).");
        await ConfirmAsync(page, name: "Ana (ops)", token: DashboardHost.Token);

        await Expect(held).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("held-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("held-count")).ToHaveTextAsync("(2)");
        await Expect(page.GetByTestId("message")).ToHaveTextAsync($"Held effect {DashboardTenant.HeldCancellation} approved.");
        Assert.Equal([$"approve {DashboardTenant.HeldCancellation} by Ana (ops)"], host.Tenant.Actions);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Suspend_WithoutToken_RefusedAndPageSaysSo()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        var row = MailboxRow(page, DashboardTenant.Healthy);

        await row.GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        await page.GetByLabel("Reason").FillAsync("user reports duplicates");
        await ConfirmAsync(page, name: "Ana (ops)", token: null);

        await Expect(page.GetByTestId("message")).ToHaveTextAsync("Refused: this action needs the operator token.");
        await Expect(page.GetByTestId("message")).ToHaveAttributeAsync("data-kind", "refused");
        await Expect(row.GetByTestId("mailbox-state")).ToHaveTextAsync("syncing");
        Assert.Empty(host.Tenant.Actions);
        Assert.DoesNotContain(tab.Errors, e => !e.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_AskedOnceThenKept_WrongTokenAskedAgain()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        await page.Locator($"tr[data-held='{DashboardTenant.HeldDeletion}']").GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await ConfirmAsync(page, name: "Ana (ops)", token: "not-the-token");
        await Expect(page.GetByTestId("message")).ToHaveTextAsync("Refused: the operator token is wrong.");

        await page.Locator($"tr[data-held='{DashboardTenant.HeldDeletion}']").GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(page.GetByLabel("Operator token")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Your name")).ToHaveValueAsync("Ana (ops)");
        await ConfirmAsync(page, name: null, token: DashboardHost.Token);
        await Expect(page.GetByTestId("message")).ToHaveTextAsync($"Held effect {DashboardTenant.HeldDeletion} discarded.");

        await page.Locator($"tr[data-held='{DashboardTenant.HeldSecondCancellation}']").GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(page.GetByLabel("Operator token")).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Acting as Ana (ops)");
        await page.GetByTestId("action-confirm").ClickAsync();
        await Expect(page.GetByTestId("message")).ToHaveTextAsync($"Held effect {DashboardTenant.HeldSecondCancellation} discarded.");
        Assert.Equal([$"discard {DashboardTenant.HeldDeletion} by Ana (ops)", $"discard {DashboardTenant.HeldSecondCancellation} by Ana (ops)"], host.Tenant.Actions);
    }

    [Fact]
    public async Task SuspendAll_KillSwitchOnEveryMailboxSuspended_ResumeAllReleases()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await Expect(page.GetByTestId("kill-switch")).ToHaveTextAsync("off");

        await page.GetByTestId("suspend-all").ClickAsync();
        await page.GetByLabel("Reason").FillAsync("spurious cancellations reported");
        await ConfirmAsync(page, name: "Ana (ops)", token: DashboardHost.Token);

        await Expect(page.GetByTestId("kill-switch")).ToHaveTextAsync("ON: every mailbox suspended by Ana (ops) just now: spurious cancellations reported");
        await Expect(page.Locator("tr[data-testid=mailbox-row][data-state=suspended]")).ToHaveCountAsync(8);

        await page.GetByTestId("resume-all").ClickAsync();
        await page.GetByTestId("action-confirm").ClickAsync();
        await Expect(page.GetByTestId("kill-switch")).ToHaveTextAsync("off");
        await Expect(page.Locator("tr[data-testid=mailbox-row][data-state=suspended]")).ToHaveCountAsync(2);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task ReadOnly_BannerShownAndActionsDisabled()
    {
        await using var host = await DashboardHost.StartAsync(token: null);
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        await Expect(page.GetByTestId("mode")).ToHaveTextAsync("Read-only: this runner has no operator token configured, so it refuses every action.");
        await Expect(page.GetByTestId("suspend-all")).ToBeDisabledAsync();
        await Expect(MailboxRow(page, DashboardTenant.AutoSuspended).GetByRole(AriaRole.Button, new() { Name = "Resume Synchronization" })).ToBeDisabledAsync();
        await Expect(page.GetByTestId("approve").First).ToBeDisabledAsync();
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Header_RuleSetReloadErrorAndShadow()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        await Expect(page.GetByTestId("ruleset-hash")).ToHaveTextAsync(DashboardTenant.ActiveHash[..12]);
        await Expect(page.GetByTestId("ruleset-loaded")).ToHaveTextAsync("2026-03-01 13:30 UTC (20 h ago)");
        await Expect(page.GetByTestId("reload-error")).ToContainTextAsync("unknown fact 'organiser'");
        await Expect(page.GetByTestId("shadow-hash")).ToHaveTextAsync(DashboardTenant.ShadowHash[..12]);
        await Expect(page.GetByTestId("shadow-row")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("as-of")).ToHaveTextAsync("2026-03-02 09:30 UTC");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Filter_SearchAndState_NarrowTheTable()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        var rows = page.GetByTestId("mailbox-row");
        await Expect(rows).ToHaveCountAsync(8);

        await page.GetByLabel("Search").FillAsync("google");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("mailbox-count")).ToHaveTextAsync("3 of 8");

        await page.GetByLabel("Search").FillAsync("secret");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToHaveAttributeAsync("data-mailbox", DashboardTenant.AutoSuspended);

        await page.GetByLabel("Search").FillAsync(string.Empty);
        await page.GetByLabel("State").SelectOptionAsync("suspended");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("latency-row")).ToHaveCountAsync(2);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task MeetingHistory_ClickHeldMeetingOrEnterUid_ShowsDecisions()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        await page.Locator($"tr[data-held='{DashboardTenant.HeldCancellation}']").GetByTestId("meeting-link").ClickAsync();

        var history = page.GetByTestId("history-row");
        await Expect(history).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("history-summary")).ToHaveTextAsync($"3 decisions about {DashboardTenant.QuarterlyReviewUid}, oldest first.");
        await Expect(history.Nth(0)).ToContainTextAsync("ben.okafor@contoso.example");
        await Expect(history.Nth(0)).ToContainTextAsync("role=attendee");
        await Expect(history.Nth(2)).ToContainTextAsync("organizer's event missing from a full listing");
        await Expect(history.Nth(2)).ToContainTextAsync("held");

        await page.GetByLabel("Meeting UID").FillAsync("unknown-meeting@contoso.example");
        await page.GetByTestId("history-show").ClickAsync();
        await Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("The journal has no decision about unknown-meeting@contoso.example.");
        await Expect(history).ToHaveCountAsync(0);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Charts_DecisionBarsPerBucketAndLatencyPerMailbox()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        await Expect(page.GetByTestId("decision-bar")).ToHaveCountAsync(24);
        var last = page.GetByTestId("decision-bar").Last;
        await Expect(last.Locator("rect[data-kind=held]")).ToHaveAttributeAsync("data-count", "14");
        await Expect(page.Locator("#decisions-legend li")).ToHaveCountAsync(6);
        await Expect(page.GetByTestId("latency-row")).ToHaveCountAsync(8);
        await Expect(page.Locator($"g[data-testid=latency-row][data-mailbox='{DashboardTenant.AutoSuspended}']")).ToContainTextAsync("median 8.0 s, slowest 8.0 s over 5 cycles");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Page_Axe_NoSeriousAccessibilityViolations()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);

        var results = await tab.Page.RunAxe();

        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} ({v.Nodes.Length} nodes)").ToList();
        Assert.Empty(serious);
    }

    /// <summary>
    /// The page as an operator sees it, with the seeded tenant. Always rendered (so it cannot rot); written to
    /// the path in RULESYNC_DASHBOARD_SCREENSHOT when set (scripts/dashboard-screenshot: docs/dashboard.png).
    /// </summary>
    [Fact]
    public async Task Screenshot_SeededTenant_RendersPng()
    {
        await using var host = await DashboardHost.StartAsync();
        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        await Expect(tab.Page.GetByTestId("decision-bar")).ToHaveCountAsync(24);
        await tab.Page.Locator($"tr[data-held='{DashboardTenant.HeldCancellation}']").GetByTestId("meeting-link").ClickAsync();
        await Expect(tab.Page.GetByTestId("history-row")).ToHaveCountAsync(3);

        var png = await tab.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var target = Environment.GetEnvironmentVariable("RULESYNC_DASHBOARD_SCREENSHOT");
        if (!string.IsNullOrEmpty(target))
        {
            await File.WriteAllBytesAsync(target, png);
        }

        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Held_OccurrencesOfASeries_ListedUnderTheirSeriesByOriginalStart()
    {
        await using var host = await DashboardHost.StartAsync();
        var now = DashboardTenant.Now;
        const string series = "040000008200E00074C5B7101A82E008000000001234/weekly@contoso.example";
        foreach (var (id, week) in new[] { ("held-occ-3", 3), ("held-occ-1", 1) })
        {
            var original = now.Date.AddDays(7 * week).AddHours(9);
            var key = new Engine.Recurrence.OccurrenceId(new(series), new DateTimeOffset(original, TimeSpan.Zero), false).ToString();
            host.Tenant.Add(new RulesSync.Runner.Tenant.HeldEffectView(id, DashboardTenant.Organizer, key, "Weekly pipeline review", "series-removal-cancels-future-occurrence-records",
                Engine.Decisions.DecisionAction.Cancel, "Cancel the CRM appointment of this occurrence", now.AddMinutes(-5), "limit", now.AddDays(7 * week), DashboardTenant.Organizer).WithSeries());
        }

        await using var tab = await chromium.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        var group = page.GetByTestId("series-group");
        await Expect(group).ToHaveCountAsync(1);
        await Expect(group).ToHaveAttributeAsync("data-series", series);
        await Expect(group).ToContainTextAsync("Series \"Weekly pipeline review\": 2 occurrences held");
        await Expect(page.GetByTestId("held-row")).ToHaveCountAsync(5);
        var occurrences = page.Locator($"tr[data-testid=held-row][data-series='{series}']");
        await Expect(occurrences).ToHaveCountAsync(2);
        Assert.Equal(["held-occ-1", "held-occ-3"], await occurrences.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.held)"));
        Assert.Equal(["held-occ-1", "held-occ-3"], await page.Locator("#held tbody tr").EvaluateAllAsync<string[]>("rows => rows.filter(r => r.previousElementSibling && (r.previousElementSibling.dataset.testid === 'series-group' || r.previousElementSibling.dataset.series)).map(r => r.dataset.held)"));
        await Expect(occurrences.First.GetByTestId("held-occurrence")).ToContainTextAsync("occurrence of ");
        Assert.Empty(tab.Errors);
    }

    private static ILocator MailboxRow(IPage page, string id) => page.Locator($"tr[data-testid=mailbox-row][data-mailbox='{id}']");

    /// <summary>Fills the action dialog (name, token where given) and confirms it.</summary>
    internal static async Task ConfirmAsync(IPage page, string? name, string? token)
    {
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        if (name is not null)
        {
            await dialog.GetByLabel("Your name").FillAsync(name);
        }

        if (token is not null)
        {
            await dialog.GetByLabel("Operator token").FillAsync(token);
        }

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
    }
}
