using System.Text.Json.Nodes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Tests.Connectors.Crm;

/// <summary>
/// Records in the two real C4C shapes map to the same engine record; every malformed shape is refused naming the
/// record and the field; time zone codes are honoured and a round trip keeps the instant.
/// </summary>
public sealed class ODataCrmMappingTests
{
    private const long StartMs = 1767600000000; // 2026-01-05T08:00:00Z
    private const long EndMs = 1767603600000;

    /// <summary>The mapping as the stock metadata leaves it: no UID field (unless <paramref name="uid"/>, a tenant extension field).</summary>
    private static ODataCrmMapping Mapping(ApiVersion dialect, IReadOnlyDictionary<string, string>? zones = null, bool uid = false) =>
        new(new ODataCrmOptions { Dialect = dialect, TimeZoneCodes = zones ?? new Dictionary<string, string>() }, new EmployeeDirectory(["ondemand.com"]))
        {
            UidAvailable = uid,
        };

    /// <summary>A c4codataapi appointment as the sample responses show it (latonaio/sap-api-integrations-activity-reads), parties expanded.</summary>
    private static JsonObject V2Appointment() => JsonNode.Parse($$$"""
        {"__metadata":{"uri":"https://my.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/AppointmentCollection('00163E05A2E01EE4ADBBB58D491DDB6E')",
          "type":"c4codataapi.AppointmentCollection","etag":"W/\"datetimeoffset'2019-11-18T06%3A16%3A31.0000000Z'\""},
         "ObjectID":"00163E05A2E01EE4ADBBB58D491DDB6E","ID":"2862","Subject":"Roadshow 2019","LifeCycleStatusCode":"1",
         "StartDate":"/Date({{{StartMs}}}+0000)/","StartDatetimeZoneCode":"CET","EndDate":"/Date({{{EndMs}}}+0000)/","EnddatetimeZoneCode":"CET",
         "OrganizerPartyID":"8000000006","OwnerPartyID":"8000000020","OrganizerEmailURI":"ussalesman@ondemand.com","GroupwareItemID":"",
         "MainAccountPartyID":"1001710","LastChangeDateTime":"/Date(1574054191000+0000)/","ETag":"/Date(1574054191000+0000)/",
         "AppointmentInvolvedParties":{"results":[
           {"PartyID":"8000000006","RoleCode":"35","PartyEmailURI":"ussalesman@ondemand.com"},
           {"PartyID":"1001710","RoleCode":"34","PartyEmailURI":""},
           {"PartyID":"8000000020","RoleCode":"39","PartyEmailURI":"UKSalesrep01@ondemand.com"},
           {"PartyID":"UK3010","RoleCode":"50","PartyEmailURI":""},
           {"PartyID":"8000000021","RoleCode":"36","PartyEmailURI":"Bob@ondemand.com"},
           {"PartyID":"1004188","RoleCode":"36","PartyEmailURI":"lou.daly@alpha.example"}]}}
        """)!.AsObject();

    /// <summary>The same appointment in c4codata's shape: LOCALNORMALISED_DateTime, StatusCode, ChangedOn, OrganizerID, owner as the role-39 party.</summary>
    private static JsonObject V1Appointment() => JsonNode.Parse($$$"""
        {"__metadata":{"type":"c4codata.Appointment","etag":"W/\"datetimeoffset'2019-11-18T06%3A16%3A31.0000000Z'\""},
         "ObjectID":"00163E05A2E01EE4ADBBB58D491DDB6E","Subject":"Roadshow 2019","StatusCode":"1",
         "StartDateTime":{"__metadata":{"type":"c4codata.LOCALNORMALISED_DateTime"},"timeZoneCode":"CET","content":"/Date({{{StartMs}}})/"},
         "EndDateTime":{"__metadata":{"type":"c4codata.LOCALNORMALISED_DateTime"},"timeZoneCode":"CET","content":"/Date({{{EndMs}}})/"},
         "OrganizerID":"8000000006","OrganizerEmailURI":"ussalesman@ondemand.com","GroupwareItemID":"","ChangedOn":"/Date(1574054191000+0000)/",
         "AppointmentInvolvedParties":{"results":[
           {"PartyID":"8000000006","RoleCode":"35","PartyEmailURI":"ussalesman@ondemand.com"},
           {"PartyID":"1001710","RoleCode":"34","PartyEmailURI":""},
           {"PartyID":"8000000020","RoleCode":"39","PartyEmailURI":"UKSalesrep01@ondemand.com"},
           {"PartyID":"8000000021","RoleCode":"36","PartyEmailURI":"Bob@ondemand.com"},
           {"PartyID":"1004188","RoleCode":"36","PartyEmailURI":"lou.daly@alpha.example"}]}}
        """)!.AsObject();

