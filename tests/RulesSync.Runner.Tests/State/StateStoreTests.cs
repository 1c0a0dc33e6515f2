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

    private const string Alice = "alice@contoso.example";
}
