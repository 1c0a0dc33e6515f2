using RulesSync.Runner.Live;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.State;

namespace RulesSync.Runner.Tests.Live;

public sealed class SiblingCreatesTests : IDisposable
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob@contoso.example";

    private readonly TempFiles files = new();

    [Theory]
    [InlineData(EffectStatus.Applied, null, true)]
    [InlineData(EffectStatus.Planned, null, true)]
    [InlineData(EffectStatus.Failed, "the CRM timed out", true)]
    [InlineData(EffectStatus.Failed, LiveSyncJournal.Superseded + "CRM record 7 changed since it was read", false)]
    [InlineData(EffectStatus.Held, "held for review", false)]
    [InlineData(EffectStatus.Discarded, null, false)]
    public void MayHaveCreated_AnotherMailboxsCreateOfTheMeeting_OnlyWhenItMayHaveRun(EffectStatus status, string? detail, bool expected)
    {
        using var store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        Journal(store, Bob, "uid-1", "CreateCrmRecord", status, detail);

        Assert.Equal(expected, new SiblingCreates(store).MayHaveCreated("uid-1", Alice));
    }

    [Fact]
    public void MayHaveCreated_OwnCreateOtherMeetingsOrOtherKinds_False()
    {
        using var store = StateStore.Open(Path.Combine(files.Folder, "state.db"), create: true);
        Journal(store, Alice, "uid-1", "CreateCrmRecord", EffectStatus.Applied, null);
        Journal(store, Bob, "uid-2", "CreateCrmRecord", EffectStatus.Applied, null);
        Journal(store, Bob, "uid-1", "UpdateCrmRecord", EffectStatus.Applied, null);
        var siblings = new SiblingCreates(store);

        Assert.False(siblings.MayHaveCreated("uid-1", Alice), "only Alice's own create and Bob's update of uid-1");
        Assert.True(siblings.MayHaveCreated("uid-1", Bob), "Alice's create, seen from Bob");
        Assert.True(siblings.MayHaveCreated("uid-2", Alice));
        Assert.False(siblings.MayHaveCreated("uid-3", Alice));
    }

    public void Dispose() => files.Dispose();

    private static void Journal(StateStore store, string mailbox, string meeting, string kind, EffectStatus status, string? detail)
    {
        var key = $"{mailbox}/{meeting}/{kind}";
        var decision = StateStoreContract.Decision();
        decision.Mailbox = mailbox;
        decision.MeetingKey = meeting;
        var effect = StateStoreContract.Effect(key);
        effect.Mailbox = mailbox;
        effect.MeetingKey = meeting;
        effect.Kind = kind;
        store.Journal(decision, [effect]);
        if (status != EffectStatus.Planned)
        {
            store.MarkEffect(key, status, 2, detail);
        }
    }
}
