using Npgsql;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.State;

/// <summary>The PostgreSQL store (cluster mode): the store contract, tenants apart, and no lost update between two silos.</summary>
public sealed class PostgresStateStoreTests(PostgresDatabase database) : StateStoreContract, IClassFixture<PostgresDatabase>
{
    private static int tenants;

    internal override IStateStore NewStore() => PostgresStateStore.Open(database.ConnectionString, $"tenant-{Interlocked.Increment(ref tenants)}");

    internal override IStateStore OpenAgain(IStateStore store) => PostgresStateStore.Open(database.ConnectionString, ((PostgresStateStore)store).Tenant().Tenant!);

    [Fact]
    public void Open_TwoTenantsInOneDatabase_SeeOnlyTheirOwnRows()
    {
        using var contoso = PostgresStateStore.Open(database.ConnectionString, "contoso-shared");
        using var fabrikam = PostgresStateStore.Open(database.ConnectionString, "fabrikam-shared");

        contoso.EnsureMailbox("alice@contoso.example", "exchange");
        contoso.Journal(Decision(), [Effect("k1")]);
        contoso.UpdateTenant(t => t.KillSwitch = true);

        Assert.Empty(fabrikam.Mailboxes());
        Assert.Null(fabrikam.Effect("k1"));
        Assert.Equal(0, fabrikam.DecisionCount());
        Assert.False(fabrikam.Tenant().KillSwitch);
        Assert.Equal("contoso-shared", contoso.Tenant().Tenant);
    }

    [Fact]
    public async Task UpdateTenant_TwoStoresAtOnce_LoseNoChange()
    {
        // Two silos' stores over the same tenant: each change is a locked read-modify-write.
        const string Tenant = "concurrent";
        using var first = PostgresStateStore.Open(database.ConnectionString, Tenant);
        using var second = PostgresStateStore.Open(database.ConnectionString, Tenant);
        first.EnsureMailbox("alice@contoso.example", "exchange");

        await Task.WhenAll(
            Task.Run(() => Repeat(first)),
            Task.Run(() => Repeat(second)));

        Assert.Equal(100, first.Tenant().Cycles);
        Assert.Equal(100, second.Mailbox("alice@contoso.example")!.ConsecutiveFailures);

        static void Repeat(IStateStore store)
        {
            for (var i = 0; i < 50; i++)
            {
                store.UpdateTenant(t => t.Cycles++);
                store.UpdateMailbox("alice@contoso.example", m => m.ConsecutiveFailures++);
            }
        }
    }

    [Fact]
    public void Open_Unreachable_ExplainsWithoutThePassword()
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = 1, Password = "s3cret-never-shown", Timeout = 2 };

        var e = Assert.Throws<StateFileException>(() => PostgresStateStore.Open(builder.ConnectionString, "t"));

        Assert.Contains("postgresql://127.0.0.1:1/", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-never-shown", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NotAConnectionString_ExplainsWithoutEchoingIt()
    {
        var e = Assert.Throws<StateFileException>(() => PostgresStateStore.Open("Host=x;Bogus Keyword=s3cret", "t"));

        Assert.Contains("connection string is not valid", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
    }
}
