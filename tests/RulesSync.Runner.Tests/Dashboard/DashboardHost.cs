using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tenant;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>A <see cref="DashboardServer"/> on a free loopback port over the seeded tenant, with a client for it.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    public const string Token = "s3cret-operator-token-for-tests";

    private DashboardHost(DashboardServer server, IOperatorConsole console, FakeTimeProvider clock, CapturedLogs logs)
    {
        Server = server;
        Console = console;
        Clock = clock;
        Logs = logs;
        BaseAddress = server.Addresses.Single();
        Http = new HttpClient { BaseAddress = BaseAddress };
    }

    public DashboardServer Server { get; }

    public IOperatorConsole Console { get; }

    public InMemoryOperatorConsole Tenant => (InMemoryOperatorConsole)Console;

    public FakeTimeProvider Clock { get; }

    public CapturedLogs Logs { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Starts over <see cref="DashboardTenant.Seed"/> (or <paramref name="console"/>) with <see cref="Token"/> configured unless <paramref name="token"/> says otherwise.</summary>
    public static async Task<DashboardHost> StartAsync(string? token = Token, IOperatorConsole? console = null)
    {
        var clock = DashboardTenant.Clock();
        var logs = new CapturedLogs();
        console ??= DashboardTenant.Seed(clock);
        var server = await DashboardServer.StartAsync(console, new DashboardOptions { Bind = "127.0.0.1:0", OperatorToken = token }, clock, logs);
        return new DashboardHost(server, console, clock, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
