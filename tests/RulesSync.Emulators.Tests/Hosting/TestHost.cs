using Google.Apis.Services;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;
using RulesSync.Emulators.Hosting;
using RulesSync.Runner.Connectors.Google;

namespace RulesSync.Emulators.Tests.Hosting;

/// <summary>An emulator host on a fake clock, and clients pointed at it. One per test.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    public const string Alice = "alice@contoso.example";
    public const string Bob = "bob@contoso.example";
    public const string Carol = "carol@contoso.example";
    public const string Dave = "dave@contoso.example";
    public const string External = "erin@fabrikam.example";

    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    private TestHost(EmulatorHost host, FakeTimeProvider time)
    {
        Host = host;
        Time = time;
        Http = new HttpClient { BaseAddress = host.BaseUri };
    }

    public EmulatorHost Host { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>A raw client on the host's root, for shape checks.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Starts a host on a fake clock. Protocol-shape tests call the emulators without signing in, so access tokens
    /// are not demanded unless <paramref name="requireAccessTokens"/> (the sign-in tests).
    /// </summary>
    public static async Task<TestHost> StartAsync(EmulatorOptions? options = null, bool requireAccessTokens = false)
    {
        var time = new FakeTimeProvider(Epoch);
        var host = await EmulatorHost.StartAsync((options ?? new EmulatorOptions()) with { TimeProvider = time, RequireAccessTokens = requireAccessTokens });
        return new TestHost(host, time);
    }

    /// <summary>The real Graph SDK with its default pipeline (retry, redirect), anonymous auth, base URL on loopback.</summary>
    public GraphServiceClient Graph() => new(new AnonymousAuthenticationProvider(), Host.GraphBaseUrl);

    /// <summary>
    /// The product's Calendar v3 client (Google.Apis core) with the library's defaults (gzip request bodies,
    /// 503 backoff), no credentials, base URI on loopback.
    /// </summary>
    public CalendarV3Service GoogleCalendar() => new(new BaseClientService.Initializer
    {
        ApplicationName = "RulesSync.Emulators.Tests",
        BaseUri = Host.GoogleBaseUri.AbsoluteUri + "calendar/v3/",
        GZipEnabled = true,
    });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
