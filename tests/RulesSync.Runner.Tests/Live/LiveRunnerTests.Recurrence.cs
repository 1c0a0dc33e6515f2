using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Recurrence;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>A series through the live runner: one CRM record per occurrence, linked by series UID + original start.</summary>
public sealed partial class LiveRunnerTests
{
    private const string Dave = ConnectorTestHost.Dave;

    [Fact]
    public async Task RunCycle_Series_OneCrmRecordPerOccurrence_AChangeToOneOccurrenceTouchesOnlyItsRecord()
    {
        await using var h = await RunnerTestHost.StartAsync(mailboxes: [Alice, Bob, Dave]);
        var series = h.T.Organization.ScheduleSeries(Alice, ConnectorTestHost.Draft("Weekly", 2, Bob, Dave), "FREQ=WEEKLY;COUNT=3", "Europe/Berlin");
        var originals = h.T.Organization.Occurrences(Alice, series.ICalUid).Select(o => o.OriginalStart!.Value).ToList();
        string Key(int i) => new OccurrenceId(new(series.ICalUid), originals[i], false).ToString();
        CrmActivity Record(int i) => Assert.Single(h.T.Host.Crm.All(CrmActivityKind.Appointment), a => a.ICalUid == Key(i));

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        var created = h.T.Host.Crm.All(CrmActivityKind.Appointment);
        Assert.Equal(3, created.Count);
        Assert.Equal([Key(0), Key(1), Key(2)], created.Select(a => a.ICalUid).Order(StringComparer.Ordinal));
        var before = Enumerable.Range(0, 3).Select(Record).ToList();

        h.T.Organization.CancelOccurrence(Alice, series.ICalUid, originals[1]);
        h.T.Organization.MoveOccurrence(Alice, series.ICalUid, originals[2], originals[2].AddHours(3), originals[2].AddHours(4));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0, (await h.CycleAsync()).Failed);
        }

        Assert.Equal(before[0], Record(0));
        Assert.Equal("4", Record(1).LifeCycleStatusCode);
        Assert.Equal((originals[2].AddHours(3), "1"), (Record(2).Start, Record(2).LifeCycleStatusCode));
        Assert.Equal(3, h.T.Host.Crm.All(CrmActivityKind.Appointment).Count);
        // Only the organizer's own cancellation of that one occurrence went out; the sync sent none.
        Assert.Equal([Bob, Dave], h.T.Organization.Messages.Where(m => m.Kind == MessageKind.Cancellation).Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.Equal(2, h.T.Organization.Occurrences(Bob, series.ICalUid).Count(o => !o.IsCancelled));
    }
}
