using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

public sealed class LiveRunnerTests
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Regression = "embedded:regressions/2020-02-ordering";

    [Fact]
    public async Task RunCycle_NewMeeting_IsSharedToTheCrmOnceAndJournaled()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob]);
        var m = h.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob));

        var first = await h.CycleAsync();
        var second = await h.CycleAsync();

        Assert.Equal(2, first.Synced);
        Assert.Equal(0, first.Failed);
        Assert.Single(h.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment), a => a.Subject == "Review");
        var history = h.Queries.MeetingHistory(m.ICalUid);
        Assert.Contains(history, d => d.Effects.Any(e => e.Kind == "CreateCrmRecord" && e.Status == EffectStatus.Applied));
        Assert.All(history.SelectMany(d => d.Effects), e => Assert.NotEqual(EffectStatus.Planned, e.Status));
        Assert.Equal(0, second.Held);
        Assert.DoesNotContain(h.T.Organization.Messages, x => x.Kind == MessageKind.Cancellation);
    }
}
