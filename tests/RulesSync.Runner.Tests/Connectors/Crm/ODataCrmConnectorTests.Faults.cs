using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Crm;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Crm;

/// <summary>CSRF expiry, throttling and injected faults on the CRM connector: documented behaviour, nothing lost.</summary>
public sealed partial class ODataCrmConnectorTests
{
    [Fact]
    public async Task Write_CsrfTokenExpiredBetweenWrites_FetchesANewTokenOnceAndWrites()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V2);
        var alice = crm.ForEmployee(Alice);
        await alice.CreateAsync(Content("First", 1, Alice, Bob), Alice, "e1");

        t.Host.Crm.ExpireCsrfTokens();
        var result = await alice.CancelAsync(a.ObjectID);

        Assert.Equal(CrmWriteStatus.Written, result.Status);
        Assert.Equal(2, t.Host.Counters.ForRoute("crm.v2.root"));
        Assert.Equal(2, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.update"));
    }

    [Fact]
    public async Task Write_CsrfRequiredTwiceInARow_FailsAfterOneRefetch()
    {
        await using var t = await StartAsync();
        var a = AddAppointment(t, "Review", 1, Alice, Bob);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "crm.v2.AppointmentCollection.update", Times = 2 });
        using var crm = Connect(t, CrmDialect.V2);

        var error = await Assert.ThrowsAsync<ODataCrmException>(() => crm.ForEmployee(Alice).CancelAsync(a.ObjectID));

        Assert.Equal(403, error.Status);
        Assert.Equal(2, t.Host.Counters.ForRoute("crm.v2.root"));
        Assert.Equal("1", t.Host.Crm.Get(CrmActivityKind.Appointment, a.ObjectID)!.LifeCycleStatusCode);
    }

    [Fact]
    public async Task ReadChanges_Throttled429_WaitsRetryAfterOnTheClock()
    {
        await using var t = await StartAsync();
        AddAppointment(t, "Review", 1, Alice, Bob);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "crm.v2.AppointmentCollection.query", RetryAfter = TimeSpan.FromSeconds(9) });
        using var crm = Connect(t, CrmDialect.V2);

        var read = crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0)).AsTask();
        var delay = await t.AdvanceThroughRetryAsync(read);

        Assert.Equal(TimeSpan.FromSeconds(9), delay);
        Assert.Single((await read).Records);
    }

    [Theory]
    [InlineData(FaultKind.Unavailable)]
    [InlineData(FaultKind.MalformedJson)]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.ShortPage)]
    [InlineData(FaultKind.Timeout)]
    public async Task ReadChanges_FaultOnASecondServerPage_LosesNothing(FaultKind kind)
    {
        await using var t = await StartAsync(new EmulatorOptions { CrmPageSize = 2 });
        var ids = Enumerable.Range(0, 5).Select(i => AddAppointment(t, $"m{i}", i, Alice, Bob).ObjectID).ToList();
        t.Host.Faults.Add(new FaultRule { Kind = kind, Route = "crm.v2.AppointmentCollection.query", FromNth = 2, PageSize = 0, Delay = TimeSpan.FromSeconds(100) });
        using var crm = Connect(t, CrmDialect.V2);

        var read = crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0)).AsTask();
        if (kind == FaultKind.Timeout)
        {
            await t.Host.Faults.NextDelayedRequestAsync();
            t.Time.Advance(new Runner.Connectors.Resilience.RetryOptions().AttemptTimeout);
        }

        var page = await t.CompleteWithRetriesAsync(read);

        Assert.Equal(ids.Order(StringComparer.Ordinal), page.Records.Select(r => r.ObjectId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Create_Throttled_RetriedOnceAndCreatedOnce()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "crm.v2.AppointmentCollection.create", RetryAfter = TimeSpan.FromSeconds(2) });
        using var crm = Connect(t, CrmDialect.V2);

        var create = crm.ForEmployee(Alice).CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "e1");
        Assert.Equal(TimeSpan.FromSeconds(2), await t.AdvanceThroughRetryAsync(create));
        await create;

        Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment));
    }

    [Fact]
    public async Task Create_AnswerCutOff_IsNotRepeatedSoNoDuplicateRecord()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.TruncatedBody, Route = "crm.v2.AppointmentCollection.create" });
        using var crm = Connect(t, CrmDialect.V2);

        await Assert.ThrowsAnyAsync<Exception>(() => crm.ForEmployee(Alice).CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "e1"));

        Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment));
        Assert.Equal(1, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.create"));
    }

    [Fact]
    public async Task Logs_AndOptions_NeverShowThePasswordOrTheBasicCredential()
    {
        await using var t = await StartAsync();
        AddAppointment(t, "Review", 1, Alice, Bob);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "crm.v2.*" });
        using var crm = Connect(t, CrmDialect.V2);

        await t.CompleteWithRetriesAsync(crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0)).AsTask());
        await t.CompleteWithRetriesAsync(crm.ForEmployee(Alice).CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "e1"));

        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("RULESYNC_TECH:" + Password));
        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.Configured);
        Assert.Contains(t.Logs.Entries, e => e.EventId == ConnectorLogEvents.RetryScheduled);
        Assert.DoesNotContain(Password, t.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(basic, t.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, crm.Options.ToString(), StringComparison.Ordinal);
        Assert.Contains("Password = ***", crm.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_ReadsServiceRootDialectAndCredentials()
    {
        var env = new Dictionary<string, string>
        {
            [ODataCrmOptions.ServiceRootVariable] = "https://my000001.crm.ondemand.com/sap/c4c/odata/v1/c4codata",
            [ODataCrmOptions.DialectVariable] = "v1",
            [ODataCrmOptions.UserVariable] = "TECH",
            [ODataCrmOptions.PasswordVariable] = Password,
        };

        var options = ODataCrmOptions.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal("https://my000001.crm.ondemand.com/sap/c4c/odata/v1/c4codata/", options.ServiceRoot!.AbsoluteUri);
        Assert.Equal((Engine.Changes.ApiVersion.V1, "TECH", Password), (options.Dialect, options.User, options.Password));
        Assert.Throws<InvalidOperationException>(() => ODataCrmOptions.FromEnvironment(name => name == ODataCrmOptions.DialectVariable ? "v3" : null));
    }
}
