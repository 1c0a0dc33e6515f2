using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Operators against a 3-silo cluster over PostgreSQL, end to end: the CLI's <c>status|suspend|resume|held|approve|
/// discard|journal</c> and the dashboard act on a tenant through the cluster database (selected with <c>--tenant</c>,
/// or under <c>/tenants/NAME/</c>), the tenant's grain honours it on whichever silo it runs, and each tenant's
/// operator token acts on that tenant only. Also the rolling upgrade's rule-set hash check.
/// </summary>
public sealed class ClusterOperatorTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string TokenA = "tenant-a-operator-token";
    private const string TokenB = "tenant-b-operator-token";

    [Fact]
    public async Task CliSuspendResume_TenantOnTheCluster_TheGrainSkipsThenSettlesWithNothingLost()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob]);
        Record(t, TokenA);
        using var files = new TempFiles();
        var config = OperatorConfig(files, t.Key);
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("First", 1, Bob));
        await t.CycleAsync();

        var suspend = Cli(TokenA, "suspend", "--config", config, "--tenant", t.Key, "--mailbox", Alice, "--reason", "investigating", "--by", "ops");
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("While suspended", 3, Bob));
        var skipped = await t.CycleAsync();
        var status = Cli(null, "status", "--config", config, "--tenant", t.Key);

        Assert.True(suspend.ExitCode == 0, suspend.Error);
        Assert.Equal(1, skipped.Skipped);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("suspended by ops: investigating", status.Out, StringComparison.Ordinal);

        var resume = Cli(TokenA, "resume", "--config", config, "--tenant", t.Key, "--mailbox", Alice);
        await t.CycleAsync();
        await t.CycleAsync();

        Assert.True(resume.ExitCode == 0, resume.Error);
        var subjects = t.H.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment).Select(a => a.Subject).Order().ToArray();
        Assert.Equal(["First", "While suspended"], subjects);
        Assert.Equal(0, Cli(null, "status", "--config", config, "--tenant", t.Key).ExitCode);
    }

    [Fact]
    public async Task CliHeldApprove_HeldEffect_ListedThenCarriedOutExactlyOnce()
    {
        await using var t = await ClusterRunnerTests.WithHeldEffectsAsync(cluster);
        Record(t, TokenA);
        using var files = new TempFiles();
        var config = OperatorConfig(files, t.Key);

        var held = Cli(null, "held", "--config", config, "--tenant", t.Key, "--format", "json");
        var keys = JsonNode.Parse(held.Out)!["held"]!.AsArray().Select(e => e!["key"]!.GetValue<string>()).ToArray();
        var heldInDatabase = t.Queries.HeldEffects().Select(e => e.Key).ToArray();
        var approve = Cli(TokenA, "approve", "--config", config, "--tenant", t.Key, "--effect", keys[0], "--by", "ops@contoso.example");
        var first = await t.CycleAsync();
        var messages = t.H.T.Organization.Messages.Count;
        var second = await t.CycleAsync();
        var journal = Cli(null, "journal", "--config", config, "--tenant", t.Key, "--meeting", t.Store.Effect(keys[0])!.MeetingKey);

        Assert.Equal(1, held.ExitCode);
        Assert.Equal(heldInDatabase, keys);
        Assert.True(approve.ExitCode == 0, approve.Error);
        Assert.Equal(1, first.ApprovedApplied);
        Assert.Equal(0, second.ApprovedApplied);
        Assert.Equal(messages, t.H.T.Organization.Messages.Count);
        var effect = t.Store.Effect(keys[0])!;
        Assert.Equal(EffectStatus.Applied, effect.Status);
        Assert.Equal("ops@contoso.example", effect.ReviewedBy);
        Assert.Contains("[applied by ops@contoso.example", journal.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliDiscard_AllHeld_NeverCarriedOut()
    {
        await using var t = await ClusterRunnerTests.WithHeldEffectsAsync(cluster);
        Record(t, TokenA);
        using var files = new TempFiles();
        var config = OperatorConfig(files, t.Key);
        var keys = t.Queries.HeldEffects().Select(e => e.Key).ToArray();

        var discard = Cli(TokenA, "discard", "--config", config, "--tenant", t.Key, "--all");
        var report = await t.CycleAsync();

        Assert.True(discard.ExitCode == 0, discard.Error);
        Assert.Equal(0, report.ApprovedApplied);
        Assert.All(keys, k => Assert.Equal(EffectStatus.Discarded, t.Store.Effect(k)!.Status));
        Assert.Equal(0, Cli(null, "held", "--config", config, "--tenant", t.Key).ExitCode);
    }

    [Fact]
    public async Task Cli_AnotherTenantsTokenNoTokenOrAReadOnlyTenant_RefusedWithExitTwoAndNothingChanged()
    {
        await using var a = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice]);
        await using var b = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice]);
        await using var readOnly = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice]);
        Record(a, TokenA);
        Record(b, TokenB);
        Record(readOnly, null);
        await a.CycleAsync();
        await readOnly.CycleAsync();
        using var files = new TempFiles();
        var config = OperatorConfig(files, a.Key);

        var foreign = Cli(TokenB, "suspend", "--config", config, "--tenant", a.Key, "--all");
        var none = Cli(null, "suspend", "--config", config, "--tenant", a.Key, "--all");
        var refusedReadOnly = Cli(TokenA, "suspend", "--config", config, "--tenant", readOnly.Key, "--all");
        var unknown = Cli(TokenA, "status", "--config", config, "--tenant", "no-such-tenant");

        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains("is not", foreign.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenB, foreign.Error + foreign.Out, StringComparison.Ordinal);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains(RunnerOptions.OperatorTokenVariable, none.Error, StringComparison.Ordinal);
        Assert.Equal(2, refusedReadOnly.ExitCode);
        Assert.Contains("may only read", refusedReadOnly.Error, StringComparison.Ordinal);
        Assert.False(a.Store.Tenant().KillSwitch);
        Assert.False(readOnly.Store.Tenant().KillSwitch);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains(a.Key, unknown.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await a.CycleAsync()).Skipped);
    }

    [Fact]
    public async Task Dashboard_TwoTenants_EachTokenActsOnItsOwnTenantOnlyAndTheGrainHonoursIt()
    {
        await using var a = await ClusterRunnerTests.WithHeldEffectsAsync(cluster);
        await using var b = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob]);
        await using var dashboard = await DashboardServer.StartAsync(
            [
                new DashboardSite(a.Key, new StoreOperatorConsole(a.Store, a.H.T.Time), TokenA),
                new DashboardSite(b.Key, new StoreOperatorConsole(b.Store, b.H.T.Time), TokenB),
            ],
            new DashboardOptions { Bind = "127.0.0.1:0" },
            a.H.T.Time,
            NullLoggerFactory.Instance);
        using var http = new HttpClient { BaseAddress = dashboard.Addresses.Single() };
        var aPath = DashboardSite.PathOf(a.Key);
        var bPath = DashboardSite.PathOf(b.Key);

        var listed = await http.GetFromJsonAsync<JsonArray>($"{aPath}/api/held");
        var keys = listed!.Select(e => e!["id"]!.GetValue<string>()).ToArray();
        var foreign = await PostAsync(http, $"{aPath}/api/held/{Uri.EscapeDataString(keys[0])}/approve", TokenB);
        var approved = await PostAsync(http, $"{aPath}/api/held/{Uri.EscapeDataString(keys[0])}/approve", TokenA);
        var discarded = keys.Length > 1 ? await PostAsync(http, $"{aPath}/api/held/{Uri.EscapeDataString(keys[1])}/discard", TokenA) : null;
        var first = await a.CycleAsync();
        var second = await a.CycleAsync();
        await b.CycleAsync();
        var suspendB = await PostAsync(http, $"{bPath}/api/mailboxes/{Uri.EscapeDataString(Alice)}/suspend", TokenB, "maintenance");
        var suspendBWithA = await PostAsync(http, $"{bPath}/api/suspend-all", TokenA, "wrong tenant");
        b.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Skipped", 1, Bob));
        var bCycle = await b.CycleAsync();
        var bMailboxes = await http.GetFromJsonAsync<JsonArray>($"{bPath}/api/mailboxes");
        var page = await http.GetAsync(new Uri(aPath, UriKind.Relative));

        Assert.NotEmpty(keys);
        Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(1, first.ApprovedApplied);
        Assert.Equal(0, second.ApprovedApplied);
        Assert.Equal(EffectStatus.Applied, a.Store.Effect(keys[0])!.Status);
        if (discarded is not null)
        {
            Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
            Assert.Equal(EffectStatus.Discarded, a.Store.Effect(keys[1])!.Status);
        }

        Assert.Equal(HttpStatusCode.OK, suspendB.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, suspendBWithA.StatusCode);
        Assert.False(b.Store.Tenant().KillSwitch);
        Assert.Equal(1, bCycle.Skipped);
        Assert.Equal("suspended", bMailboxes!.Single(m => m!["id"]!.GetValue<string>() == Alice)!["state"]!.GetValue<string>());
        // Redirected to the page's own folder, where its relative API paths resolve to the tenant's.
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(aPath + "/", page.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task RunCycle_SiloRulesOtherThanTheSetInForce_RefusedUntilAdopted()
    {
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, [Alice, Bob]);
        await t.CycleAsync();
        var ours = t.Store.Tenant().RuleSetInForce;
        Assert.Equal(t.Store.Tenant().RuleSetHash, ours);
        var operations = new TenantOperations(t.Store, t.H.T.Time);
        operations.AdoptRuleSet(new string('0', 64), "ops");
        t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("After the upgrade", 1, Bob));

        var refused = await t.CycleAsync();

        Assert.Contains("not the one in force", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, refused.Synced);
        Assert.Empty(t.H.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));

        Assert.Equal(new string('0', 64), operations.AdoptRuleSet(ours!, "ops"));
        var adopted = await t.CycleAsync();

        Assert.Null(adopted.Error);
        Assert.Equal(2, adopted.Synced);
        Assert.Single(t.H.T.Host.Crm.All(RulesSync.Emulators.Crm.CrmActivityKind.Appointment));
    }

    /// <summary>What a silo serving the tenant records at start (<c>rulesync run</c> in cluster mode): its operator token's hash.</summary>
    private static void Record(ClusterRunnerTests.Tenant t, string? token) =>
        new TenantOperations(t.Store, t.H.T.Time).RecordOperatorToken(token);

    /// <summary>An operator's config: the cluster section is what the commands use; the rest only has to be valid.</summary>
    private string OperatorConfig(TempFiles files, string tenant) => files.Write("operator.yaml", $"""
        tenant: {tenant}
        rules: embedded:default
        crm:
          serviceRoot: http://127.0.0.1:9/crm/
        graph:
          tenantId: unused
          clientId: unused
          clientSecret: unused
        mailboxes:
          - id: {Alice}
            provider: exchange
        cluster:
          connectionString: "{cluster.ConnectionString}"
        """);

    private static CliRun Cli(string? token, params string[] args) =>
        CliRun.With(name => name == RunnerOptions.OperatorTokenVariable ? token : null, args);

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string token, string? reason = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(reason is null ? new JsonObject { ["operator"] = "ops" } : new JsonObject { ["operator"] = "ops", ["reason"] = reason }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}