    [Theory]
    [InlineData(ApiVersion.V1)]
    [InlineData(ApiVersion.V2)]
    public void ToRecord_RealShapes_MapTheSameRecord(ApiVersion dialect)
    {
        var mapping = Mapping(dialect);
        var row = dialect == ApiVersion.V1 ? V1Appointment() : V2Appointment();

        var (r, startZone, endZone) = mapping.ToRecord(row, MeetingType.Appointment);

        Assert.Equal(("00163E05A2E01EE4ADBBB58D491DDB6E", "Roadshow 2019", CrmStatus.Open, MeetingType.Appointment), (r.ObjectId, r.Subject, r.Status, r.Type));
        Assert.Null(r.Uid);
        Assert.Null(r.GroupwareItemId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(StartMs), r.Start);
        Assert.Equal(TimeSpan.FromHours(1), r.Start.Offset); // CET in January
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(EndMs), r.End);
        Assert.Equal(("CET", "CET"), (startZone, endZone));
        Assert.Equal(("ussalesman@ondemand.com", "uksalesrep01@ondemand.com"), (r.Organizer, r.Owner));

        // The account (34), the organisational unit (50) and the owner (39) are not attendees; an external attendee is a contact.
        Assert.Equal(
            [new CrmParty("bob@ondemand.com", PartyRole.Attendee), new CrmParty("lou.daly@alpha.example", PartyRole.Contact), new CrmParty("ussalesman@ondemand.com", PartyRole.Organizer)],
            r.Parties.ToArray());
    }

    public static TheoryData<ApiVersion, string, string, string> Malformed => new()
    {
        { ApiVersion.V2, "StartDate", "drop", "StartDate: missing" },
        { ApiVersion.V2, "StartDate", "null", "StartDate: null" },
        { ApiVersion.V2, "StartDate", "number", "StartDate: a number" },
        { ApiVersion.V2, "StartDate", "text", "StartDate: 'next tuesday'" },
        { ApiVersion.V2, "EndDate", "drop", "EndDate: missing" },
        { ApiVersion.V2, "StartDatetimeZoneCode", "text", "StartDatetimeZoneCode: unknown time zone code 'next tuesday'" },
        { ApiVersion.V2, "LifeCycleStatusCode", "drop", "LifeCycleStatusCode: missing" },
        { ApiVersion.V2, "LifeCycleStatusCode", "number", "LifeCycleStatusCode: a number" },
        { ApiVersion.V2, "Subject", "null", "Subject: null" },
        { ApiVersion.V2, "OwnerPartyID", "drop", "OwnerPartyID: missing" },
        { ApiVersion.V2, "OrganizerEmailURI", "drop", "OrganizerEmailURI: missing" },
        { ApiVersion.V2, "LastChangeDateTime", "drop", "LastChangeDateTime: missing" },
        { ApiVersion.V2, "AppointmentInvolvedParties", "deferred", "AppointmentInvolvedParties: not expanded" },
        { ApiVersion.V2, "__metadata", "drop", "__metadata.etag: no ETag" },
        { ApiVersion.V1, "StartDateTime", "text", "StartDateTime: 'next tuesday' (expected a LOCALNORMALISED_DateTime" },
        { ApiVersion.V1, "StartDateTime", "drop", "StartDateTime: missing" },
        { ApiVersion.V1, "EndDateTime", "number", "EndDateTime: a number" },
        { ApiVersion.V1, "StatusCode", "null", "StatusCode: null" },
        { ApiVersion.V1, "ChangedOn", "text", "ChangedOn: 'next tuesday'" },
        { ApiVersion.V1, "OrganizerID", "drop", "OrganizerID: missing" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void ToRecord_MalformedShape_FailsNamingRecordAndField(ApiVersion dialect, string field, string how, string expected)
    {
        var row = dialect == ApiVersion.V1 ? V1Appointment() : V2Appointment();
        switch (how)
        {
            case "drop":
                row.Remove(field);
                break;
            case "null":
                row[field] = null;
                break;
            case "number":
                row[field] = 42;
                break;
            case "deferred":
                row[field] = new JsonObject { ["__deferred"] = new JsonObject { ["uri"] = "x" } };
                break;
            default:
                row[field] = "next tuesday";
                break;
        }

        var e = Assert.Throws<CrmRecordFormatException>(() => Mapping(dialect).ToRecord(row, MeetingType.Appointment));

        Assert.Equal(("AppointmentCollection", "00163E05A2E01EE4ADBBB58D491DDB6E"), (e.EntitySet, e.ObjectId));
        Assert.StartsWith(field, e.Field, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToRecord_LocalNormalisedContentNotADate_FailsNamingTheContent()
    {
        var row = V1Appointment();
        row["StartDateTime"]!["content"] = "2019-13-45";

        var e = Assert.Throws<CrmRecordFormatException>(() => Mapping(ApiVersion.V1).ToRecord(row, MeetingType.Appointment));

        Assert.Equal("StartDateTime.content", e.Field);
    }

    [Fact]
    public void ToRecord_TenantTimeZoneCode_ResolvesThroughTheConfiguredMapAndWindowsNames()
    {
        var row = V2Appointment();
        row["StartDatetimeZoneCode"] = "PST";
        row["EnddatetimeZoneCode"] = "Tokyo Standard Time";
        var mapping = Mapping(ApiVersion.V2, new Dictionary<string, string> { ["PST"] = "America/Los_Angeles" });

        var (r, startZone, _) = mapping.ToRecord(row, MeetingType.Appointment);

        Assert.Equal((TimeSpan.FromHours(-8), TimeSpan.FromHours(9), "PST"), (r.Start.Offset, r.End.Offset, startZone));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(StartMs), r.Start);
        Assert.Throws<CrmRecordFormatException>(() => Mapping(ApiVersion.V2).ToRecord(row, MeetingType.Appointment));
    }

    [Theory]
    [InlineData("/Date(1767600000000)/", 1767600000000, 0)]
    [InlineData("/Date(1767600000000+0060)/", 1767600000000, 60)]
    [InlineData("/Date(1767600000000-0300)/", 1767600000000, -300)]
    [InlineData("2026-01-05T09:00:00+01:00", 1767600000000, 60)]
    public void ParseDate_ODataAndIsoForms_KeepTheInstant(string text, long ms, int offsetMinutes)
    {
        var value = ODataCrmMapping.ParseDate(text)!.Value;

        Assert.Equal((ms, TimeSpan.FromMinutes(offsetMinutes)), (value.ToUnixTimeMilliseconds(), value.Offset));
    }

    [Theory]
    [InlineData(ApiVersion.V1)]
    [InlineData(ApiVersion.V2)]
    public void ToBodyThenToRecord_RoundTrip_KeepsTheInstantAndTheZone(ApiVersion dialect)
    {
        var mapping = Mapping(dialect, uid: dialect == ApiVersion.V2);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(StartMs).ToOffset(TimeSpan.FromHours(-5));
        var content = new MeetingContent(new MeetingUid("uid-1"), "Visit ACME", start, start.AddHours(1), "ussalesman@ondemand.com",
            ["bob@ondemand.com", "erin@fabrikam.example"], false, MeetingType.Appointment);

        var body = mapping.ToBody(content, "uksalesrep01@ondemand.com", "AAMk1", writeUid: true, ("EST", "EST"));
        body["ObjectID"] = "00A";
        body["__metadata"] = new JsonObject { ["etag"] = "W/\"x\"" };
        var f = mapping.Profile.Appointment;
        body[f.LastChange] = "/Date(1767600000000)/";
        if (f.OwnerPartyId is null)
        {
            body[f.OrganizerPartyId] = "ussalesman@ondemand.com";
        }

        Assert.Equal(dialect == ApiVersion.V2 ? "uid-1" : null, f.Uid is null ? null : body[f.Uid]!.GetValue<string>());

        body[f.PartiesNavigation] = new JsonObject { ["results"] = body[f.PartiesNavigation]!.DeepClone() };
        var (r, zone, _) = mapping.ToRecord(body, MeetingType.Appointment);

        Assert.Equal((start.UtcDateTime, start.AddHours(1).UtcDateTime, "EST"), (r.Start.UtcDateTime, r.End.UtcDateTime, zone));
        Assert.Equal(dialect == ApiVersion.V2 ? new MeetingUid("uid-1") : null, r.Uid);
        Assert.Equal(TimeSpan.FromHours(-5), r.Start.Offset);
        Assert.Equal(("ussalesman@ondemand.com", "uksalesrep01@ondemand.com"), (r.Organizer, r.Owner));
        Assert.Equal(
            [new CrmParty("bob@ondemand.com", PartyRole.Attendee), new CrmParty("erin@fabrikam.example", PartyRole.Contact), new CrmParty("ussalesman@ondemand.com", PartyRole.Organizer)],
            r.Parties.ToArray());
    }

    [Fact]
    public void ToBody_V1Dialect_WritesLocalNormalisedDatesAndNeverTheUid()
    {
        var mapping = Mapping(ApiVersion.V1);
        var content = new MeetingContent(new MeetingUid("uid-1"), "s", DateTimeOffset.FromUnixTimeMilliseconds(StartMs), DateTimeOffset.FromUnixTimeMilliseconds(EndMs), "a@ondemand.com", [], false, MeetingType.Appointment);

        var body = mapping.ToBody(content, null, null, writeUid: true, ("CET", "CET"));

        Assert.False(body.ContainsKey("ICalUID"));
        Assert.Equal(
            """{"__metadata":{"type":"c4codata.LOCALNORMALISED_DateTime"},"timeZoneCode":"CET","content":"/Date(1767600000000)/"}""",
            body["StartDateTime"]!.ToJsonString());
        Assert.Equal("1", body["StatusCode"]!.GetValue<string>());
    }
}
