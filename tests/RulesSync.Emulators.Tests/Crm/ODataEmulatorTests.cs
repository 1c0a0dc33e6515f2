using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Crm;

/// <summary>Raw OData V2 requests against the CRM emulator: envelopes, dates, paging, CSRF, ETags.</summary>
public sealed class ODataEmulatorTests
{
    private static CrmActivityDraft Draft(string subject, int day, CrmActivityKind kind = CrmActivityKind.Appointment) =>
        new(kind, subject, Epoch.AddDays(day), Epoch.AddDays(day).AddHours(1), "P100", Alice, "P100",
            [new CrmParty("P100", CrmRoleCodes.Organizer, Alice, "Alice Adams"), new CrmParty("P200", CrmRoleCodes.Attendee, Bob)])
        {
            ICalUid = $"uid-{subject}",
            GroupwareItemID = $"gw-{subject}",
        };

    private static string Set(TestHost t, CrmDialect dialect, string rest = "AppointmentCollection") =>
        t.Host.CrmServiceRoot(dialect).AbsoluteUri + rest;

    private static async Task<JsonNode> GetJsonAsync(TestHost t, string url) =>
        JsonNode.Parse(await t.Http.GetStringAsync(url))!;

    private static async Task<string> FetchCsrfAsync(TestHost t, CrmDialect dialect)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, t.Host.CrmServiceRoot(dialect));
        request.Headers.Add("x-csrf-token", "fetch");
        using var response = await t.Http.SendAsync(request);
        return response.Headers.GetValues("x-csrf-token").Single();
    }

    private static HttpRequestMessage Write(HttpMethod method, string url, string? csrf, string? ifMatch, JsonObject? body)
    {
        var request = new HttpRequestMessage(method, url);
        if (csrf is not null)
        {
            request.Headers.Add("x-csrf-token", csrf);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Fact]
    public async Task Query_V1_HasVerboseEnvelopeMetadataAndDates()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("Visit ACME", 1));

        var body = await GetJsonAsync(t, Set(t, CrmDialect.V1) + "?$format=json");

        var row = Assert.Single(body["d"]!["results"]!.AsArray())!;
        Assert.Equal(Set(t, CrmDialect.V1, $"AppointmentCollection('{seeded.ObjectID}')"), row["__metadata"]!["uri"]!.GetValue<string>());
        Assert.Equal("c4codata.Appointment", row["__metadata"]!["type"]!.GetValue<string>());
        Assert.Equal("W/\"datetimeoffset'2026-01-05T08%3A00%3A00.0000000Z'\"", row["__metadata"]!["etag"]!.GetValue<string>());
        // c4codata: LOCALNORMALISED_DateTime start/end, StatusCode, ChangedOn (a model generated from a real c4codata $metadata).
        Assert.Equal(
            $$$"""{"__metadata":{"type":"c4codata.LOCALNORMALISED_DateTime"},"timeZoneCode":"UTC","content":"/Date({{{Epoch.AddDays(1).ToUnixTimeMilliseconds()}}})/"}""",
            row["StartDateTime"]!.ToJsonString());
        Assert.Equal($"/Date({Epoch.ToUnixTimeMilliseconds()}+0000)/", row["ChangedOn"]!.GetValue<string>());
        Assert.Equal("1", row["StatusCode"]!.GetValue<string>());
        Assert.False(row.AsObject().ContainsKey("OwnerPartyID"));
        Assert.Equal("gw-Visit ACME", row["GroupwareItemID"]!.GetValue<string>());
        Assert.EndsWith("/AppointmentInvolvedParties", row["AppointmentInvolvedParties"]!["__deferred"]!["uri"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CrmDialect.V1, false)]
    [InlineData(CrmDialect.V2, true)]
    public async Task Query_Dialect_ExposesUidOnlyInV2(CrmDialect dialect, bool exposed)
    {
        await using var t = await StartAsync();
        t.Host.Crm.Add(Draft("m", 1));

        var row = (await GetJsonAsync(t, Set(t, dialect)))["d"]!["results"]![0]!.AsObject();

        Assert.Equal(exposed, row.ContainsKey("ICalUID"));
        if (exposed)
        {
            Assert.Equal("uid-m", row["ICalUID"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Query_MoreThanOnePage_FollowsAbsoluteNextKeepingFilter()
    {
        await using var t = await StartAsync(new EmulatorOptions { CrmPageSize = 3 });
        for (var i = 0; i < 7; i++)
        {
            t.Host.Crm.Add(Draft($"m{i}", i));
        }

        var url = Set(t, CrmDialect.V2) + "?$filter=" + Uri.EscapeDataString("LastChangeDateTime ge datetimeoffset'2026-01-01T00:00:00Z'");
        var sizes = new List<int>();
        var subjects = new List<string>();
        while (url is not null)
        {
            var d = (await GetJsonAsync(t, url))["d"]!;
            var results = d["results"]!.AsArray();
            sizes.Add(results.Count);
            subjects.AddRange(results.Select(r => r!["Subject"]!.GetValue<string>()));
            url = d["__next"]?.GetValue<string>();
            if (url is not null)
            {
                Assert.StartsWith(t.Host.CrmServiceRoot(CrmDialect.V2).AbsoluteUri, url, StringComparison.Ordinal);
                Assert.Contains("$filter=", url, StringComparison.Ordinal);
            }
        }

        Assert.Equal([3, 3, 1], sizes);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"m{i}"), subjects);
    }

    [Theory]
    [InlineData(CrmDialect.V1, "c4codata.LOCALNORMALISED_DateTime", "StartDateTime", "ChangedOn")]
    [InlineData(CrmDialect.V2, "Edm.DateTimeOffset", "StartDate", "LastChangeDateTime")]
    public async Task Metadata_DescribesTheDialectsFieldsAndTypes(CrmDialect dialect, string startType, string start, string lastChange)
    {
        await using var t = await StartAsync();

        var xml = System.Xml.Linq.XDocument.Parse(await t.Http.GetStringAsync(Set(t, dialect, "$metadata")));

        var appointment = xml.Descendants().Single(e => e.Name.LocalName == "EntityType" && (string?)e.Attribute("Name") == "Appointment");
        var types = appointment.Elements().Where(e => e.Name.LocalName == "Property").ToDictionary(e => (string)e.Attribute("Name")!, e => (string)e.Attribute("Type")!);
        Assert.Equal((startType, "Edm.DateTimeOffset"), (types[start], types[lastChange]));
        Assert.Equal(dialect == CrmDialect.V2, types.ContainsKey("ICalUID"));
        Assert.Contains(xml.Descendants(), e => e.Name.LocalName == "EntitySet" && (string?)e.Attribute("Name") == "VisitCollection");
    }

    [Fact]
    public async Task Query_SelectObjectId_ServesIdsOnly()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("m", 1));

        var row = (await GetJsonAsync(t, Set(t, CrmDialect.V2) + "?$select=ObjectID"))["d"]!["results"]![0]!.AsObject();

        Assert.Equal(["__metadata", "ObjectID"], row.Select(p => p.Key));
        Assert.Equal(seeded.ObjectID, row["ObjectID"]!.GetValue<string>());
    }

    [Fact]
    public async Task Query_FilterOnLastChange_ReturnsChangedAndNewButNotDeleted()
    {
        await using var t = await StartAsync();
        var a = t.Host.Crm.Add(Draft("a", 1));
        t.Host.Crm.Add(Draft("b", 2));
        var c = t.Host.Crm.Add(Draft("c", 3));
        t.Time.Advance(TimeSpan.FromHours(1));
        t.Host.Crm.Update(CrmActivityKind.Appointment, a.ObjectID, x => x with { Subject = "a2" });
        t.Host.Crm.Add(Draft("d", 4));
        t.Host.Crm.Delete(c.ObjectID);
        var since = Epoch.AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        var rows = (await GetJsonAsync(t, Set(t, CrmDialect.V1) + "?$filter=" + Uri.EscapeDataString($"ChangedOn ge datetimeoffset'{since}'") + "&$orderby=ChangedOn"))["d"]!["results"]!.AsArray();

        Assert.Equal(["a2", "d"], rows.Select(r => r!["Subject"]!.GetValue<string>()));
        using var gone = await t.Http.GetAsync(Set(t, CrmDialect.V1, $"AppointmentCollection('{c.ObjectID}')"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Query_TopSkipAndInlineCount_AreHonoured()
    {
        await using var t = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            t.Host.Crm.Add(Draft($"m{i}", i));
        }

        var d = (await GetJsonAsync(t, Set(t, CrmDialect.V2) + "?$top=2&$skip=1&$inlinecount=allpages"))["d"]!;

        Assert.Equal("5", d["__count"]!.GetValue<string>());
        Assert.Equal(["m1", "m2"], d["results"]!.AsArray().Select(r => r!["Subject"]!.GetValue<string>()));
        Assert.Null(d["__next"]);
    }

    [Theory]
    [InlineData(CrmDialect.V1)]
    [InlineData(CrmDialect.V2)]
    public async Task Query_FilterOnGroupwareItemId_ReturnsOnlyTheLinkedRecord(CrmDialect dialect)
    {
        await using var t = await StartAsync();
        t.Host.Crm.Add(Draft("a", 1));
        var linked = t.Host.Crm.Add(Draft("b", 2) with { GroupwareItemID = "AAMkA-x_y=" });
        t.Host.Crm.Add(Draft("c", 3));

        var rows = (await GetJsonAsync(t, Set(t, dialect) + "?$filter=" + Uri.EscapeDataString("GroupwareItemID eq 'AAMkA-x_y='")))["d"]!["results"]!.AsArray();

        Assert.Equal([linked.ObjectID], rows.Select(r => r!["ObjectID"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Query_FilterWithAndInsideAQuotedLiteral_TakesItAsText()
    {
        await using var t = await StartAsync();
        t.Host.Crm.Add(Draft("a", 1) with { Subject = "Tom and Jerry" });
        t.Host.Crm.Add(Draft("b", 2) with { Subject = "Tom" });

        var rows = (await GetJsonAsync(t, Set(t, CrmDialect.V2) + "?$filter=" + Uri.EscapeDataString("Subject eq 'Tom and Jerry' and LifeCycleStatusCode eq '1'")))["d"]!["results"]!.AsArray();

        Assert.Equal(["Tom and Jerry"], rows.Select(r => r!["Subject"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Query_BadFilter_Answers400WithODataError()
    {
        await using var t = await StartAsync();

        using var response = await t.Http.GetAsync(Set(t, CrmDialect.V1) + "?$filter=" + Uri.EscapeDataString("substringof('x',Subject)"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("en", error["message"]!["lang"]!.GetValue<string>());
        Assert.NotEmpty(error["message"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Expand_InvolvedParties_InlinesResultsWithRoleCodes()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("m", 1));

        var row = (await GetJsonAsync(t, Set(t, CrmDialect.V2, $"AppointmentCollection('{seeded.ObjectID}')") + "?$expand=AppointmentInvolvedParties"))["d"]!;
        var viaNavigation = (await GetJsonAsync(t, Set(t, CrmDialect.V2, $"AppointmentCollection('{seeded.ObjectID}')/AppointmentInvolvedParties")))["d"]!["results"]!.AsArray();

        var parties = row["AppointmentInvolvedParties"]!["results"]!.AsArray();
        Assert.Equal([CrmRoleCodes.Organizer, CrmRoleCodes.Attendee], parties.Select(p => p!["RoleCode"]!.GetValue<string>()));
        Assert.Equal(Bob, parties[1]!["PartyEmailURI"]!.GetValue<string>());
        Assert.Equal(2, viaNavigation.Count);
    }

    [Fact]
    public async Task Post_WithoutCsrfToken_Answers403Required()
    {
        await using var t = await StartAsync();

        using var request = Write(HttpMethod.Post, Set(t, CrmDialect.V2), csrf: null, ifMatch: null, new JsonObject { ["Subject"] = "x" });
        using var response = await t.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Required", response.Headers.GetValues("x-csrf-token").Single());
        Assert.Empty(t.Host.Crm.All(CrmActivityKind.Appointment));
    }

    [Fact]
    public async Task Post_WithFetchedToken_Creates201WithLocationAndETag()
    {
        await using var t = await StartAsync();
        var token = await FetchCsrfAsync(t, CrmDialect.V2);

        using var request = Write(HttpMethod.Post, Set(t, CrmDialect.V2), token, null, new JsonObject
        {
            ["Subject"] = "Created",
            ["StartDate"] = $"/Date({Epoch.AddDays(1).ToUnixTimeMilliseconds()})/",
            ["StartDatetimeZoneCode"] = "CET",
            ["EndDate"] = "2026-01-06T09:00:00Z",
            ["OrganizerEmailURI"] = Alice,
            ["ICalUID"] = "uid-created",
            ["AppointmentInvolvedParties"] = new JsonArray(new JsonObject { ["PartyID"] = "P200", ["RoleCode"] = CrmRoleCodes.Attendee, ["PartyEmailURI"] = Bob }),
        });
        using var response = await t.Http.SendAsync(request);
        var d = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["d"]!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("W/\"datetimeoffset'", response.Headers.ETag!.ToString(), StringComparison.Ordinal);
        Assert.EndsWith($"AppointmentCollection('{d["ObjectID"]!.GetValue<string>()}')", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        var stored = Assert.Single(t.Host.Crm.All(CrmActivityKind.Appointment));
        Assert.Equal(("Created", "uid-created", Epoch.AddDays(1).AddHours(1)), (stored.Subject, stored.ICalUid, stored.End));
        Assert.Equal(Bob, Assert.Single(stored.Parties).Email);
        Assert.Equal(("CET", "UTC"), (stored.StartTimeZoneCode, stored.EndTimeZoneCode));
    }

    [Fact]
    public async Task Post_V1WithUid_Answers400()
    {
        await using var t = await StartAsync();
        var token = await FetchCsrfAsync(t, CrmDialect.V1);

        using var request = Write(HttpMethod.Post, Set(t, CrmDialect.V1), token, null, new JsonObject
        {
            ["Subject"] = "x", ["StartDateTime"] = "2026-01-06T08:00:00Z", ["EndDateTime"] = "2026-01-06T09:00:00Z", ["ICalUID"] = "u",
        });
        using var response = await t.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Patch_StaleETag_Answers412AndChangesNothing()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("m", 1));
        var staleETag = (await GetJsonAsync(t, Set(t, CrmDialect.V2, $"AppointmentCollection('{seeded.ObjectID}')")))["d"]!["__metadata"]!["etag"]!.GetValue<string>();
        t.Host.Crm.Update(CrmActivityKind.Appointment, seeded.ObjectID, a => a with { Subject = "changed in CRM" });
        var token = await FetchCsrfAsync(t, CrmDialect.V2);

        using var request = Write(HttpMethod.Patch, Set(t, CrmDialect.V2, $"AppointmentCollection('{seeded.ObjectID}')"), token, staleETag, new JsonObject { ["Subject"] = "mine" });
        using var response = await t.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("changed in CRM", t.Host.Crm.Get(CrmActivityKind.Appointment, seeded.ObjectID)!.Subject);
    }

    [Fact]
    public async Task Patch_CurrentETag_Answers204WithNewETag()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("m", 1));
        using var get = await t.Http.GetAsync(Set(t, CrmDialect.V2, $"AppointmentCollection('{seeded.ObjectID}')"));
        var etag = get.Headers.ETag!.ToString();
        var token = await FetchCsrfAsync(t, CrmDialect.V2);

        using var request = Write(HttpMethod.Patch, Set(t, CrmDialect.V2, $"AppointmentCollection('{seeded.ObjectID}')"), token, etag, new JsonObject { ["LifeCycleStatusCode"] = "4" });
        using var response = await t.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.NotEqual(etag, response.Headers.ETag!.ToString());
        Assert.Equal("4", t.Host.Crm.Get(CrmActivityKind.Appointment, seeded.ObjectID)!.LifeCycleStatusCode);
    }

    [Fact]
    public async Task Patch_WithoutIfMatch_Answers428()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("m", 1));
        var token = await FetchCsrfAsync(t, CrmDialect.V1);

        using var request = Write(HttpMethod.Patch, Set(t, CrmDialect.V1, $"AppointmentCollection('{seeded.ObjectID}')"), token, null, new JsonObject { ["Subject"] = "x" });
        using var response = await t.Http.SendAsync(request);

        Assert.Equal((HttpStatusCode)428, response.StatusCode);
    }

    [Fact]
    public async Task Delete_WithTokenAndETag_RecordVanishesFromPolls()
    {
        await using var t = await StartAsync();
        var seeded = t.Host.Crm.Add(Draft("m", 1, CrmActivityKind.Visit));
        var token = await FetchCsrfAsync(t, CrmDialect.V2);

        using var request = Write(HttpMethod.Delete, Set(t, CrmDialect.V2, $"VisitCollection('{seeded.ObjectID}')"), token, "*", null);
        using var response = await t.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty((await GetJsonAsync(t, Set(t, CrmDialect.V2, "VisitCollection")))["d"]!["results"]!.AsArray());
    }

    [Fact]
    public async Task Csrf_ExpiredTokens_WritesAnswer403Again()
    {
        await using var t = await StartAsync();
        var token = await FetchCsrfAsync(t, CrmDialect.V2);
        t.Host.Crm.ExpireCsrfTokens();

        using var request = Write(HttpMethod.Post, Set(t, CrmDialect.V2), token, null, new JsonObject { ["Subject"] = "x" });
        using var response = await t.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Metadata_DeclaresUidOnlyInV2()
    {
        await using var t = await StartAsync();

        var v1 = await t.Http.GetStringAsync(Set(t, CrmDialect.V1, "$metadata"));
        var v2 = await t.Http.GetStringAsync(Set(t, CrmDialect.V2, "$metadata"));

        Assert.DoesNotContain("ICalUID", v1, StringComparison.Ordinal);
        Assert.Contains("ICalUID", v2, StringComparison.Ordinal);
        Assert.Contains("Namespace=\"c4codata\"", v1, StringComparison.Ordinal);
    }
}
