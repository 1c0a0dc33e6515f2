using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Tests.Live;

public sealed class TenantCrmSnapshotTests
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob@contoso.example";

    [Fact]
    public void LiveIdsFor_NothingChanged_SortedTenantIdsSharedByEveryMailbox()
    {
        var snapshot = Snapshot([], "c", "a", "b");

        var alice = snapshot.LiveIdsFor(Alice);

        Assert.Equal(["a", "b", "c"], alice.ToArray());
        Assert.True(alice == snapshot.LiveIdsFor(Bob), "the same array, not a copy");
    }

    [Fact]
    public void LiveIdsFor_ChangedRecordsOfOthers_LeftOutForTheMailboxesTheyDoNotInvolve()
    {
        var snapshot = Snapshot([Record("a", Alice), Record("b", Bob)], "a", "b", "c");

        Assert.Equal(["a", "c"], snapshot.LiveIdsFor(Alice).ToArray());
        Assert.Equal(["b", "c"], snapshot.LiveIdsFor(Bob).ToArray());
        Assert.Equal(["c"], snapshot.LiveIdsFor("carla@contoso.example").ToArray());
        Assert.True(snapshot.LiveIdsFor("carla@contoso.example") == snapshot.LiveIdsFor("dan@contoso.example"), "one list for both");
    }

    [Fact]
    public void LiveIdsFor_AfterWritesOfTheCycle_CreatedIncludedDeletedLeftOut()
    {
        var snapshot = Snapshot([], "a", "b");
        Assert.Equal(["a", "b"], snapshot.LiveIdsFor(Alice).ToArray());

        snapshot.Wrote("0", Record("0", Alice));
        snapshot.Wrote("b", null);

        Assert.Equal(["0", "a"], snapshot.LiveIdsFor(Alice).ToArray());
        Assert.Equal(["a"], snapshot.LiveIdsFor(Bob).ToArray());
    }

    private static TenantCrmSnapshot Snapshot(ImmutableArray<CrmRecord> changed, params string[] live) =>
        new(changed, new CrmWatermark(1), [.. live], []);

    private static CrmRecord Record(string id, string owner) => new(
        id, "etag-1", new MeetingUid("uid-" + id), null, "Subject", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1),
        CrmStatus.Open, owner, owner, [], MeetingType.Appointment);
}
