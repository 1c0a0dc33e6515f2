using System.Text;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Graph;
using RulesSync.Runner.Connectors.Resilience;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>Graph's limits and link rules: syncStateNotFound, request budgets, links pinned to the service root.</summary>
public sealed partial class GraphMailboxConnectorTests
{
    [Fact]
    public async Task ReadChanges_SyncStateNotFoundAs400_ResyncsByDiffLikeGone()
    {
        await using var t = await StartAsync();
        t.Organization.ScheduleMeeting(Alice, Draft("stays", 1, Bob));
        var goes = t.Organization.ScheduleMeeting(Alice, Draft("goes", 2, Bob));
        using var graph = GraphTestSetup.Connect(t);
        var alice = graph.ForMailbox(Alice);
        var first = await alice.ReadChangesAsync(MailboxCursor.Start);
        t.Organization.CancelMeeting(Alice, goes.ICalUid);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.SyncStateNotFound, Route = "graph.calendarView.delta" });

        var page = await alice.ReadChangesAsync(first.Next);

        Assert.Equal(goes.Id, Assert.Single(page.Items, i => i.Removed).EventId);
        Assert.Single(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.FullResync);
        Assert.Empty((await alice.ReadChangesAsync(page.Next)).Items);
    }

    [Fact]
    public async Task ReadChanges_NextLinkToAnotherHost_FailsAndNeverSendsTheTokenThere()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            t.Organization.ScheduleMeeting(Alice, Draft($"m{i}", i, Bob));
        }

        using var transport = new ForeignLinkTransport(new Uri(t.Host.GraphBaseUrl).Authority, "evil.example:443");
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { PageSize = 1 }, transport);

        var error = await Assert.ThrowsAsync<ForeignLinkException>(() => graph.ForMailbox(Alice).ReadChangesAsync(MailboxCursor.Start).AsTask());

        Assert.Contains("@odata.nextLink", error.Message, StringComparison.Ordinal);
        Assert.Contains("evil.example", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("skiptoken", error.Message, StringComparison.Ordinal);
        Assert.Single(transport.Hosts);
        Assert.DoesNotContain("evil.example", transport.Hosts);
    }

    [Fact]
    public async Task ReadChanges_ThousandMailboxesUnderGraphsEnforcedBudget_NoneIsThrottled()
    {
        const int count = 1000;
        // Graph's 10,000 requests per 10 minutes per mailbox, scaled down to 2 so that a third read must wait.
        var seed = OrganizationSeed.Generate(count, 0, Domain);
        await using var t = await StartAsync(new EmulatorOptions
        {
            Organization = seed,
            GraphRequestsPerMailbox = 2,
            GraphRequestWindow = TimeSpan.FromMinutes(10),
            GraphConcurrentRequestsPerMailbox = 4,
        });
        var budget = RequestBudgetOptions.GraphDefaults with { PerMailbox = 2, PerMailboxWindow = TimeSpan.FromMinutes(10) };
        using var graph = GraphTestSetup.Connect(t, new GraphConnectorOptions { Budget = budget });
        var mailboxes = seed.Employees.Select(e => graph.ForMailbox(e.Email)).ToList();

        // As the runner does: a bounded number of mailboxes at a time (sync.maxParallelMailboxes).
        var cursors = new MailboxCursor?[mailboxes.Count];
        Task Round() => Parallel.ForEachAsync(
            Enumerable.Range(0, mailboxes.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => cursors[i] = (await mailboxes[i].ReadChangesAsync(cursors[i] ?? MailboxCursor.Start, ct)).Next);

        await Round();
        await Round();

        // Every mailbox's budget is spent: a third read would wait (RequestGateTests prove the wait) rather than be sent.
        Assert.All(seed.Employees, e => Assert.Equal((long?)0, graph.Gate.AvailableFor(e.Email)));
        t.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.All(seed.Employees, e => Assert.Equal((long?)2, graph.Gate.AvailableFor(e.Email)));
        await Round();

        Assert.Equal(3 * count, t.Host.Counters.ForRoute("graph.calendarView.delta"));
        Assert.Equal(0, t.Host.Counters.Throttled);
        Assert.DoesNotContain(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
    }

    /// <summary>Rewrites the first page's nextLink to another authority, and records which hosts requests went to.</summary>
    private sealed class ForeignLinkTransport(string authority, string foreign) : DelegatingHandler(new SocketsHttpHandler())
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Hosts { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Hosts.Add(request.RequestUri!.Authority);
            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (body.Contains("@odata.nextLink", StringComparison.Ordinal))
            {
                response.Content = new StringContent(body.Replace("http://" + authority, "https://" + foreign, StringComparison.Ordinal), Encoding.UTF8, "application/json");
            }

            return response;
        }
    }
}
