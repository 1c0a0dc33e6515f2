using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Faults;

public sealed class RequestCountersTests
{
    [Fact]
    public async Task Counters_MixedRequests_CountedPerRouteAndPerMailbox()
    {
        await using var t = await StartAsync();

        await t.Http.GetStringAsync($"v1.0/users/{Alice}/events");
        await t.Http.GetStringAsync($"v1.0/users/{Alice}/events");
        await t.Http.GetStringAsync($"v1.0/users/{Bob}/events");
        await t.Http.GetStringAsync($"calendar/v3/calendars/{Carol}/events");
        await t.Http.GetStringAsync(t.Host.CrmServiceRoot(RulesSync.Emulators.Crm.CrmDialect.V1) + "AppointmentCollection");

        Assert.Equal(3, t.Host.Counters.ForRoute("graph.events.list"));
        Assert.Equal(2, t.Host.Counters.ForMailbox(Alice));
        Assert.Equal(1, t.Host.Counters.For("graph.events.list", Bob));
        Assert.Equal(1, t.Host.Counters.ForRoute("google.events.list"));
        Assert.Equal(1, t.Host.Counters.ForRoute("crm.v1.AppointmentCollection.query"));
        Assert.Equal(5, t.Host.Counters.Total);
        t.Host.Counters.Reset();
        Assert.Equal(0, t.Host.Counters.Total);
    }
}
