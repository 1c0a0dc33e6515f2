using Microsoft.Playwright;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>
/// One headless Debian Chromium (/usr/bin/chromium, installed by scripts/install-test-deps) driven by
/// Playwright for .NET, shared by the browser tests. Playwright's own browser download is never used.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;
    private IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium is not started.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/install-test-deps (Debian's chromium package).");
        }

        // Page conditions can take a while on a 2-core machine shared with other builds.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // No network beyond loopback here: keep Chromium from reaching out at all.
            Args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh tab (own sessionStorage) on the dashboard at <paramref name="address"/>; JS errors and CSP violations land in <see cref="DashboardTab.Errors"/>.</summary>
    public async Task<DashboardTab> OpenAsync(Uri address)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 900 }, TimezoneId = "UTC" });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var tab = new DashboardTab(context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                tab.Errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => tab.Errors.Add(error);
        await page.GotoAsync(address.ToString());
        await Assertions.Expect(page.Locator("body[data-loaded=true]")).ToHaveCountAsync(1);
        return tab;
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
    }
}

/// <summary>One browser tab on the dashboard.</summary>
public sealed class DashboardTab(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Errors { get; } = [];

    public ValueTask DisposeAsync() => context.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedChromium : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Chromium";
}
