using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Tests.Cli.Demo;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// <c>cluster.tenants</c> with real silo processes over the run's PostgreSQL: two tenants (contoso, the config's; fabrikam,
/// from the tenants folder, with rules and a token of its own) on two <c>rulesync run</c> processes. The first silo
/// serves (its dashboard on a free loopback port); the second joins with <c>--once</c>, runs each tenant's cycle in the
/// two-silo cluster and leaves. Then the operator CLI against the cluster and the first
/// silo's dashboard act per tenant with that tenant's token only. The second silo carried a different contoso token (a
/// token rotation under way): once it left, its token is refused although it was recorded last. Every process is
/// stopped by its PID (its process tree) in finally; no password or token appears in any output.
/// </summary>
public sealed class ClusterTenantsProcessTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string ContosoToken = "contoso-operator-token-b81f";
    private const string ContosoNextToken = "contoso-rotated-token-5c2e";
    private const string FabrikamToken = "fabrikam-operator-token-07d9";
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private static readonly Regex DashboardLine = new(@"Operator dashboard on (http://127\.0\.0\.1:\d+/?)", RegexOptions.CultureInvariant);

    [Fact]
    public async Task TwoSiloProcesses_TwoTenants_EachSyncsWithItsOwnRulesAndOperatorsActWithItsOwnTokenOnly()
    {
        await using var contosoHost = await EmulatorHost.StartAsync(new EmulatorOptions());
        await using var fabrikamHost = await EmulatorHost.StartAsync(new EmulatorOptions());
        using var files = new TempFiles();
        var clusterId = $"tenants-{Guid.NewGuid():N}";
        var (first, second) = ((Silo: FreePort(), Gateway: FreePort()), (Silo: FreePort(), Gateway: FreePort()));
        var silo1 = files.Write("silo1.yaml", SiloConfig(contosoHost, clusterId, first));
        var silo2 = files.Write("silo2.yaml", SiloConfig(contosoHost, clusterId, second));
        Directory.CreateDirectory(Path.Combine(files.Folder, "tenants"));
        Directory.CreateDirectory(Path.Combine(files.Folder, "rules"));
        // fabrikam's own rules: the shipped set in a file of its own (its own hash and source).
        files.Write(Path.Combine("rules", "fabrikam.yaml"), RuleFileReader.Read("embedded:default").Text + "\n# fabrikam's copy\n");
        files.Write(Path.Combine("tenants", "fabrikam.yaml"), RunOnceProcess.Config(fabrikamHost)
            .Replace("tenant: contoso", "tenant: fabrikam", StringComparison.Ordinal)
            .Replace("rules: embedded:default", "rules: ../rules/fabrikam.yaml", StringComparison.Ordinal)
            .Replace("  autoShare: true", "  interval: 00:30:00\n  autoShare: true", StringComparison.Ordinal));
        var now = TimeProvider.System.GetUtcNow();
        var contosoMeeting = contosoHost.Organization.ScheduleMeeting(Alice, new MeetingDraft("Contoso review", now.AddDays(1), now.AddDays(1).AddHours(1), [Bob]));
        var fabrikamMeeting = fabrikamHost.Organization.ScheduleMeeting(Alice, new MeetingDraft("Fabrikam review", now.AddDays(2), now.AddDays(2).AddHours(1), [Bob]));
        var password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!;
        var secrets = new[] { password, ContosoToken, ContosoNextToken, FabrikamToken };

        // Stopped by its PID (its process tree) when the test ends, however it ends.
        await using var serving = RulesyncProcess.Start(files.Folder, Environment(ContosoToken), "run", "--config", silo1);
        var dashboardLine = await serving.LineAsync(DashboardLine.IsMatch, Bound);
        var dashboard = new Uri(DashboardLine.Match(dashboardLine).Groups[1].Value);
        await WaitForMembershipAsync(clusterId, first.Silo, live: true);

        // The second silo: its config carries contoso's next token (a rotation begun on it only).
        string secondOutput;
        await using (var joining = RulesyncProcess.Start(files.Folder, Environment(ContosoNextToken), "run", "--config", silo2, "--once"))
        {
            var exit = await joining.ExitAsync();
            secondOutput = joining.Output;
            Assert.True(exit == 0, secondOutput);
        }

        Assert.Contains("contoso: 2 synced, 0 skipped, 0 failed", secondOutput, StringComparison.Ordinal);
        Assert.Contains("fabrikam: 2 synced, 0 skipped, 0 failed", secondOutput, StringComparison.Ordinal);
        await WaitForMembershipAsync(clusterId, second.Silo, live: false);

        // Each tenant synced into its own CRM, one record per meeting, one copy per attendee, with its own rules.
        Assert.Single(contosoHost.Crm.All(CrmActivityKind.Appointment), a => a.ICalUid == contosoMeeting.ICalUid);
        Assert.Single(fabrikamHost.Crm.All(CrmActivityKind.Appointment), a => a.ICalUid == fabrikamMeeting.ICalUid);
        // (The two emulators number their meetings alike, so the subjects tell the tenants' records apart.)
        Assert.Equal(["Contoso review"], contosoHost.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject));
        Assert.Equal(["Fabrikam review"], fabrikamHost.Crm.All(CrmActivityKind.Appointment).Select(a => a.Subject));
        Assert.Equal(1, contosoHost.Organization.Calendar(Bob).Count(c => c.ICalUid == contosoMeeting.ICalUid));
        Assert.Equal(1, fabrikamHost.Organization.Calendar(Bob).Count(c => c.ICalUid == fabrikamMeeting.ICalUid));
        var contosoRules = RuleSetOf("contoso", contosoMeeting.ICalUid);
        var fabrikamRules = RuleSetOf("fabrikam", fabrikamMeeting.ICalUid);
        Assert.NotEqual(contosoRules, fabrikamRules);

        var cli = Operators(silo1);
        var cliOutput = cli.Transcript;
        using var http = new HttpClient { BaseAddress = dashboard, Timeout = Bound };

        // Reading needs no token; each tenant's status shows its own rules.
        var contosoStatus = cli.Run(null, "status", "--tenant", "contoso");
        var fabrikamStatus = cli.Run(null, "status", "--tenant", "fabrikam");
        Assert.True(contosoStatus.ExitCode == 0, contosoStatus.Out + contosoStatus.Error);
        Assert.Contains("from embedded:default", contosoStatus.Out, StringComparison.Ordinal);
        Assert.Contains(fabrikamRules[..12], fabrikamStatus.Out, StringComparison.Ordinal);
        Assert.Contains("fabrikam.yaml", fabrikamStatus.Out, StringComparison.Ordinal);
        Assert.Equal(0, cli.Run(null, "held", "--tenant", "fabrikam").ExitCode);
        // Each tenant's journal: its own decisions, under its own rules (the emulators number meetings alike, so the
        // same UID asked of each tenant gives each its own history).
        var fabrikamJournal = cli.Run(null, "journal", "--tenant", "fabrikam", "--meeting", fabrikamMeeting.ICalUid);
        var contosoJournal = cli.Run(null, "journal", "--tenant", "contoso", "--meeting", contosoMeeting.ICalUid);
        Assert.True(fabrikamJournal.ExitCode == 0, fabrikamJournal.Error);
        Assert.Contains($"({fabrikamRules[..12]})", fabrikamJournal.Out, StringComparison.Ordinal);
        Assert.DoesNotContain($"({contosoRules[..12]})", fabrikamJournal.Out, StringComparison.Ordinal);
        Assert.Contains($"({contosoRules[..12]})", contosoJournal.Out, StringComparison.Ordinal);

        // Another tenant's token, no token, and the departed silo's token are refused, with nothing changed.
        foreach (var (token, tenant) in new[] { (ContosoToken, "fabrikam"), (FabrikamToken, "contoso"), (ContosoNextToken, "contoso"), ((string?)null, "contoso") })
        {
            var refused = cli.Run(token, "suspend", "--tenant", tenant, "--mailbox", Bob, "--reason", "wrong tenant", "--by", "ops");
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("refused", refused.Error, StringComparison.Ordinal);
            Assert.Equal(2, cli.Run(token, "approve", "--tenant", tenant, "--all", "--by", "ops").ExitCode);
        }

        Assert.All(new[] { "contoso", "fabrikam" }, t => Assert.Null(Mailbox(t, Bob).SuspendedBy));

        // Each tenant's own token acts on it (the contoso token of the silo still in the membership).
        var suspend = cli.Run(FabrikamToken, "suspend", "--tenant", "fabrikam", "--mailbox", Bob, "--reason", "investigating", "--by", "ops");
        Assert.True(suspend.ExitCode == 0, suspend.Error);
        Assert.Equal("ops", Mailbox("fabrikam", Bob).SuspendedBy);
        Assert.Null(Mailbox("contoso", Bob).SuspendedBy);
        var approve = cli.Run(ContosoToken, "approve", "--tenant", "contoso", "--all", "--by", "ops");
        Assert.True(approve.ExitCode == 0, approve.Error);
        Assert.Contains("0 effect(s) approved", approve.Out, StringComparison.Ordinal);

        // The dashboard of the serving silo: per tenant, that tenant's token only.
        var mailboxes = await http.GetStringAsync("tenants/fabrikam/api/mailboxes").WaitAsync(Bound);
        Assert.Contains("investigating", mailboxes, StringComparison.Ordinal);
        var dashboardOutput = new StringBuilder(mailboxes);
        foreach (var (token, path) in new[]
        {
            (ContosoToken, $"tenants/fabrikam/api/mailboxes/{Bob}/resume"),
            (FabrikamToken, $"tenants/contoso/api/mailboxes/{Alice}/suspend"),
            (ContosoNextToken, $"tenants/contoso/api/mailboxes/{Alice}/suspend"),
        })
        {
            using var refused = await PostAsync(http, path, token);
            dashboardOutput.Append(await refused.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal("ops", Mailbox("fabrikam", Bob).SuspendedBy);
        Assert.Null(Mailbox("contoso", Alice).SuspendedBy);
        using (var resumed = await PostAsync(http, $"tenants/fabrikam/api/mailboxes/{Bob}/resume", FabrikamToken))
        {
            dashboardOutput.Append(await resumed.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        }

        using (var suspended = await PostAsync(http, $"tenants/contoso/api/mailboxes/{Alice}/suspend", ContosoToken))
        {
            dashboardOutput.Append(await suspended.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        }

        Assert.Null(Mailbox("fabrikam", Bob).SuspendedBy);
        Assert.NotNull(Mailbox("contoso", Alice).SuspendedBy);
        var resume = cli.Run(ContosoToken, "resume", "--tenant", "contoso", "--mailbox", Alice);
        Assert.True(resume.ExitCode == 0, resume.Error);
        Assert.Null(Mailbox("contoso", Alice).SuspendedBy);

        var everything = secondOutput + serving.Output + cliOutput() + dashboardOutput;
        Assert.All(secrets, s => Assert.DoesNotContain(s, everything, StringComparison.Ordinal));
    }

    private static string SiloConfig(EmulatorHost host, string clusterId, (int Silo, int Gateway) ports) => RunOnceProcess.Config(host, extra: $"""
        dashboard:
          bind: 127.0.0.1:0
        cluster:
          clusterId: {clusterId}
          advertisedAddress: 127.0.0.1
          siloPort: {ports.Silo}
          gatewayPort: {ports.Gateway}
          tenants: tenants/
          maxConnections: {RulesSync.Runner.Cluster.ClusterConnections.FewestConnections}
        """).Replace("  autoShare: true", "  interval: 00:30:00\n  autoShare: true", StringComparison.Ordinal);

    /// <summary>A silo's environment: the database and contoso's token (<paramref name="contosoToken"/>) and fabrikam's.</summary>
    private Dictionary<string, string?> Environment(string contosoToken) => new()
    {
        ["RULESYNC_CLUSTER_CONNECTION_STRING"] = database.ConnectionString,
        ["RULESYNC_OPERATOR_TOKEN"] = contosoToken,
        ["RULESYNC_OPERATOR_TOKEN__FABRIKAM"] = FabrikamToken,
    };

    /// <summary>The operator CLI in-process with the silo's config (and the database from the environment), the token given per command.</summary>
    private OperatorCli Operators(string config) => new(config, database.ConnectionString);

    private string RuleSetOf(string tenant, string meeting)
    {
        using var store = PostgresStateStore.Open(database.ConnectionString, tenant, create: false);
        var hashes = store.DecisionsOfMeeting(meeting).Select(d => d.RuleSetHash).Distinct().ToArray();
        Assert.NotEmpty(hashes);
        return Assert.Single(hashes);
    }

    private MailboxRow Mailbox(string tenant, string mailbox)
    {
        using var store = PostgresStateStore.Open(database.ConnectionString, tenant, create: false);
        return store.Mailbox(mailbox) ?? throw new InvalidOperationException($"{tenant} has no mailbox {mailbox}");
    }

    /// <summary>Waits (bounded) until the silo at <paramref name="port"/> is in the membership (Active), or no longer (Dead or absent).</summary>
    private async Task WaitForMembershipAsync(string clusterId, int port, bool live)
    {
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            await using var command = source.CreateCommand("SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = @c AND port = @p AND status = 3");
            command.Parameters.AddWithValue("c", clusterId);
            command.Parameters.AddWithValue("p", port);
            if ((long)(await command.ExecuteScalarAsync())! > 0 == live)
            {
                return;
            }

            if (bound.IsCancellationRequested)
            {
                throw new TimeoutException($"the silo on port {port} was not {(live ? "active" : "gone")} in the membership within {Bound}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(new JsonObject { ["operator"] = "ops", ["reason"] = "dashboard check" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request).WaitAsync(Bound);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The operator CLI against the cluster in the silo's config; keeps everything it printed.</summary>
    private sealed class OperatorCli(string config, string connectionString)
    {
        private readonly StringBuilder transcript = new();

        public Func<string> Transcript => () => transcript.ToString();

        public CliRun Run(string? token, params string[] args)
        {
            var run = CliRun.With(
                name => name switch
                {
                    "RULESYNC_CLUSTER_CONNECTION_STRING" => connectionString,
                    RulesSync.Runner.Configuration.RunnerOptions.OperatorTokenVariable => token,
                    _ => null,
                },
                [.. args, "--config", config]);
            transcript.Append(run.Out).Append(run.Error);
            return run;
        }
    }
}
