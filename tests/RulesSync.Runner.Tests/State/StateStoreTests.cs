using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.State;

public sealed class StateStoreTests
{
    [Fact]
    public void Open_NewFile_CreatesTenantRowAndReopens()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Folder, "state.db");
        using (var store = StateStore.Open(path, create: true))
        {
            store.UpdateTenant(t => t.KillSwitch = true);
        }

        using var again = StateStore.Open(path, create: false);
        Assert.True(again.Tenant().KillSwitch);
    }

    [Fact]
    public void Open_MissingFileWithoutCreate_ExplainsAndCreatesNothing()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Folder, "state.db");

        var e = Assert.Throws<StateFileException>(() => StateStore.Open(path, create: false));

        Assert.Contains("no state file here", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Open_CorruptFile_FailsAndLeavesItUntouched()
    {
        using var files = new TempFiles();
        var garbage = string.Concat(Enumerable.Repeat("this is not a LiteDB file. ", 800));
        var path = files.Write("state.db", garbage);

        var e = Assert.Throws<StateFileException>(() => StateStore.Open(path, create: true));

        Assert.Contains("left untouched", e.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllText(path));
    }

    [Fact]
    public void Journal_SameEffectKeyTwice_KeepsTheFirstRowAndItsStatus()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "s.db"), create: true);
        store.EnsureMailbox("alice@contoso.example", "exchange");
        var (first, _) = store.Journal(Decision(), [Effect("k1")]);
        store.MarkEffect("k1", EffectStatus.Applied, at: 5);

        var (second, rows) = store.Journal(Decision(), [Effect("k1"), Effect("k2")]);

        Assert.NotEqual(first, second);
        Assert.Equal([EffectStatus.Applied, EffectStatus.Planned], rows.Select(r => r.Status));
        Assert.Equal(first, store.Effect("k1")!.DecisionId);
        Assert.Equal(2, store.DecisionsOfMeeting("uid-1").Count);
    }

    [Fact]
    public void CompleteDecision_SavesOutcomeAndProgressTogether()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "s.db"), create: true);
        store.EnsureMailbox("alice@contoso.example", "exchange");
        var (id, _) = store.Journal(Decision(), [Effect("k1")]);
        var progress = MailboxSyncState.Initial("alice@contoso.example") with { Cursor = new MailboxCursor("delta-42") };

        store.CompleteDecision(id, "completed", "Alice@Contoso.example", progress);

        Assert.Equal("completed", store.DecisionsOfMeeting("uid-1").Single().Outcome);
        Assert.Equal(progress.Cursor, store.SyncState("alice@contoso.example").Cursor);
    }

    [Fact]
    public void CompleteSync_KeepsOnlyTheLatestLatencySamples()
    {
        using var files = new TempFiles();
        using var store = StateStore.Open(Path.Combine(files.Folder, "s.db"), create: true);
        store.EnsureMailbox("alice@contoso.example", "exchange");
        var state = MailboxSyncState.Initial("alice@contoso.example");

        for (var i = 0; i < StateStore.LatencySamples + 5; i++)
        {
            store.CompleteSync("alice@contoso.example", state, at: i, milliseconds: i * 10);
        }

        var row = store.Mailbox("alice@contoso.example")!;
        Assert.Equal(StateStore.LatencySamples, row.Latencies.Count);
        Assert.Equal(5, row.Latencies[0].At);
        Assert.Equal(StateStore.LatencySamples + 4, row.LastSyncAt);
    }

    internal static DecisionRow Decision() => new()
    {
        At = 1,
        Mailbox = "alice@contoso.example",
        MeetingKey = "uid-1",
        ChangeId = "mailbox:e1@ck:modified",
        Action = "share",
        Rule = "r",
    };

    internal static EffectRow Effect(string key) => new()
    {
        Id = key,
        IdempotencyKey = key,
        Mailbox = "alice@contoso.example",
        MeetingKey = "uid-1",
        Kind = "LinkReplica",
        Status = EffectStatus.Planned,
        CreatedAt = 1,
    };
}
