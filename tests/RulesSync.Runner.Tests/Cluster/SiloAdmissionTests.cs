using Npgsql;
using RulesSync.Emulators.Crm;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// A silo's admission of database work (<see cref="SiloAdmission"/>): its slots add up to the state connections, and
/// many tenants over a slow database and silos of few connections whose pools give up waiting after a second (the
/// scale benchmark's exhausted pool, made small) all finish their cycles.
/// </summary>
public sealed class SiloAdmissionTests(FewConnectionsClusterFixture cluster) : IClassFixture<FewConnectionsClusterFixture>
{
    private const int Tenants = 12;

    /// <summary>How long the test waits for every tenant's cycle, all at once (bounded; far above what it needs).</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(95)]
    public void Slots_EnoughConnections_AddUpToTheConnectionsEachKindAtLeastOne(int connections)
    {
        using var admission = new SiloAdmission(connections);

        Assert.Equal(connections, admission.Activations + admission.Cycles + admission.Mailboxes);
        Assert.True(admission.Activations >= 1 && admission.Cycles >= 1 && admission.Mailboxes >= 1, $"{admission.Activations}/{admission.Cycles}/{admission.Mailboxes}");
        Assert.True(admission.Mailboxes >= admission.Cycles, "fewer mailbox slots than cycle slots");
    }

    [Fact]
    public async Task MailboxAsync_AllSlotsTaken_NextWaitsUntilOneIsGivenBackOnce()
    {
        using var admission = new SiloAdmission(16);
        var taken = new List<IDisposable>();
        for (var i = 0; i < admission.Mailboxes; i++)
        {
            taken.Add(await admission.MailboxAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        }

        var next = admission.MailboxAsync(CancellationToken.None);
        var cycle = admission.CycleAsync(CancellationToken.None);
        Assert.False(next.IsCompleted, "a mailbox slot beyond the silo's count was given");
        Assert.True(cycle.IsCompleted, "a cycle waited for a mailbox slot");

        // Given back twice: counts once.
        taken[0].Dispose();
        taken[0].Dispose();
        (await next.WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        var third = admission.MailboxAsync(CancellationToken.None);
        Assert.True(third.IsCompleted, "the slot given back was not free again");
        var fourth = admission.MailboxAsync(CancellationToken.None);
        Assert.False(fourth.IsCompleted, "a double dispose gave back two slots");
        (await third).Dispose();
        (await fourth.WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        (await cycle).Dispose();
        taken.Skip(1).ToList().ForEach(t => t.Dispose());
    }

    [Fact]
    public async Task ManyTenants_SlowDatabaseAndPoolsThatWaitOneSecond_EveryCycleCompletes()
    {
        // Every write of a mailbox or tenant row holds its connection a while longer, and the tenants' pools give up
        // on a connection after 1 s: the benchmark's 30 s wait on a loaded machine, in small. Unadmitted, 4 tenants per
        // silo syncing 2 mailboxes each on 4 state connections queued at the pool past its Timeout.
        using (var schema = PostgresStateStore.Open(cluster.TestConnections, "schema"))
        {
            _ = schema.Tenant();
        }

        await using (var command = cluster.TestConnections.CreateCommand(
            """
            CREATE OR REPLACE FUNCTION rulesync_test_slow_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.15); RETURN NEW; END $$;
            CREATE TRIGGER rulesync_test_slow_mailbox BEFORE INSERT OR UPDATE ON rulesync_mailbox FOR EACH ROW EXECUTE FUNCTION rulesync_test_slow_write();
            CREATE TRIGGER rulesync_test_slow_tenant BEFORE INSERT OR UPDATE ON rulesync_tenant FOR EACH ROW EXECUTE FUNCTION rulesync_test_slow_write();
            """))
        {
            await command.ExecuteNonQueryAsync();
        }

        var impatient = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Timeout = 1 }.ConnectionString;
        var hosts = new List<(RunnerTestHost Host, string Key)>();
        try
        {
            for (var i = 0; i < Tenants; i++)
            {
                var host = await RunnerTestHost.StartAsync(mailboxes: [ConnectorTestHost.Alice, ConnectorTestHost.Bob], configure: o => o.Sync.MaxParallelMailboxes = 2);
                host.T.Organization.ScheduleMeeting(ConnectorTestHost.Alice, ConnectorTestHost.Draft($"Review {i}", 1, ConnectorTestHost.Bob));
                hosts.Add((host, cluster.Host(host, mailboxGrains: false, connectionString: impatient)));
            }

            // Every tenant's first cycle at once: activations and cycles spread over the three silos.
            var reports = await Task.WhenAll(hosts.Select(h => h.Host.T.CompleteWithRetriesAsync(TenantCycles.RunAsync(cluster.Cluster.Client, h.Key, Deadline))))
                .WaitAsync(Deadline + TimeSpan.FromMinutes(1));

            Assert.All(reports, r =>
            {
                Assert.Null(r.Error);
                Assert.Equal(0, r.Failed);
                Assert.Equal(2, r.Synced);
            });
            Assert.All(hosts, h => Assert.Equal($"Review {hosts.IndexOf(h)}", Assert.Single(h.Host.T.Host.Crm.All(CrmActivityKind.Appointment)).Subject));
            Assert.True(reports.Select(r => r.Silo).Distinct().Count() > 1, "the tenants all ran on one silo");
        }
        finally
        {
            foreach (var (host, _) in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
