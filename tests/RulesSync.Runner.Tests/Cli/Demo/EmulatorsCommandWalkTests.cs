using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Tests.Dashboard;
using static Microsoft.Playwright.Assertions;
using RulesSync.Runner.Cli.Demo;

namespace RulesSync.Runner.Tests.Cli.Demo;

/// <summary>
/// <c>rulesync emulators</c> (runner/Cli/Demo/EmulatorsCommand.cs) as the start of the operator's first hour as docs/runner.md ("Try it on the emulators") walks it, end to end: <c>rulesync emulators</c>
/// and <c>rulesync run</c> as child processes, the operator commands through the CLI, the dashboard in headless Chromium.
/// </summary>
[Collection(SharedChromium.Name)]
public sealed partial class EmulatorsCommandWalkTests(ChromiumFixture chromium)
{
    private const string Bob = "bob@contoso.example";

    [Fact]
    public async Task OperatorWalk_EmulatorsRunDashboardHeldApproveSuspendResume_WorksEndToEnd()
    {
        using var files = new TempFiles();

        // 1. The emulators, seeded with the demo's organisation, and a ready rulesync.yaml (the regression rules, so the guard holds something).
        await using var emulators = RulesyncProcess.Start(files.Folder, "emulators", "--port", "0", "--folder", "emu", "--rules", DemoCommand.RegressionRules, "--dashboard-port", "0");
        await emulators.LineAsync(l => l == EmulatorsCommand.ReadyLine);
        var config = Path.Combine(files.Folder, "emu", "rulesync.yaml");
        Assert.Contains("wrote " + Path.Combine("emu", "rulesync.yaml"), emulators.Output, StringComparison.Ordinal);
        var token = OperatorToken().Match(File.ReadAllText(config)).Groups[1].Value;
        Assert.Equal(32, token.Length);

        // 2. One cycle from the CLI: the guard holds the regression set's cancellations; status and held say so, by meeting name.
        var once = CliRun.Of("run", "--config", config, "--once");
        Assert.Equal(1, once.ExitCode);
        Assert.Matches(@"4 synced, 0 skipped, 0 failed, \d+ decisions, [1-9]\d* held", once.Out);
        Assert.True(File.Exists(Path.Combine(files.Folder, "emu", "rulesync-data", "rulesync.db")), "the state lives in the data folder beside the config");
        var status = CliRun.Of("status", "--config", config);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("CRM: reachable", status.Out, StringComparison.Ordinal);
        var heldText = CliRun.Of("held", "--config", config);
        Assert.Contains("\"Account review ", heldText.Out, StringComparison.Ordinal);
        Assert.Contains("organizer alice@contoso.example", heldText.Out, StringComparison.Ordinal);
        var held = JsonNode.Parse(CliRun.Of("held", "--config", config, "--format", "json").Out)!["held"]!.AsArray();
        Assert.True(held.Count >= 3, heldText.Out);

        // 3. The runner with its dashboard.
        await using var run = RulesyncProcess.Start(files.Folder, "run", "--config", config);
        var started = await run.LineAsync(l => l.Contains("Operator dashboard on ", StringComparison.Ordinal));
        var address = new Uri(DashboardAddress().Match(started).Groups[1].Value);
        await using var tab = await chromium.OpenAsync(address);
        var page = tab.Page;

        // The chart draws: bars for shared and held decisions.
        await Expect(page.Locator("[data-testid=decision-bar] rect[data-kind=share]")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=decision-bar] rect[data-kind=held]")).Not.ToHaveCountAsync(0);

        // Held effects name the meeting by subject, time and organizer; its UID (the history) is one click away.
        var first = page.GetByTestId("held-row").First;
        await Expect(first.GetByTestId("meeting-link")).ToContainTextAsync("Account review ");
        await Expect(first.GetByTestId("held-meeting-when")).ToContainTextAsync("UTC, organizer alice@contoso.example");
        var uid = (await first.GetAttributeAsync("data-meeting"))!;
        await first.GetByTestId("meeting-link").ClickAsync();
        await Expect(page.GetByTestId("history-summary")).ToContainTextAsync(uid);

        // 4. Approve one held effect in the browser, another with the CLI; discard the rest with the CLI.
        var browserApproved = (await first.GetAttributeAsync("data-held"))!;
        await first.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await DashboardPageTests.ConfirmAsync(page, "Ana (ops)", token);
        await Expect(page.Locator($"tr[data-held='{browserApproved}']")).ToHaveCountAsync(0);
        var cliApproved = held.Select(h => h!["key"]!.GetValue<string>()).First(k => k != browserApproved);
        Assert.Equal(0, CliRun.Of("approve", "--effect", cliApproved, "--by", "Ben (ops)", "--config", config).ExitCode);
        Assert.Equal(0, CliRun.Of("discard", "--all", "--by", "Ben (ops)", "--config", config).ExitCode);
        Assert.Equal(0, CliRun.Of("held", "--config", config).ExitCode);

        // 5. Suspend a mailbox with the CLI; the dashboard shows it; resume it in the browser.
        Assert.Equal(0, CliRun.Of("suspend", "--mailbox", Bob, "--reason", "trying the walk", "--by", "Ben (ops)", "--config", config).ExitCode);
        await page.GetByTestId("refresh").ClickAsync();
        var bob = page.Locator($"tr[data-testid=mailbox-row][data-mailbox='{Bob}']");
        await Expect(bob.GetByTestId("mailbox-state")).ToHaveTextAsync("suspended");
        await Expect(bob).ToContainTextAsync("trying the walk");
        await bob.GetByRole(AriaRole.Button, new() { Name = "Resume Synchronization" }).ClickAsync();
        await DashboardPageTests.ConfirmAsync(page, name: null, token: null);
        await Expect(bob.GetByTestId("mailbox-state")).ToHaveTextAsync("syncing");

        // The running runner carries out what was approved: the second cycle from now started after the approvals.
        run.SkipPrinted();
        await run.LineAsync(l => l.Contains("cycle: ", StringComparison.Ordinal));
        await run.LineAsync(l => l.Contains("cycle: ", StringComparison.Ordinal));
        using (var store = RulesSync.Runner.State.StateStore.Open(Path.Combine(files.Folder, "emu", "rulesync-data", "rulesync.db"), create: false))
        {
            Assert.Equal(RulesSync.Runner.State.EffectStatus.Applied, store.Effect(browserApproved)!.Status);
            Assert.Equal("Ana (ops)", store.Effect(browserApproved)!.ReviewedBy);
            Assert.Equal(RulesSync.Runner.State.EffectStatus.Applied, store.Effect(cliApproved)!.Status);
        }

        Assert.Empty(tab.Errors);

        // 6. SIGTERM stops both cleanly.
        Assert.Equal(0, await run.TerminateAsync());
        Assert.Equal(0, await emulators.TerminateAsync());
        Assert.Contains("emulators stopped", emulators.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex("operatorToken: \"([0-9a-f]+)\"")]
    private static partial Regex OperatorToken();

    [GeneratedRegex(@"Operator dashboard on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex DashboardAddress();
}
