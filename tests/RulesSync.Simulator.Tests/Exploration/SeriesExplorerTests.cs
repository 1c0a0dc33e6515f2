using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Tests.Exploration;

/// <summary>The recurring series in the simulated world: the default holds every series invariant; the fan-out regression is caught.</summary>
public class SeriesExplorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Exhaustive_DefaultRuleSet_EverySeriesInvariantHoldsAndTheSeriesRulesFire()
    {
        var report = SeriesExplorer.Exhaustive(RuleSets.Default, new SeriesScope(Employees: 2, MaxActions: 2), Now);

        Assert.True(report.Passed, string.Join("\n", report.Violations.Select(v => $"{v.Invariant} [{v.Scenario}] {string.Join(", ", v.Steps)}: {v.Detail}")));
        Assert.Equal(8, report.Scenarios);
        Assert.True(report.Schedules > 1000, $"{report.Schedules} schedules");
        Assert.Contains("series-removal-cancels-future-occurrence-records", report.FiredRules);
        Assert.Contains("occurrence-removal-cancels-its-record-only", report.FiredRules);
        Assert.Contains("past-meetings-untouched", report.FiredRules);
    }

    [Fact]
    public void Exhaustive_SeriesFanoutRegression_FlaggedWithAShortTrace()
    {
        var report = SeriesExplorer.Exhaustive(RuleSets.SeriesRegression, new SeriesScope(Employees: 2, MaxActions: 2), Now);

        var deleted = Assert.Single(report.Violations, v => v.Invariant == "series-no-record-deleted");
        Assert.InRange(deleted.Steps.Length, 1, 6);
        Assert.Contains(deleted.Steps, s => s is "A deletes the series" or "A ends the series before occurrence 3");
        Assert.Contains("was deleted", deleted.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Exhaustive_ThreeEmployeesOneAction_DefaultHolds()
    {
        var report = SeriesExplorer.Exhaustive(RuleSets.Default, new SeriesScope(Employees: 3, MaxActions: 1), Now);

        Assert.True(report.Passed, string.Join("\n", report.Violations.Select(v => $"{v.Invariant}: {v.Detail}")));
        Assert.Equal(16, report.Scenarios);
    }

    [Property(MaxTest = 20)]
    public Property Random_DefaultRuleSet_HoldsForEverySeed(int seed)
    {
        var report = SeriesExplorer.Random(RuleSets.Default, runs: 25, seed, Now);
        return report.Passed.Label($"seed {seed}: {string.Join("; ", report.Violations.Select(v => $"{v.Invariant} {string.Join(", ", v.Steps)}: {v.Detail}"))}");
    }

    [Fact]
    public void Random_SeriesFanoutRegression_Caught()
    {
        var report = SeriesExplorer.Random(RuleSets.SeriesRegression, runs: 300, seed: 7, Now);

        Assert.Contains(report.Violations, v => v.Invariant == "series-no-record-deleted");
    }

    /// <summary>The default with <paramref name="rule"/> put first, as a consultant might add one.</summary>
    private static CompiledRuleSet DefaultWithFirst(string rule) => RuleSets.DefaultWithFirst(rule);

    private static string Describe(SeriesReport report) =>
        string.Join("\n", report.Violations.Select(v => $"{v.Invariant} [{v.Scenario}] {string.Join(", ", v.Steps)}: {v.Detail}"));

    [Fact]
    public void Exhaustive_DeclineOfOneOccurrenceCancelsItsRecord_Caught()
    {
        var broken = DefaultWithFirst("""
              - name: attendee-decline-cancels-occurrence-record
                because: a consultant's shortcut
                when: { source: mailbox, role: attendee, kind: [declined, deleted], recurrence: [occurrence, exception], scope: one }
                decide: cancel
                target: crm
            """);

        var found = IsolationCaughtThrough(broken, "B declines occurrence 2");
        Assert.Contains("occurrence 2", found.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Exhaustive_CrmEditOfOneOccurrenceCancelsTheMeeting_Caught()
    {
        var broken = DefaultWithFirst("""
              - name: crm-occurrence-edit-cancels
                because: a consultant's shortcut
                when: { source: crm, kind: updated, recurrence: [occurrence, exception], link: this }
                decide: cancel
                target: mailbox
            """);

        Assert.NotNull(IsolationCaughtThrough(broken, "crm edits occurrence 2's record"));
    }

    [Fact]
    public void Exhaustive_MovedSingleMeetingCancelsItsRecord_CaughtOnThatMeetingAlone()
    {
        // Two meetings of one owner, judged each on its own: a consultant's rule that treats a moved one-off meeting
        // as cancelled and booked again is caught on the single meeting, not licensed by anything done to the series.
        var broken = DefaultWithFirst("""
              - name: moved-single-meeting-cancels-record
                because: a consultant's shortcut
                when: { source: mailbox, role: organizer, kind: updated, recurrence: none }
                decide: cancel
                target: crm
            """);

        var found = IsolationCaughtThrough(broken, "A moves the single meeting");
        Assert.Contains("the single meeting", found.Detail, StringComparison.Ordinal);
        Assert.True(SeriesExplorer.Exhaustive(broken, new SeriesScope(Employees: 2, MaxActions: 1, SingleMeeting: false), Now).Passed);
    }

    [Fact]
    public void Apply_SingleCancelledThenSeriesDeleted_EachMeetingKeepsToItsOwnIntent()
    {
        var world = SyncedSeries(Provider.Exchange, Provider.Google, single: true);
        Assert.Equal(CrmStatus.Open, SingleRecord(world)?.Status);

        Assert.True(world.Apply(SeriesAction.CancelSingle));
        SyncTwoRounds(world);
        Assert.Equal(CrmStatus.Cancelled, SingleRecord(world)?.Status);
        Assert.All(Enumerable.Range(0, SimWorld.SeriesLength), k => Assert.Equal(CrmStatus.Open, world.OccurrenceRecord(k)!.Status));
        Assert.Null(world.CheckSeriesConvergence());

        var other = SyncedSeries(Provider.Google, Provider.Exchange, single: true);
        Assert.True(other.Apply(SeriesAction.DeleteSeries));
        SyncTwoRounds(other);
        Assert.Equal(CrmStatus.Open, SingleRecord(other)?.Status);
        Assert.All(Enumerable.Range(0, SimWorld.SeriesLength), k => Assert.Equal(CrmStatus.Cancelled, other.OccurrenceRecord(k)!.Status));
        Assert.Null(other.CheckSeriesConvergence());
    }

    [Fact]
    public void Apply_SplitSeries_CancelsTheThirdRecordAndSharesTheNewSeries()
    {
        var world = SyncedSeries(Provider.Exchange, Provider.Google);

        Assert.True(world.Apply(SeriesAction.SplitSeries));
        Assert.False(world.IsEnabled(SeriesAction.EndSeries));
        SyncTwoRounds(world);

        Assert.Null(world.CheckSeriesConvergence());
        Assert.Equal(SimWorld.SeriesLength + 1, world.SeriesOccurrenceCount);
        Assert.Equal(CrmStatus.Cancelled, world.OccurrenceRecord(2)?.Status);
        Assert.Equal(CrmStatus.Open, world.OccurrenceRecord(SimWorld.SeriesLength)?.Status);
        Assert.NotNull(world.LiveEvent(1, world.SeriesOccurrence(SimWorld.SeriesLength).ToString()));
        Assert.Null(world.LiveEvent(1, world.SeriesOccurrence(2).ToString()));
    }

    [Fact]
    public void Apply_DeclineAndCrmEditOfOneOccurrence_OnlyThatOccurrenceChanges()
    {
        var world = SyncedSeries(Provider.Exchange, Provider.Exchange);

        Assert.True(world.Apply(SeriesAction.CrmEditsOccurrence));
        SyncTwoRounds(world);
        Assert.Equal(SimWorld.CrmEditedSubject, world.OccurrenceRecord(1)!.Subject);
        Assert.Equal(SimWorld.CrmEditedSubject, world.OrganizerOccurrence(1)!.Subject);
        Assert.All([0, 2], k => Assert.NotEqual(SimWorld.CrmEditedSubject, world.OccurrenceRecord(k)!.Subject));

        Assert.True(world.Apply(SeriesAction.DeclineOccurrence));
        SyncTwoRounds(world);
        Assert.Null(world.LiveEvent(1, world.SeriesOccurrence(1).ToString()));
        Assert.NotNull(world.LiveEvent(1, world.SeriesOccurrence(0).ToString()));
        Assert.All(Enumerable.Range(0, SimWorld.SeriesLength), k => Assert.Equal(CrmStatus.Open, world.OccurrenceRecord(k)!.Status));
        Assert.Null(world.CheckSeriesConvergence());
    }

    /// <summary>A v2 tenant with auto-share on whose A (organizer) and B hold the series, each synced once.</summary>
    private static SimWorld SyncedSeries(Provider a, Provider b, bool single = false)
    {
        var world = SimWorld.Create(new Scenario([a, b], 0, ApiVersion.V2, AutoShare: true, MeetingOrigin.Mailbox), RuleSets.Default, Now);
        world.CreateSeries(single);
        world.Sync(0);
        world.Sync(1);
        return world;
    }

    /// <summary>Explores <paramref name="broken"/> (2 employees, ≤ 1 action): its one isolation violation, found with a short trace through <paramref name="step"/>.</summary>
    private static SeriesViolation IsolationCaughtThrough(CompiledRuleSet broken, string step)
    {
        var report = SeriesExplorer.Exhaustive(broken, new SeriesScope(Employees: 2, MaxActions: 1), Now);
        var found = Assert.Single(report.Violations, v => v.Invariant == "series-occurrence-isolation");
        Assert.Contains(step, found.Steps);
        Assert.InRange(found.Steps.Length, 1, 6);
        return found;
    }

    private static CrmRow? SingleRecord(SimWorld world) =>
        world.Crm.Rows.SingleOrDefault(r => !r.Deleted && world.OccurrenceKeyOf(r) == SimWorld.MeetingUid);

    private static void SyncTwoRounds(SimWorld world)
    {
        for (var round = 0; round < 2; round++)
        {
            world.Sync(0);
            world.Sync(1);
            Assert.Null(world.CheckSeriesSafety());
        }
    }
}
