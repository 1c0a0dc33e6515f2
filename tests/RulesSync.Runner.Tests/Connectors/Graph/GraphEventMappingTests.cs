using Microsoft.Graph.Models;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Graph;

namespace RulesSync.Runner.Tests.Connectors.Graph;

/// <summary>Mapping details the emulator does not exercise (categories, time zones, series occurrences).</summary>
public sealed class GraphEventMappingTests
{
    private static readonly EmployeeDirectory Directory = new(["contoso.example"]);

    [Fact]
    public void ToItem_VisitCategoryOtherZoneAndOccurrence_MapsTypeUtcTimesAndOccurrenceUid()
    {
        var e = new Event
        {
            Id = "AAMk-occ",
            ChangeKey = "ck",
            ICalUId = "040000008200E00074C5B7101A82E008-occ1",
            SeriesMasterId = "AAMk-master",
            Categories = ["visit"],
            IsOrganizer = false,
            Organizer = new Recipient { EmailAddress = new EmailAddress { Address = "Alice@Contoso.example" } },
            ResponseStatus = new ResponseStatus { Response = ResponseType.TentativelyAccepted },
            Start = new DateTimeTimeZone { DateTime = "2026-01-06T09:00:00.0000000", TimeZone = "Europe/Berlin" },
            End = new DateTimeTimeZone { DateTime = "2026-01-06T10:00:00.0000000", TimeZone = "Europe/Berlin" },
        };

        var item = GraphEventMapping.ToItem(e, Directory, "Visit");

        Assert.Equal(MeetingType.Visit, item.Type);
        Assert.Equal(new DateTimeOffset(2026, 1, 6, 8, 0, 0, TimeSpan.Zero), item.Start);
        Assert.Equal("040000008200E00074C5B7101A82E008-occ1", item.Uid.Value);
        Assert.Equal("alice@contoso.example", item.Organizer);
        Assert.Equal(Engine.Sync.AttendeeResponse.Accepted, item.OwnResponse);
    }

    [Fact]
    public void ToItem_RemovedMarker_IsARemovalNoticeOfThatId()
    {
        var e = new Event { Id = "AAMk-gone", AdditionalData = new Dictionary<string, object> { ["@removed"] = new object() } };

        var item = GraphEventMapping.ToItem(e, Directory, "Visit");

        Assert.True(item.Removed);
        Assert.Equal("AAMk-gone", item.EventId);
    }
}
