using System.Text.Json.Nodes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Tests.Connectors.Crm;

/// <summary>Entity sets, field names and codes come from configuration: a tenant with other names maps the same.</summary>
public sealed class ODataCrmMappingTests
{
    private static readonly ODataCrmOptions Renamed = new()
    {
        Dialect = ApiVersion.V2,
        VisitSet = "SiteVisitCollection",
        VisitPartiesNavigation = "SiteVisitParties",
        Fields = new ODataCrmFields { Subject = "Title", Start = "From", End = "To", Uid = "MeetingUID", Status = "State", PartyEmail = "Mail" },
        CancelledStatusCodes = ["4", "Z9"],
        CancelledStatusCode = "Z9",
        AttendeeRoleCode = "A1",
    };

    private static ODataCrmMapping Mapping => new(Renamed, new EmployeeDirectory(["contoso.example"]));

    [Fact]
    public void ToRecord_RenamedFieldsAndCodes_MapToTheSameRecord()
    {
        var row = JsonNode.Parse("""
            {"__metadata":{"etag":"W/\"v1\""},"ObjectID":"00A","Title":"Visit ACME","From":"/Date(1767600000000)/","To":"/Date(1767603600000)/",
             "State":"Z9","OwnerPartyID":"alice@contoso.example","OrganizerEmail":"alice@contoso.example","MeetingUID":"uid-1","GroupwareItemID":"",
             "SiteVisitParties":{"results":[{"PartyID":"p1","RoleCode":"34","Mail":"alice@contoso.example"},{"PartyID":"p2","RoleCode":"A1","Mail":"Bob@Contoso.example"}]}}
            """)!.AsObject();

        var r = Mapping.ToRecord(row, MeetingType.Visit);

        Assert.Equal(("00A", "W/\"v1\"", "Visit ACME", CrmStatus.Cancelled, MeetingType.Visit), (r.ObjectId, r.ETag, r.Subject, r.Status, r.Type));
        Assert.Equal(new MeetingUid("uid-1"), r.Uid);
        Assert.Null(r.GroupwareItemId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1767600000000), r.Start);
        Assert.Equal([new CrmParty("alice@contoso.example", PartyRole.Organizer), new CrmParty("bob@contoso.example", PartyRole.Attendee)], r.Parties.ToArray());
        Assert.Equal("SiteVisitCollection", Mapping.Set(MeetingType.Visit));
    }

    [Fact]
    public void ToBody_RenamedFieldsAndCodes_WritesThem()
    {
        var content = new MeetingContent(new MeetingUid("uid-1"), "Visit ACME", DateTimeOffset.FromUnixTimeMilliseconds(1767600000000),
            DateTimeOffset.FromUnixTimeMilliseconds(1767603600000), "alice@contoso.example", ["bob@contoso.example", "erin@fabrikam.example"], true, MeetingType.Visit);

        var body = Mapping.ToBody(content, "alice@contoso.example", "AAMk1", writeUid: true);

        Assert.Equal(("Visit ACME", "/Date(1767600000000)/", "Z9", "uid-1"), (
            body["Title"]!.GetValue<string>(), body["From"]!.GetValue<string>(), body["State"]!.GetValue<string>(), body["MeetingUID"]!.GetValue<string>()));
        Assert.Equal(
            ["34", "A1", "15"],
            body["SiteVisitParties"]!.AsArray().Select(p => p!["RoleCode"]!.GetValue<string>()));
        Assert.Equal("erin@fabrikam.example", body["SiteVisitParties"]![2]!["Mail"]!.GetValue<string>());
    }

    [Fact]
    public void ToBody_V1Dialect_NeverWritesTheUid()
    {
        var mapping = new ODataCrmMapping(new ODataCrmOptions { Dialect = ApiVersion.V1 }, new EmployeeDirectory([]));
        var content = new MeetingContent(new MeetingUid("uid-1"), "s", default, default, "a@x", [], false, MeetingType.Appointment);

        Assert.False(mapping.ToBody(content, null, null, writeUid: true).ContainsKey("ICalUID"));
    }
}
