using System.Text.Json.Nodes;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;
using static RulesSync.Runner.Tests.Connectors.ConnectorTestHost;

namespace RulesSync.Runner.Tests.Connectors.Crm;

/// <summary>Quarantine, the $metadata check, CSRF modes, pinned links and the ids-only listing, over HTTP against the emulator.</summary>
public sealed partial class ODataCrmConnectorTests
{
    [Theory]
    [InlineData(CrmDialect.V1, "StartDateTime")]
    [InlineData(CrmDialect.V2, "StartDate")]
    [InlineData(CrmDialect.V2, "LifeCycleStatusCode")]
    public async Task ReadChanges_OneMalformedRecord_IsQuarantinedAndTheRestOfThePollGoesOn(CrmDialect dialect, string field)
    {
        await using var t = await StartAsync();
        var good = AddAppointment(t, "Good", 1, Alice, Bob);
        var bad = AddAppointment(t, "Bad", 2, Alice, Bob);
        var later = AddAppointment(t, "Later", 3, Alice, Bob);
        t.Host.Crm.Tamper(bad.ObjectID, e => e[field] = 42);
        using var crm = Connect(t, dialect);

        var page = await crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0));

        Assert.Equal([good.ObjectID, later.ObjectID], page.Records.Select(r => r.ObjectId));
        var q = Assert.Single(crm.QuarantinedNow);
        Assert.Equal(("AppointmentCollection", bad.ObjectID, field), (q.EntitySet, q.ObjectId, q.Field));
        Assert.Contains("a number", q.Problem, StringComparison.Ordinal);
        Assert.Equal(1, crm.QuarantinedReads);
        Assert.Contains(t.Logs.Entries, l => l.EventId == Runner.Connectors.ConnectorLogEvents.CrmRecordQuarantined && l.Message.Contains(bad.ObjectID, StringComparison.Ordinal));

        // Counted live, so no deletion is decided on it; once it reads again it leaves the quarantine.
        Assert.Contains(bad.ObjectID, await crm.ForEmployee(Alice).ListIdsAsync());
        t.Host.Crm.Tamper(bad.ObjectID, _ => { });
        t.Host.Crm.Update(CrmActivityKind.Appointment, bad.ObjectID, a => a with { Subject = "Bad (fixed)" });
        var next = await crm.ForEmployee(Alice).ReadChangesAsync(page.Next);
        Assert.Contains(next.Records, r => r.Subject == "Bad (fixed)");
        Assert.Empty(crm.QuarantinedNow);
    }

    [Fact]
    public async Task EnsureMapping_FieldTheServiceLacks_FailsNamingEntitySetAndField()
    {
        await using var t = await StartAsync();
        var profile = CrmDialectProfile.C4cODataApi with
        {
            Appointment = CrmDialectProfile.C4cODataApi.Appointment with { Start = "StartDateTime" },
            Visit = CrmDialectProfile.C4cODataApi.Visit with { LastChange = "Subject" },
        };
        using var crm = Connect(t, CrmDialect.V2, new ODataCrmOptions { Profile = profile });

        var e = await Assert.ThrowsAsync<CrmMappingException>(() => crm.EnsureMappingAsync());

        Assert.Equal(
            ["AppointmentCollection.StartDateTime: missing (entity type Appointment)", "VisitCollection.Subject: type Edm.String, expected Edm.DateTimeOffset or Edm.DateTime"],
            e.Problems);
        await Assert.ThrowsAsync<CrmMappingException>(async () => await crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0)));
    }

    [Theory]
    [InlineData(CrmDialect.V1, false)]
    [InlineData(CrmDialect.V2, true)]
    public async Task EnsureMapping_StockProfiles_FitTheEmulatorsMetadata(CrmDialect dialect, bool uid)
    {
        await using var t = await StartAsync();
        using var crm = Connect(t, dialect);

        var report = await crm.EnsureMappingAsync();

        Assert.Empty(report.Problems);
        Assert.Equal(uid, report.UidAvailable);
        Assert.Equal(uid ? ApiVersion.V2 : ApiVersion.V1, crm.ForEmployee(Alice).Dialect);
    }

    [Fact]
    public async Task EnsureMapping_ServiceWithoutTheUidExtension_ReadsOnWithoutUidsAsApiV1()
    {
        await using var t = await StartAsync();
        var profile = CrmDialectProfile.C4cODataApi with
        {
            Appointment = CrmDialectProfile.C4cODataApi.Appointment with { Uid = "YY1_ICALUID_KUT" },
            Visit = CrmDialectProfile.C4cODataApi.Visit with { Uid = "YY1_ICALUID_KUT" },
        };
        AddAppointment(t, "Review", 1, Alice, Bob);
        using var crm = Connect(t, CrmDialect.V2, new ODataCrmOptions { Profile = profile });

        var page = await crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0));

        Assert.Null(Assert.Single(page.Records).Uid);
        Assert.Equal(ApiVersion.V1, crm.ForEmployee(Alice).Dialect);
        Assert.Contains(t.Logs.Entries, l => l.EventId == Runner.Connectors.ConnectorLogEvents.CrmMappingDegraded);
    }

    [Theory]
    [InlineData(CrmCsrfMode.Auto, true)]
    [InlineData(CrmCsrfMode.Off, true)]
    [InlineData(CrmCsrfMode.Required, false)]
    public async Task Create_ServiceHandsOutNoCsrfToken_WritesUnlessATokenIsRequired(CrmCsrfMode mode, bool writes)
    {
        await using var t = await StartAsync();
        t.Host.Crm.CsrfProtection = false; // stock SAP CAP
        using var crm = Connect(t, CrmDialect.V2, new ODataCrmOptions { Csrf = mode });

        var create = crm.ForEmployee(Alice).CreateAsync(Content("Kick-off", 1, Alice, Bob), Alice, "AAMk-1");

        if (writes)
        {
            Assert.Equal(CrmWriteStatus.Written, (await create).Status);
            Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment));
            Assert.Equal(mode == CrmCsrfMode.Off ? 0 : 1, t.Host.Counters.ForRoute("crm.v2.root"));
        }
        else
        {
            var e = await Assert.ThrowsAsync<ODataCrmException>(() => create);
            Assert.Contains("no CSRF token", e.Message, StringComparison.Ordinal);
            Assert.Empty(t.Host.Crm.All(CrmActivityKind.Appointment));
        }
    }

    [Fact]
    public async Task ReadChanges_NextLinkToAnotherHost_IsRefusedAndNoCredentialLeaves()
    {
        await using var t = await StartAsync(new EmulatorOptions { CrmPageSize = 1 });
        AddAppointment(t, "m0", 0, Alice, Bob);
        AddAppointment(t, "m1", 1, Alice, Bob);
        using var handler = new ForeignNextLink();
        using var crm = new ODataCrmConnection(
            new ODataCrmOptions { ServiceRoot = t.Host.CrmServiceRoot(CrmDialect.V2), EmployeeDomains = [Domain], User = "RULESYNC_TECH", Password = Password },
            t.Time,
            t.Logs,
            handler);

        var e = await Assert.ThrowsAsync<ODataCrmException>(async () => await crm.ForEmployee(Alice).ReadChangesAsync(new CrmWatermark(0)));

        Assert.Contains("outside the service root", e.Message, StringComparison.Ordinal);
        Assert.All(handler.Hosts, h => Assert.Equal("127.0.0.1", h));
        Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTenantIds_SelectsObjectIdOnly_AcrossPagesAndBothSets()
    {
        await using var t = await StartAsync(new EmulatorOptions { CrmPageSize = 2 });
        var ids = Enumerable.Range(0, 5).Select(i => AddAppointment(t, $"m{i}", i, Alice, Bob).ObjectID).ToList();
        ids.Add(t.Host.Crm.Add(new CrmActivityDraft(CrmActivityKind.Visit, "Visit", Epoch, Epoch.AddHours(1), "P-bob", Bob, "P-bob", [])).ObjectID);
        using var crm = Connect(t, CrmDialect.V2);

        var listed = await crm.ForEmployee(Alice).ListTenantIdsAsync();

        Assert.Equal(ids.Order(StringComparer.Ordinal), listed);
        Assert.Equal(3, t.Host.Counters.ForRoute("crm.v2.AppointmentCollection.query"));
        Assert.Equal(1, t.Host.Counters.ForRoute("crm.v2.VisitCollection.query"));
    }

    /// <summary>Passes requests to the emulator, rewriting every <c>__next</c> to another host and noting the hosts asked.</summary>
    private sealed class ForeignNextLink : DelegatingHandler
    {
        public ForeignNextLink()
            : base(new SocketsHttpHandler())
        {
        }

        public List<string> Hosts { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Hosts.Add(request.RequestUri!.Host);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                return response;
            }

            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            if (json["d"]?["__next"] is JsonValue next)
            {
                var uri = new UriBuilder(next.GetValue<string>()) { Host = "crm.attacker.example" };
                json["d"]!["__next"] = uri.Uri.AbsoluteUri;
            }

            response.Content = new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            return response;
        }
    }
}
