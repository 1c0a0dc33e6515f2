using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.State;

/// <summary>The LiteDB state file: the store contract (<see cref="StateStoreContract"/>) and what only a file has.</summary>
public sealed class StateStoreTests : StateStoreContract, IDisposable
{
    private readonly TempFiles files = new();
    private int opened;

    internal override IStateStore NewStore() => StateStore.Open(Path.Combine(files.Folder, $"s{Interlocked.Increment(ref opened)}.db"), create: true);

    internal override IStateStore OpenAgain(IStateStore store) => StateStore.Open(((StateStore)store).Path, create: false);

    public void Dispose() => files.Dispose();

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
    public void CompleteSync_LatenciesWithinTheInterval_SeenHereAtOnceByAnotherStoreOnceWritten()
    {
        var path = Path.Combine(files.Folder, "latency.db");
        using (var store = StateStore.Open(path, create: true))
        {
            store.EnsureMailbox(Alice, "exchange");
            var state = MailboxSyncState.Initial(Alice);
            foreach (var at in new long[] { 1_000, 2_000, 3_000 })
            {
                store.CompleteSync(Alice, state, at, milliseconds: at / 100);
                store.WritePending();
            }

            Assert.Equal([10L, 20L, 30L], store.Mailbox(Alice)!.Latencies.Select(l => l.Milliseconds));
            using (var other = StateStore.Open(path, create: false))
            {
                // Written with the first sample; the next two within the interval wait.
                Assert.Equal([10L], other.Mailbox(Alice)!.Latencies.Select(l => l.Milliseconds));
            }

            store.CompleteSync(Alice, state, 1_000 + StateStore.LatencyPersistEvery, milliseconds: 40);
            store.WritePending();
            using (var other = StateStore.Open(path, create: false))
            {
                Assert.Equal([10L, 20L, 30L, 40L], other.Mailbox(Alice)!.Latencies.Select(l => l.Milliseconds));
            }

            store.CompleteSync(Alice, state, 2_000 + StateStore.LatencyPersistEvery, milliseconds: 50);
        }

        using var reopened = StateStore.Open(path, create: false);
        Assert.Equal([10L, 20L, 30L, 40L, 50L], reopened.Mailbox(Alice)!.Latencies.Select(l => l.Milliseconds));
    }

