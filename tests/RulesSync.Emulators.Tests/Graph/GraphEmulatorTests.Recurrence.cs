using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;
using Microsoft.Kiota.Abstractions;
using RulesSync.Emulators.Organization;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Graph;

/// <summary>Recurring series through the real Graph SDK: seriesMaster, occurrence, exception, instances, per-occurrence cancel and delete.</summary>
public sealed partial class GraphEmulatorTests
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 23, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Weekly on Mondays 09:00–10:00 Berlin time from 23 March 2026 (across the DST change of 29 March), four times.</summary>
    private static Event WeeklySeries(params string[] attendees) => new()
    {
        Subject = "Weekly review",
        Start = new DateTimeTimeZone { DateTime = "2026-03-23T09:00:00", TimeZone = "Europe/Berlin" },
        End = new DateTimeTimeZone { DateTime = "2026-03-23T10:00:00", TimeZone = "Europe/Berlin" },
        Attendees = [.. attendees.Select(a => new Attendee { EmailAddress = new EmailAddress { Address = a }, Type = AttendeeType.Required })],
        Recurrence = new PatternedRecurrence
        {
            Pattern = new RecurrencePattern { Type = RecurrencePatternType.Weekly, Interval = 1, DaysOfWeek = [DayOfWeekObject.Monday], FirstDayOfWeek = DayOfWeekObject.Monday },
            Range = new RecurrenceRange { Type = RecurrenceRangeType.Numbered, NumberOfOccurrences = 4, StartDate = new Date(2026, 3, 23) },
        },
    };

    private static async Task<(List<Event> Events, string DeltaLink)> SpringDeltaAsync(GraphServiceClient graph, string user, string? deltaLink = null)
    {
        var events = new List<Event>();
        var page = deltaLink is null
            ? await graph.Users[user].CalendarView.Delta.GetAsDeltaGetResponseAsync(rc =>
            {
                rc.QueryParameters.StartDateTime = "2026-03-01T00:00:00Z";
                rc.QueryParameters.EndDateTime = "2026-06-01T00:00:00Z";
            })
            : await graph.Users[user].CalendarView.Delta.WithUrl(deltaLink).GetAsDeltaGetResponseAsync();
        events.AddRange(page!.Value!);
        while (page!.OdataNextLink is { } next)
        {
            page = await graph.Users[user].CalendarView.Delta.WithUrl(next).GetAsDeltaGetResponseAsync();
            events.AddRange(page!.Value!);
        }

        return (events, page.OdataDeltaLink!);
    }

    /// <summary>Alice creates <see cref="WeeklySeries"/> with Bob; both mailboxes' first delta rounds.</summary>
    private static async Task<(Event Master, (List<Event> Events, string DeltaLink) Alice, (List<Event> Events, string DeltaLink) Bob)> SeriesAndDeltasAsync(GraphServiceClient graph)
    {
        var master = await graph.Users[Alice].Events.PostAsync(WeeklySeries(Bob));
        return (master!, await SpringDeltaAsync(graph, Alice), await SpringDeltaAsync(graph, Bob));
    }

    [Fact]
    public async Task CreateSeries_DeltaListsOccurrencesNotMaster_WithOriginalStartAcrossDst()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();

        var (master, alice, bob) = await SeriesAndDeltasAsync(graph);

        Assert.Equal(EventType.SeriesMaster, master.Type);
        Assert.Equal(RecurrencePatternType.Weekly, master.Recurrence!.Pattern!.Type);
        Assert.Equal(4, master.Recurrence.Range!.NumberOfOccurrences);
        Assert.Equal(RecurrenceRangeType.Numbered, master.Recurrence.Range.Type);
        Assert.Equal([Monday, Monday.AddDays(7).AddHours(-1), Monday.AddDays(14).AddHours(-1), Monday.AddDays(21).AddHours(-1)], alice.Events.Select(e => e.OriginalStart!.Value));
        Assert.All(alice.Events, e => Assert.Equal((EventType.Occurrence, master.Id), (e.Type!.Value, e.SeriesMasterId)));
        Assert.Equal(4, alice.Events.Select(e => e.ICalUId).Distinct().Count());
        Assert.DoesNotContain(master.ICalUId, alice.Events.Select(e => e.ICalUId));
        var bobMaster = t.Host.Organization.Find(Bob, master.ICalUId!)!;
        Assert.True(bobMaster.IsSeriesMaster);
        Assert.All(bob.Events, e => Assert.Equal((EventType.Occurrence, bobMaster.Id, false), (e.Type!.Value, e.SeriesMasterId, e.IsOrganizer!.Value)));
        Assert.Equal(alice.Events.Select(e => e.OriginalStart), bob.Events.Select(e => e.OriginalStart));
        Assert.Single(t.Host.Organization.MessagesTo(Bob));
    }

    [Fact]
    public async Task ListEventsAndInstances_MasterInEvents_OccurrencesInInstances()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var master = (await graph.Users[Alice].Events.PostAsync(WeeklySeries(Bob)))!;

        var events = await graph.Users[Alice].Events.GetAsync();
        var instances = await graph.Users[Alice].Events[master.Id].Instances.GetAsync(rc =>
        {
            rc.QueryParameters.StartDateTime = "2026-03-29T00:00:00Z";
            rc.QueryParameters.EndDateTime = "2026-04-30T00:00:00Z";
        });
        var noWindow = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Alice].Events[master.Id].Instances.GetAsync());

        Assert.Equal([master.Id], events!.Value!.Select(e => e.Id));
        Assert.Equal([Monday.AddDays(7).AddHours(-1), Monday.AddDays(14).AddHours(-1), Monday.AddDays(21).AddHours(-1)], instances!.Value!.Select(e => e.OriginalStart!.Value));
        Assert.Equal(400, noWindow.ResponseStatusCode);
    }

    [Fact]
    public async Task PatchOccurrence_BecomesExceptionAndOnlyItChangesInEveryDelta()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var (master, alice, bob) = await SeriesAndDeltasAsync(graph);
        var second = alice.Events[1];

        var moved = await graph.Users[Alice].Events[second.Id].PatchAsync(new Event
        {
            Subject = "Weekly review (Tuesday)",
            Start = new DateTimeTimeZone { DateTime = "2026-03-31T13:00:00", TimeZone = "UTC" },
            End = new DateTimeTimeZone { DateTime = "2026-03-31T14:00:00", TimeZone = "UTC" },
        });
        var aliceChanges = await SpringDeltaAsync(graph, Alice, alice.DeltaLink);
        var bobChanges = await SpringDeltaAsync(graph, Bob, bob.DeltaLink);

        Assert.Equal(EventType.Exception, moved!.Type);
        var exception = Assert.Single(aliceChanges.Events);
        Assert.Equal((second.Id, EventType.Exception, master.Id, second.OriginalStart), (exception.Id, exception.Type!.Value, exception.SeriesMasterId, exception.OriginalStart));
        Assert.Equal("2026-03-31T13:00:00.0000000", exception.Start!.DateTime);
        var bobException = Assert.Single(bobChanges.Events);
        Assert.Equal((EventType.Exception, "Weekly review (Tuesday)", second.OriginalStart), (bobException.Type!.Value, bobException.Subject, bobException.OriginalStart));
    }

    [Fact]
    public async Task CancelOccurrence_OrganizerSeesItRemoved_AttendeeSeesItCancelled_OthersUntouched()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var (_, alice, bob) = await SeriesAndDeltasAsync(graph);
        var third = alice.Events[2];

        await graph.Users[Alice].Events[third.Id].Cancel.PostAsync(new CancelPostRequestBody { Comment = "Holiday" });
        var aliceChanges = await SpringDeltaAsync(graph, Alice, alice.DeltaLink);
        var bobChanges = await SpringDeltaAsync(graph, Bob, bob.DeltaLink);
        var instances = await graph.Users[Alice].Events[third.SeriesMasterId].Instances.GetAsync(rc =>
        {
            rc.QueryParameters.StartDateTime = "2026-03-01T00:00:00Z";
            rc.QueryParameters.EndDateTime = "2026-06-01T00:00:00Z";
        });

        Assert.Equal(third.Id, Assert.Single(aliceChanges.Events, IsRemoved).Id);
        Assert.Single(aliceChanges.Events);
        var bobCancelled = Assert.Single(bobChanges.Events);
        Assert.Equal((true, third.OriginalStart), (bobCancelled.IsCancelled!.Value, bobCancelled.OriginalStart));
        Assert.StartsWith("Canceled: ", bobCancelled.Subject, StringComparison.Ordinal);
        Assert.Equal(3, instances!.Value!.Count);
        var message = Assert.Single(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
        Assert.Equal((Bob, "Holiday"), (message.To, message.Detail));
    }

    [Fact]
    public async Task DeleteOccurrence_ByAttendee_RemovesOnlyTheirCopyOfIt()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var (_, alice, bob) = await SeriesAndDeltasAsync(graph);

        await graph.Users[Bob].Events[bob.Events[0].Id].DeleteAsync();
        var aliceChanges = await SpringDeltaAsync(graph, Alice, alice.DeltaLink);
        var bobChanges = await SpringDeltaAsync(graph, Bob, bob.DeltaLink);

        Assert.Empty(aliceChanges.Events);
        Assert.Equal(bob.Events[0].Id, Assert.Single(bobChanges.Events, IsRemoved).Id);
        Assert.Single(bobChanges.Events);
        Assert.DoesNotContain(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Fact]
    public async Task PatchMasterRange_EndsSeries_OnlyDroppedOccurrencesRemoved()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var (master, alice, bob) = await SeriesAndDeltasAsync(graph);
        var recurrence = master.Recurrence!;
        recurrence.Range = new RecurrenceRange { Type = RecurrenceRangeType.EndDate, StartDate = new Date(2026, 3, 23), EndDate = new Date(2026, 4, 5) };

        var ended = await graph.Users[Alice].Events[master.Id].PatchAsync(new Event { Recurrence = recurrence });
        var aliceChanges = await SpringDeltaAsync(graph, Alice, alice.DeltaLink);
        var bobChanges = await SpringDeltaAsync(graph, Bob, bob.DeltaLink);

        Assert.Equal((RecurrenceRangeType.EndDate, new Date(2026, 4, 5)), (ended!.Recurrence!.Range!.Type!.Value, ended.Recurrence.Range.EndDate!.Value));
        Assert.Equal([alice.Events[2].Id, alice.Events[3].Id], aliceChanges.Events.Where(IsRemoved).Select(e => e.Id));
        Assert.Equal(2, aliceChanges.Events.Count);
        Assert.Equal([bob.Events[2].Id, bob.Events[3].Id], bobChanges.Events.Where(IsRemoved).Select(e => e.Id));
    }

    [Fact]
    public async Task DeleteMaster_ByOrganizer_RemovesEveryOccurrenceAndCancelsAttendeeCopies()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var (master, alice, bob) = await SeriesAndDeltasAsync(graph);

        await graph.Users[Alice].Events[master.Id].DeleteAsync();
        var aliceChanges = await SpringDeltaAsync(graph, Alice, alice.DeltaLink);
        var bobChanges = await SpringDeltaAsync(graph, Bob, bob.DeltaLink);

        Assert.Equal(alice.Events.Select(e => e.Id).Order(StringComparer.Ordinal), aliceChanges.Events.Where(IsRemoved).Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal(4, bobChanges.Events.Count(e => e.IsCancelled == true));
        Assert.Single(t.Host.Organization.Messages, m => m.Kind == MessageKind.Cancellation);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public async Task CreateSeries_MalformedRecurrence_Answers400(int interval, bool withRangeType)
    {
        await using var t = await StartAsync();
        var body = WeeklySeries(Bob);
        body.Recurrence!.Pattern!.Interval = interval;
        if (!withRangeType)
        {
            body.Recurrence.Range!.Type = null;
        }

        var error = await Assert.ThrowsAsync<ODataError>(() => t.Graph().Users[Alice].Events.PostAsync(body));

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Empty(t.Host.Organization.Calendar(Alice));
        Assert.Empty(t.Host.Organization.Messages);
    }
}
