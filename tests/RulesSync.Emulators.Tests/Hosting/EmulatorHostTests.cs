using System.Net;
using RulesSync.Emulators.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Hosting;

public sealed class EmulatorHostTests
{
    [Fact]
    public async Task StartAsync_PortZero_BindsLoopbackOnDistinctFreePorts()
    {
        await using var one = await EmulatorHost.StartAsync();
        await using var two = await EmulatorHost.StartAsync();

        Assert.Equal("127.0.0.1", one.BaseUri.Host);
        Assert.NotEqual(0, one.BaseUri.Port);
        Assert.NotEqual(one.BaseUri.Port, two.BaseUri.Port);
        Assert.Equal($"http://127.0.0.1:{one.BaseUri.Port}/v1.0", one.GraphBaseUrl);
        Assert.EndsWith("/sap/c4c/odata/v1/c4codataapi/", one.CrmServiceRoot(RulesSync.Emulators.Crm.CrmDialect.V2).AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_StopsListening()
    {
        var host = await EmulatorHost.StartAsync(new EmulatorOptions { RequireAccessTokens = false });
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        using (var before = await http.GetAsync($"v1.0/users/{Alice}/events"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await host.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"v1.0/users/{Alice}/events"));
    }

    [Fact]
    public async Task UnknownPath_Answers404AndIsNotCounted()
    {
        await using var t = await StartAsync();

        using var response = await t.Http.GetAsync("nothing/here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, t.Host.Counters.Total);
    }

    [Fact]
    public async Task Organization_FromOptions_IsServed()
    {
        var only = new RulesSync.Emulators.Organization.Employee("zoe@example.org", "Zoe", RulesSync.Emulators.Organization.CalendarProvider.Google);
        await using var t = await StartAsync(new EmulatorOptions { Organization = new([only]) });

        using var zoe = await t.Http.GetAsync("calendar/v3/calendars/zoe@example.org/events");
        using var alice = await t.Http.GetAsync($"v1.0/users/{Alice}/events");

        Assert.Equal(HttpStatusCode.OK, zoe.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, alice.StatusCode);
    }

    [Fact]
    public async Task Organization_Generated_ServesEveryMailboxOnItsProvider()
    {
        await using var t = await StartAsync(new EmulatorOptions { Organization = RulesSync.Emulators.Organization.OrganizationSeed.Generate(3, 2) });

        using var exchange = await t.Http.GetAsync("v1.0/users/ex0003@contoso.example/events");
        using var google = await t.Http.GetAsync("calendar/v3/calendars/gw0002@contoso.example/events");
        using var wrongSide = await t.Http.GetAsync("calendar/v3/calendars/ex0001@contoso.example/events");

        Assert.Equal(5, t.Host.Organization.Employees.Count);
        Assert.Equal(HttpStatusCode.OK, exchange.StatusCode);
        Assert.Equal(HttpStatusCode.OK, google.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongSide.StatusCode);
    }

    [Fact]
    public async Task DisposeAsync_WithRequestHeldOnFakeClock_ReleasesItAndStops()
    {
        var t = await StartAsync();
        t.Host.Faults.Add(new RulesSync.Emulators.Faults.FaultRule { Kind = RulesSync.Emulators.Faults.FaultKind.SlowResponse, Delay = TimeSpan.FromDays(1) });
        var held = t.Http.GetAsync($"v1.0/users/{Alice}/events");
        await t.Host.Faults.NextDelayedRequestAsync();

        await t.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => held);
    }

    [Fact]
    public async Task UnreadableBody_AnswersProtocol400NotServerError()
    {
        await using var t = await StartAsync();

        using var graph = await t.Http.PostAsync($"v1.0/users/{Alice}/events", new StringContent("""{"subject":1,"start":{"dateTime":"2026-01-06T09:00:00","timeZone":"Nowhere/Land"},"end":{"dateTime":"x"}}""", System.Text.Encoding.UTF8, "application/json"));
        using var google = await t.Http.PostAsync($"calendar/v3/calendars/{Carol}/events", new StringContent("""{"start":{"dateTime":"not a time"},"end":{"dateTime":"2026-01-06T09:00:00Z"}}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, graph.StatusCode);
        Assert.Contains("\"error\"", await graph.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, google.StatusCode);
    }
}
