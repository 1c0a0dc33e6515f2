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
}
