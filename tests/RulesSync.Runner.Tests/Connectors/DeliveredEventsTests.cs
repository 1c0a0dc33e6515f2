using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;

namespace RulesSync.Runner.Tests.Connectors;

public sealed class DeliveredEventsTests
{
    private static MailboxItem Item(string id, bool removed) =>
        new(id, "ck", new MeetingUid("uid-" + id), true, "a@x", ImmutableArray<MeetingAttendee>.Empty, false, "s", default, default, MeetingType.Appointment, AttendeeResponse.None, removed);

    [Fact]
    public void Observe_RemovalNotice_ForgetsTheIdAndLiveItemsAreKnown()
    {
        var delivered = new DeliveredEvents();

        delivered.Observe([Item("e1", false), Item("e2", false)]);
        delivered.Observe([Item("e1", true)]);

        Assert.Equal(["e2"], delivered.KnownEventIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Seed_PersistedState_KnowsItsLiveReplicasButNotItsTombstones()
    {
        var state = MailboxSyncState.Initial("a@x");
        state = state with
        {
            Events = state.Events
                .Add("e1", new EventSnapshot(Item("e1", false), null))
                .Add("e2", new EventSnapshot(Item("e2", true), null)),
        };
        var delivered = new DeliveredEvents();

        delivered.Seed(state);

        Assert.Equal(["e1"], delivered.KnownEventIds);
    }
}