    [Fact]
    public void CompleteSync_MailboxRowInTheFile_CarriesNoLatencies()
    {
        var path = Path.Combine(files.Folder, "row.db");
        using (var store = StateStore.Open(path, create: true))
        {
            store.EnsureMailbox(Alice, "exchange");
            store.CompleteSync(Alice, MailboxSyncState.Initial(Alice), at: 5, milliseconds: 7);
        }

        using var raw = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = path, Connection = LiteDB.ConnectionType.Shared });
        var row = raw.GetCollection("mailboxes").FindById(Alice);
        Assert.Equal(5, row["LastSyncAt"].AsInt64);
        Assert.False(row.ContainsKey("LatencyLog") || row.ContainsKey("Latencies"));
        Assert.Equal(16, raw.GetCollection("latencies").FindById(Alice)["Log"].AsBinary.Length);
    }

    [Fact]
    public void CompleteSync_StateUnchangedAndRowClean_RowInTheFileLeftAsItWas()
    {
        var path = Path.Combine(files.Folder, "unchanged.db");
        using (var store = StateStore.Open(path, create: true))
        {
            store.EnsureMailbox(Alice, "exchange");
            store.CompleteSync(Alice, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") }, at: 5, milliseconds: 7);
            store.WritePending();

            // An equal state, not the same object: what a no-change sync hands back.
            store.CompleteSync(Alice, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") }, at: 9, milliseconds: 8);
            store.WritePending();

            Assert.Equal(1, store.UnchangedSyncs);
            Assert.Equal(9, store.Mailbox(Alice)!.LastSyncAt);
        }

        Assert.Equal(5, RawMailboxRow(path)["LastSyncAt"].AsInt64);
        using var reopened = StateStore.Open(path, create: false);
        Assert.Equal(9, reopened.Mailbox(Alice)!.LastSyncAt);
        Assert.Equal([7L, 8L], reopened.Mailbox(Alice)!.Latencies.Select(l => l.Milliseconds));
        Assert.Equal(new MailboxCursor("c1"), reopened.SyncState(Alice).Cursor);
    }

    [Fact]
    public void CompleteSync_StateChanged_RowRewritten()
    {
        var path = Path.Combine(files.Folder, "changed.db");
        using (var store = StateStore.Open(path, create: true))
        {
            store.EnsureMailbox(Alice, "exchange");
            store.CompleteSync(Alice, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") }, at: 5, milliseconds: 7);
            store.WritePending();
            store.CompleteSync(Alice, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c2") }, at: 9, milliseconds: 8);
            store.WritePending();

            Assert.Equal(0, store.UnchangedSyncs);
        }

        var row = RawMailboxRow(path);
        Assert.Equal(9, row["LastSyncAt"].AsInt64);
        Assert.Contains("c2", row["SyncState"].AsString, StringComparison.Ordinal);
        using var reopened = StateStore.Open(path, create: false);
        Assert.Equal(new MailboxCursor("c2"), reopened.SyncState(Alice).Cursor);
    }

    [Fact]
    public void CompleteSync_StateUnchangedButRowFailing_RowWrittenActiveAgain()
    {
        var path = Path.Combine(files.Folder, "failing.db");
        var state = MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") };
        using (var store = StateStore.Open(path, create: true))
        {
            store.EnsureMailbox(Alice, "exchange");
            store.CompleteSync(Alice, state, at: 5, milliseconds: 7);
            store.WritePending();
            store.UpdateMailbox(Alice, m => { m.Status = MailboxStatus.Failing; m.ConsecutiveFailures = 2; m.NextAttemptAt = 99; });

            store.CompleteSync(Alice, state, at: 9, milliseconds: 8);
            store.WritePending();

            Assert.Equal(0, store.UnchangedSyncs);
        }

        using var reopened = StateStore.Open(path, create: false);
        var row = reopened.Mailbox(Alice)!;
        Assert.Equal((MailboxStatus.Active, 0, (long?)null, 9L), (row.Status, row.ConsecutiveFailures, row.NextAttemptAt, row.LastSyncAt));
    }

    [Fact]
    public void ReadSyncState_RowHoldingTheJsonItWrote_TheSameStateObject_OtherJsonDeserialised()
    {
        using var store = (StateStore)NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var state = MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") };
        store.CompleteSync(Alice, state, at: 5, milliseconds: 7);
        store.WritePending();

        var row = store.Mailbox(Alice)!;
        Assert.Same(state, store.ReadSyncState(row, Alice));

        row.SyncState = SyncStateJson.Serialize(state with { Cursor = new MailboxCursor("c9") });
        var other = store.ReadSyncState(row, Alice);
        Assert.NotSame(state, other);
        Assert.Equal(new MailboxCursor("c9"), other.Cursor);
    }

    [Fact]
    public void SameState_EqualContentDistinctObjects_TrueAndAnyDifference_False()
    {
        var a = MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1"), Watermark = new CrmWatermark(4) };

        Assert.True(StateStore.SameState(a, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1"), Watermark = new CrmWatermark(4) }));
        Assert.False(StateStore.SameState(a, a with { Cursor = new MailboxCursor("c2") }));
        Assert.False(StateStore.SameState(a, a with { Watermark = new CrmWatermark(5) }));
        Assert.False(StateStore.SameState(a, a with { EmployeeId = "bob@contoso.example" }));
        Assert.False(StateStore.SameState(a, a with { Events = a.Events.Add("e1", new EventSnapshot(null!, "r1")) }));
    }

    private static LiteDB.BsonDocument RawMailboxRow(string path)
    {
        using var raw = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = path, Connection = LiteDB.ConnectionType.Shared });
        return raw.GetCollection("mailboxes").FindById(Alice);
    }

    private const string Alice = "alice@contoso.example";
}
