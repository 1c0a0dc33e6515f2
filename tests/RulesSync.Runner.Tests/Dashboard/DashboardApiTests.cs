using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.Tenant;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Dashboard;

public class DashboardApiTests
{
    private static readonly object Ana = new { @operator = "Ana (ops)" };

    [Fact]
    public async Task Overview_NoToken_AnswersWithServerClockAndTenant()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, "/api/overview");

        var root = json.RootElement;
        Assert.Equal(DashboardTenant.Now, root.GetProperty("asOf").GetDateTimeOffset());
        Assert.Equal(DashboardTenant.ActiveHash, root.GetProperty("activeRuleSet").GetProperty("hash").GetString());
        Assert.Equal(DashboardTenant.Now.AddHours(-20), root.GetProperty("activeRuleSet").GetProperty("loadedAt").GetDateTimeOffset());
        Assert.StartsWith("contoso.yaml:31:9: error:", root.GetProperty("lastReloadError").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("killSwitch").ValueKind);
        Assert.Equal(DashboardTenant.ShadowHash, root.GetProperty("shadowRuleSetHash").GetString());
        Assert.True(root.GetProperty("actionsEnabled").GetBoolean());
        Assert.Equal(10, root.GetProperty("refreshSeconds").GetInt32());
    }

    [Fact]
    public async Task Overview_ClockAdvances_AsOfFollowsTimeProvider()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Clock.Advance(TimeSpan.FromMinutes(7));

        using var json = await GetJsonAsync(host, "/api/overview");

        Assert.Equal(DashboardTenant.Now.AddMinutes(7), json.RootElement.GetProperty("asOf").GetDateTimeOffset());
    }

    [Fact]
    public async Task Mailboxes_Get_CamelCaseEnumsAndLatencyInMilliseconds()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, "/api/mailboxes");

        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(8, rows.Count);
        var carla = rows.Single(r => r.GetProperty("id").GetString() == DashboardTenant.AutoSuspended);
        Assert.Equal("exchange", carla.GetProperty("provider").GetString());
        Assert.Equal("suspended", carla.GetProperty("state").GetString());
        Assert.Equal("circuit breaker", carla.GetProperty("suspension").GetProperty("by").GetString());
        Assert.True(carla.GetProperty("suspension").GetProperty("automatic").GetBoolean());
        Assert.Equal(3, carla.GetProperty("pendingEffects").GetInt32());
        Assert.Equal(0, carla.GetProperty("heldEffects").GetInt32());
        Assert.Contains("client secret expired", carla.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        var latencies = carla.GetProperty("recentSyncLatencies").EnumerateArray().Select(s => s.GetProperty("duration").GetDouble()).ToArray();
        Assert.Equal([520, 480, 8000, 8000, 8000], latencies);
    }

    [Fact]
    public async Task Held_Get_ListsRuleMeetingAndDecision()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, "/api/held");

        var first = json.RootElement[0];
        Assert.Equal(DashboardTenant.HeldCancellation, first.GetProperty("id").GetString());
        Assert.Equal(DashboardTenant.Organizer, first.GetProperty("mailboxId").GetString());
        Assert.Equal(DashboardTenant.QuarterlyReviewUid, first.GetProperty("meetingUid").GetString());
        Assert.Equal("Quarterly review with Fabrikam", first.GetProperty("meetingSubject").GetString());
        Assert.Equal("organizer-missing-on-v2-cancels-crm", first.GetProperty("rule").GetString());
        Assert.Equal("cancel", first.GetProperty("decision").GetString());
        Assert.Contains("45%", first.GetProperty("whyHeld").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task MeetingHistory_UidWithSlash_DecodedOnce()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, $"/api/meetings/{Uri.EscapeDataString(DashboardTenant.QuarterlyReviewUid)}/history");

        var entries = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal("ben.okafor@contoso.example", entries[0].GetProperty("mailboxId").GetString());
        Assert.Equal("attendee", entries[0].GetProperty("facts").GetProperty("role").GetString());
        Assert.Equal("share", entries[0].GetProperty("decision").GetString());
        Assert.Equal("held", entries[2].GetProperty("effects")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task MeetingHistory_UnknownUid_EmptyList()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, "/api/meetings/no-such-meeting%25x/history");

        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Shadow_Max_LimitsNewestFirst()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, "/api/shadow?max=2");

        Assert.Equal(2, json.RootElement.GetArrayLength());
        Assert.Equal("cancel", json.RootElement[0].GetProperty("liveDecision").GetString());
        Assert.Equal("ignore", json.RootElement[0].GetProperty("shadowDecision").GetString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    public async Task Shadow_MaxOutOfRange_BadRequest(string max)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Http.GetAsync(new Uri($"/api/shadow?max={max}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("max must be", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decisions_Get_HourlyBucketsWithEveryKind()
    {
        await using var host = await DashboardHost.StartAsync();

        using var json = await GetJsonAsync(host, "/api/decisions");

        Assert.Equal(24, json.RootElement.GetArrayLength());
        var last = json.RootElement[23];
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), last.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(14, last.GetProperty("held").GetInt32());
        foreach (var kind in new[] { "ignore", "share", "delete", "cancel", "unlink", "held", "end" })
        {
            Assert.True(last.TryGetProperty(kind, out _), kind);
        }
    }

    [Fact]
    public async Task Action_NoToken_UnauthorizedAndConsoleUntouched()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Http.PostAsJsonAsync("/api/held/" + DashboardTenant.HeldCancellation + "/approve", Ana);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("Refused: this action needs the operator token.", await ErrorOf(response));
        Assert.Empty(host.Tenant.Actions);
    }

    [Theory]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer s3cret-operator-token-for-test")]
    [InlineData("Basic czNjcmV0LW9wZXJhdG9yLXRva2VuLWZvci10ZXN0cw==")]
    public async Task Action_WrongToken_Unauthorized(string authorization)
    {
        await using var host = await DashboardHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/suspend-all") { Content = JsonContent.Create(new { @operator = "x", reason = "y" }) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Refused:", await ErrorOf(response), StringComparison.Ordinal);
        Assert.Empty(host.Tenant.Actions);
    }

    [Fact]
    public async Task Action_ReadOnlyDashboard_ForbiddenWhateverTheToken()
    {
        await using var host = await DashboardHost.StartAsync(token: null);

        using var response = await PostAsync(host, $"/api/mailboxes/{DashboardTenant.AutoSuspended}/resume", Ana, "anything");
        using var overview = await GetJsonAsync(host, "/api/overview");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("read-only", await ErrorOf(response), StringComparison.Ordinal);
        Assert.False(overview.RootElement.GetProperty("actionsEnabled").GetBoolean());
        Assert.Empty(host.Tenant.Actions);
    }

    [Fact]
    public async Task Resume_WithToken_ResumesAndSyncCompletesOnTheClock()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await PostAsync(host, $"/api/mailboxes/{DashboardTenant.AutoSuspended}/resume", Ana);
        var resumed = await MailboxAsync(host, DashboardTenant.AutoSuspended);
        host.Clock.Advance(InMemoryOperatorConsole.SyncDuration);
        var synced = await MailboxAsync(host, DashboardTenant.AutoSuspended);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Mailbox {DashboardTenant.AutoSuspended} resumed.", await MessageOf(response));
        Assert.Equal([$"resume {DashboardTenant.AutoSuspended} by Ana (ops)"], host.Tenant.Actions);
        Assert.Equal(MailboxState.Syncing, resumed.State);
        Assert.Equal(DashboardTenant.Now.AddHours(-2), resumed.LastSyncAt);
        Assert.Equal(DashboardTenant.Now + InMemoryOperatorConsole.SyncDuration, synced.LastSyncAt);
        Assert.Equal(0, synced.PendingEffects);
    }

    [Fact]
    public async Task Suspend_WithTokenAndReason_Suspends()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await PostAsync(host, $"/api/mailboxes/{DashboardTenant.Healthy}/suspend", new { @operator = "Ana (ops)", reason = "user reports duplicates" });
        var mailbox = await MailboxAsync(host, DashboardTenant.Healthy);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MailboxState.Suspended, mailbox.State);
        Assert.Equal(new SuspensionView("Ana (ops)", "user reports duplicates", DashboardTenant.Now, Automatic: false), mailbox.Suspension);
    }

    [Fact]
    public async Task SuspendAllThenResumeAll_KillSwitchOnThenOff()
    {
        await using var host = await DashboardHost.StartAsync();

        using var suspended = await PostAsync(host, "/api/suspend-all", new { @operator = "Ana (ops)", reason = "spurious cancellations reported" });
        using var on = await GetJsonAsync(host, "/api/overview");
        var all = await host.Http.GetFromJsonAsync<MailboxView[]>("/api/mailboxes", DashboardApi.Json);
        using var resumed = await PostAsync(host, "/api/resume-all", Ana);
        using var off = await GetJsonAsync(host, "/api/overview");

        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal("spurious cancellations reported", on.RootElement.GetProperty("killSwitch").GetProperty("reason").GetString());
        Assert.All(all!, m => Assert.Equal(MailboxState.Suspended, m.State));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(JsonValueKind.Null, off.RootElement.GetProperty("killSwitch").ValueKind);
        Assert.Equal(["suspend all by Ana (ops) (spurious cancellations reported)", "resume all by Ana (ops)"], host.Tenant.Actions);
    }

    [Theory]
    [InlineData("""{"operator": "Ana"}""", "reason")]
    [InlineData("""{"operator": "Ana", "reason": "   "}""", "reason")]
    [InlineData("""{"reason": "because"}""", "operator")]
    [InlineData("""{"operator": "", "reason": "because"}""", "operator")]
    [InlineData("not json", "JSON")]
    [InlineData("", "JSON")]
    public async Task Suspend_IncompleteBody_BadRequestSaysWhat(string body, string says)
    {
        await using var host = await DashboardHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/mailboxes/{DashboardTenant.Healthy}/suspend") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DashboardHost.Token);

        using var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(says, await ErrorOf(response), StringComparison.Ordinal);
        Assert.Empty(host.Tenant.Actions);
    }

    [Theory]
    [InlineData("/api/mailboxes/nobody%40contoso.example/suspend", "No mailbox with id 'nobody@contoso.example'.")]
    [InlineData("/api/mailboxes/nobody%40contoso.example/resume", "No mailbox with id 'nobody@contoso.example'.")]
    [InlineData("/api/held/held-none/approve", "No held effect with id 'held-none'.")]
    [InlineData("/api/held/held-none/discard", "No held effect with id 'held-none'.")]
    public async Task Action_UnknownId_NotFound(string path, string message)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await PostAsync(host, path, new { @operator = "Ana", reason = "r" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(message, await ErrorOf(response));
    }

    [Fact]
    public async Task Approve_HeldCancellation_LeavesHeldList()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await PostAsync(host, $"/api/held/{DashboardTenant.HeldCancellation}/approve", Ana);
        var held = await host.Http.GetFromJsonAsync<HeldEffectView[]>("/api/held", DashboardApi.Json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(held!, h => h.Id == DashboardTenant.HeldCancellation);
        Assert.Equal(2, held!.Length);
    }

    [Fact]
    public async Task Approve_AlreadyDiscarded_ConflictWithConsoleMessage()
    {
        await using var host = await DashboardHost.StartAsync();

        using var discarded = await PostAsync(host, $"/api/held/{DashboardTenant.HeldDeletion}/discard", new { @operator = "Bo" });
        using var approved = await PostAsync(host, $"/api/held/{DashboardTenant.HeldDeletion}/approve", Ana);

        Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, approved.StatusCode);
        Assert.Equal($"Held effect {DashboardTenant.HeldDeletion} was already discarded by Bo.", await ErrorOf(approved));
    }

    [Fact]
    public async Task Actions_AcceptedAndRefused_TokenNeverLogged()
    {
        await using var host = await DashboardHost.StartAsync();

        using var ok = await PostAsync(host, $"/api/mailboxes/{DashboardTenant.Healthy}/suspend", new { @operator = "Ana", reason = "test" });
        using var wrong = await PostAsync(host, $"/api/mailboxes/{DashboardTenant.Healthy}/resume", Ana, DashboardHost.Token + "x");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Operator Ana suspended mailbox ana.silva@contoso.example: test", host.Logs.AllText, StringComparison.Ordinal);
        Assert.Contains("refused: wrong operator token", host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(DashboardHost.Token, host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownApiPath_NotFoundJson()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Http.GetAsync(new Uri("/api/nothing-here", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No such API endpoint.", await ErrorOf(response));
    }

    [Fact]
    public async Task ConsoleThrows_ServerErrorWithPlainMessageAndLogged()
    {
        await using var host = await DashboardHost.StartAsync(console: new BrokenConsole());

        using var response = await host.Http.GetAsync(new Uri("/api/mailboxes", UriKind.Relative));
        using var again = await host.Http.GetAsync(new Uri("/api/mailboxes", UriKind.Relative));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("The runner could not answer this request; see the runner's log.", await ErrorOf(response));
        Assert.Equal(HttpStatusCode.InternalServerError, again.StatusCode);
        Assert.Contains("LiteDB file is locked", host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignHostHeader_Misdirected()
    {
        await using var host = await DashboardHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/overview");
        request.Headers.Host = "attacker.example";

        using var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/dashboard.js", "text/javascript")]
    [InlineData("/dashboard.css", "text/css")]
    public async Task Page_ServedFromEmbeddedResourcesWithContentSecurityPolicy(string path, string mediaType)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("default-src 'none'; script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task StartAsync_PortZero_ReportsBoundLoopbackPort_StopsOnDispose()
    {
        var host = await DashboardHost.StartAsync();
        var address = host.BaseAddress;
        await host.DisposeAsync();

        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(address, "/api/overview")));
    }

    [Fact]
    public void Options_Default_LoopbackPort8787ReadOnly()
    {
        var options = new DashboardOptions();

        Assert.Equal("127.0.0.1:8787", options.Bind);
        Assert.Null(options.OperatorToken);
    }

    private static async Task<JsonDocument> GetJsonAsync(DashboardHost host, string path)
    {
        using var response = await host.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<MailboxView> MailboxAsync(DashboardHost host, string id) =>
        (await host.Http.GetFromJsonAsync<MailboxView[]>("/api/mailboxes", DashboardApi.Json))!.Single(m => m.Id == id);

    private static async Task<HttpResponseMessage> PostAsync(DashboardHost host, string path, object body, string token = DashboardHost.Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await host.Http.SendAsync(request);
    }

    private static async Task<string?> ErrorOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString();
    }

    private static async Task<string?> MessageOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("message").GetString();
    }

    private sealed class BrokenConsole : IOperatorConsole
    {
        public ValueTask<TenantOverview> OverviewAsync(CancellationToken ct) => throw Broken();

        public ValueTask<IReadOnlyList<MailboxView>> MailboxesAsync(CancellationToken ct) => throw Broken();

        public ValueTask<IReadOnlyList<HeldEffectView>> HeldEffectsAsync(CancellationToken ct) => throw Broken();

        public ValueTask<IReadOnlyList<JournalEntryView>> MeetingHistoryAsync(string meetingUid, CancellationToken ct) => throw Broken();

        public ValueTask<IReadOnlyList<ShadowDifferenceView>> ShadowDifferencesAsync(int max, CancellationToken ct) => throw Broken();

        public ValueTask<IReadOnlyList<DecisionCountBucket>> DecisionsOverTimeAsync(CancellationToken ct) => throw Broken();

        public ValueTask SuspendAsync(string? mailboxId, string operatorName, string reason, CancellationToken ct) => throw Broken();

        public ValueTask ResumeAsync(string? mailboxId, string operatorName, CancellationToken ct) => throw Broken();

        public ValueTask ApproveAsync(string heldEffectId, string operatorName, CancellationToken ct) => throw Broken();

        public ValueTask DiscardAsync(string heldEffectId, string operatorName, CancellationToken ct) => throw Broken();

        private static InvalidOperationException Broken() => new("LiteDB file is locked by another process");
    }
}
