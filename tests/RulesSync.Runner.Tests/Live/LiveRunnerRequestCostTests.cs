using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Live;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>
/// What a cycle costs in requests (issue 5 §7): once every mailbox has caught up, a cycle in which nothing changed
/// makes exactly one request per mailbox (its delta / sync-token read) plus the tenant's one CRM poll. Counted, not
/// timed; the timings are in bench/RulesSync.Bench/Live.
/// </summary>
public sealed class LiveRunnerRequestCostTests
{
    [Fact]
    public async Task NoChangeCycle_OneRequestPerMailboxPlusTheCrmPoll()
    {
        var seed = OrganizationSeed.Generate(10, 10);
        var ids = seed.Employees.Select(e => e.Email).ToArray();
        await using var h = await RunnerTestHost.StartAsync(
            mailboxes: ids,
            emulator: new EmulatorOptions { Organization = seed },
            configure: o =>
            {
                o.Sync.MaxParallelMailboxes = 4;
                foreach (var m in o.Mailboxes)
                {
                    m.Provider = m.Id.StartsWith("gw", StringComparison.Ordinal) ? Provider.Google : Provider.Exchange;
                }
            });
        for (var i = 0; i < ids.Length; i++)
        {
            h.T.Organization.ScheduleMeeting(ids[i], ConnectorTestHost.Draft($"Meeting {i}", 1 + (i % 5), ids[(i + 3) % ids.Length], ids[(i + 11) % ids.Length]));
        }

        var initial = await h.CycleAsync();
        Assert.Equal(ids.Length, initial.Synced);
        Assert.True(initial.Decisions > 0);

        // The initial sync's own writes come back once through the deltas and the CRM feed; then nothing changes.
        CycleReport settled;
        var cycles = 0;
        do
        {
            settled = await h.CycleAsync();
            cycles++;
        }
        while (settled.Decisions > 0 && cycles < 5);

        h.T.Host.Counters.Reset();
        var report = await h.CycleAsync();

        var routes = h.T.Host.Counters.Routes;
        var crm = routes.Where(r => r.Key.StartsWith("crm.", StringComparison.Ordinal)).ToDictionary();
        var mailboxRequests = routes.Where(r => !r.Key.StartsWith("crm.", StringComparison.Ordinal)).Sum(r => r.Value);
        var summary = string.Join(", ", routes.Select(r => $"{r.Key}={r.Value}"));
        Assert.True(report.Synced == ids.Length && report.Decisions == 0, $"synced {report.Synced}, decisions {report.Decisions}; {summary}");
        Assert.All(ids, id => Assert.Equal(1, h.T.Host.Counters.ForMailbox(id)));
        Assert.Equal(ids.Length, mailboxRequests);

        // The CRM poll: the change feed only, for each of the two activity types (one page each here). Deletions are
        // seen by an ids-only listing at its own interval (hourly by default), listed in the first cycle, not here.
        Assert.Equal(
            new Dictionary<string, long> { ["crm.v2.AppointmentCollection.query"] = 1, ["crm.v2.VisitCollection.query"] = 1 },
            crm);
        Assert.Equal(1, h.Connections.LiveIds.Listings);
    }
}
