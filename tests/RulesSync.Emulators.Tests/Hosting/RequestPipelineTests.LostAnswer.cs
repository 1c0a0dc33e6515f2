using System.Net;
using System.Text;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Hosting;

/// <summary><see cref="FaultKind.LostAnswer"/>: the write is carried out, the answer never arrives in time.</summary>
public sealed partial class RequestPipelineTests
{
    private const string GraphEventBody =
        """{"subject":"Kick-off","start":{"dateTime":"2026-01-06T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-01-06T10:00:00","timeZone":"UTC"},"attendees":[{"type":"required","emailAddress":{"address":"bob@contoso.example"}}]}""";

    [Fact]
    public async Task LostAnswer_ClientWaitsOut_Gets504ButTheEventWasCreated()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.LostAnswer, Route = "graph.events.create", Delay = TimeSpan.FromMinutes(5) });

        var call = t.Http.PostAsync($"v1.0/users/{Alice}/events", new StringContent(GraphEventBody, Encoding.UTF8, "application/json"));
        Assert.Equal("graph.events.create", await t.Host.Faults.NextDelayedRequestAsync());
        Assert.Single(t.Host.Organization.Calendar(Alice));
        t.Time.Advance(TimeSpan.FromMinutes(5));
        using var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Single(t.Host.Organization.Messages, m => m.Kind == MessageKind.Invitation);
    }
}
