using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;
using ConfiguredDashboard = RulesSync.Runner.Configuration.DashboardOptions;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>The dashboard as <c>rulesync run</c> hosts it: over the runner's state file, on loopback, with the configured token.</summary>
public sealed class DashboardHostedServiceTests
{
    [Fact]
    public async Task Start_OverTheStateFile_ServesItsMailboxesAndActsWithTheToken()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        store.EnsureMailbox("alice@contoso.example", "exchange");
        var service = new DashboardHostedService(
            new ConfiguredDashboard { Bind = "127.0.0.1:0", OperatorToken = "t0ken" }, store, TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            var address = Assert.Single(service.Addresses);
            Assert.Equal("127.0.0.1", address.Host);
            using var http = new HttpClient { BaseAddress = address };

            var mailboxes = await http.GetStringAsync("/api/mailboxes");
            Assert.Contains("alice@contoso.example", mailboxes, StringComparison.Ordinal);

            using var refused = await http.PostAsync("/api/mailboxes/alice@contoso.example/suspend", Body());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(RulesSync.Runner.State.MailboxStatus.Active, store.Mailbox("alice@contoso.example")!.Status);

            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/mailboxes/alice@contoso.example/suspend") { Content = Body() };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
            using var accepted = await http.SendAsync(request);
            Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());
            Assert.Equal(RulesSync.Runner.State.MailboxStatus.Suspended, store.Mailbox("alice@contoso.example")!.Status);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Get_ApiRequests_WriteNoLogLines()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        store.EnsureMailbox("alice@contoso.example", "exchange");
        var logs = new RulesSync.Runner.Tests.Connectors.CapturedLogs();
        var service = new DashboardHostedService(new ConfiguredDashboard { Bind = "127.0.0.1:0" }, store, TimeProvider.System, logs);
        await service.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = Assert.Single(service.Addresses) };
            var started = logs.Entries.Count;

            foreach (var path in new[] { "/api/overview", "/api/mailboxes", "/api/held", "/api/decisions", "/" })
            {
                using var response = await http.GetAsync(path);
                Assert.True(response.IsSuccessStatusCode, path);
            }

            Assert.Equal(started, logs.Entries.Count);
            Assert.Contains(logs.Entries, e => e.Message.Contains("Operator dashboard on", StringComparison.Ordinal));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
        }
    }

    private static StringContent Body() =>
        new("""{"operator":"Ana (ops)","reason":"checking"}""", System.Text.Encoding.UTF8, "application/json");
}
