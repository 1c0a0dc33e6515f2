using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Connectors.Graph;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>Creates carry the effect's idempotency key as <c>transactionId</c>: asked again, the same event comes back.</summary>
public sealed partial class GraphMailboxConnectorTests
{
    [Fact]
    public async Task CreateEvent_SameKeyTwiceAcrossARestart_OneEventSameIdAttendeesInvitedOnce()
    {
        await using var t = await StartAsync();
        var content = Content("Kick-off", 1, Alice, Bob, External);

        MailboxWriteIds first, again;
        using (var before = GraphTestSetup.Connect(t))
        {
            first = Ids(await before.ForMailbox(Alice).CreateEventAsync(content, "effect-1#0:create-event"));
        }

        using (var after = GraphTestSetup.Connect(t))
        {
            again = Ids(await after.ForMailbox(Alice).CreateEventAsync(content, "effect-1#0:create-event"));
        }

        Assert.Equal(first, again);
        Assert.Equal(first.EventId, Assert.Single(t.Organization.Calendar(Alice)).Id);
        Assert.Single(t.Organization.Calendar(Bob));
        Assert.Equal([Bob, External], t.Organization.Messages.Where(m => m.Kind == MessageKind.Invitation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CreateEvent_DifferentKeys_TwoEvents()
    {
        await using var t = await StartAsync();
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);

        var first = await alice.CreateEventAsync(Content("Kick-off", 1, Alice, Bob), "effect-1#0:create-event");
        var second = await alice.CreateEventAsync(Content("Kick-off", 1, Alice, Bob), "effect-2#0:create-event");

        Assert.NotEqual(first.EventId, second.EventId);
        Assert.Equal(2, t.Organization.Calendar(Alice).Count);
        Assert.Equal(2, t.Organization.MessagesTo(Bob).Count(m => m.Kind == MessageKind.Invitation));
    }

    [Fact]
    public async Task CreateEvent_AnswerCutOffAfterTheWrite_RetriedAndExactlyOneEvent()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.TruncatedBody, Route = "graph.events.create" });
        using var graph = GraphTestSetup.Connect(t);

        var write = await t.CompleteWithRetriesAsync(graph.ForMailbox(Alice).CreateEventAsync(Content("Kick-off", 1, Alice, Bob), "effect-1#0:create-event").AsTask());

        Assert.Equal(2, t.Host.Counters.ForRoute("graph.events.create"));
        Assert.Equal(write.EventId, Assert.Single(t.Organization.Calendar(Alice)).Id);
        Assert.Single(t.Organization.MessagesTo(Bob), m => m.Kind == MessageKind.Invitation);
    }

    [Theory]
    [InlineData(FaultKind.LostAnswer, 20)]
    [InlineData(FaultKind.LostAnswer, 200)]
    [InlineData(FaultKind.Timeout, 20)]
    public async Task CreateEvent_TimeoutOr504_RetriedAndExactlyOneEvent(FaultKind kind, int attemptTimeoutSeconds)
    {
        // LostAnswer: the event is created, then the answer is held for 100 s and becomes a 504 — the connector gives
        // up waiting first (20 s) or sees the 504 (200 s). Timeout: nothing is created, the connector gives up waiting.
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = kind, Route = "graph.events.create", Delay = TimeSpan.FromSeconds(100) });
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { Retry = new() { AttemptTimeout = TimeSpan.FromSeconds(attemptTimeoutSeconds) } });

        var create = graph.ForMailbox(Alice).CreateEventAsync(Content("Kick-off", 1, Alice, Bob), "effect-1#0:create-event").AsTask();
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromSeconds(Math.Min(attemptTimeoutSeconds, 100)));
        var write = await t.CompleteWithRetriesAsync(create);

        Assert.Equal(2, t.Host.Counters.ForRoute("graph.events.create"));
        Assert.Equal(write.EventId, Assert.Single(t.Organization.Calendar(Alice)).Id);
        Assert.Single(t.Organization.MessagesTo(Bob), m => m.Kind == MessageKind.Invitation);
    }

    private static MailboxWriteIds Ids(RulesSync.Engine.Sync.MailboxWrite write) => new(write.EventId, write.Item!.Uid.Value);

    private readonly record struct MailboxWriteIds(string EventId, string Uid);
}
