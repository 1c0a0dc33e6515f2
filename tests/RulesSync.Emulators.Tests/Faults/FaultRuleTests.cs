using Microsoft.Extensions.Configuration;
using RulesSync.Emulators.Faults;

namespace RulesSync.Emulators.Tests.Faults;

public sealed class FaultRuleTests
{
    [Fact]
    public void Bind_FromConfiguration_ReadsEveryField()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Faults:0:Kind"] = "Throttle",
            ["Faults:0:Route"] = "graph.calendarView.delta",
            ["Faults:0:Mailbox"] = "bob@contoso.example",
            ["Faults:0:FromNth"] = "3",
            ["Faults:0:Times"] = "2",
            ["Faults:0:RetryAfter"] = "00:00:07",
            ["Faults:1:Kind"] = "SlowResponse",
            ["Faults:1:Delay"] = "00:00:02",
        }).Build();

        var rules = configuration.GetSection("Faults").Get<List<FaultRule>>()!;

        Assert.Equal(
            new FaultRule { Kind = FaultKind.Throttle, Route = "graph.calendarView.delta", Mailbox = "bob@contoso.example", FromNth = 3, Times = 2, RetryAfter = TimeSpan.FromSeconds(7) },
            rules[0]);
        Assert.Equal(new FaultRule { Kind = FaultKind.SlowResponse, Delay = TimeSpan.FromSeconds(2) }, rules[1]);
    }
}
