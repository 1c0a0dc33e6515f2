using Npgsql;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.State;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// Meeting leases in PostgreSQL (<see cref="MeetingLeases"/>) between two activations of a tenant (two silos), and the
/// journal's fence on them: both stores here are unfenced at tenant level, so only the meeting's token decides.
/// </summary>
public sealed class MeetingLeasesTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private const string Meeting = "uid-1";
    private static int tenants;

    /// <summary>The silo's pools (both "silos" of a test share them, as activations on one silo would).</summary>
    private readonly ClusterConnections pools = new();

    public void Dispose() => pools.Dispose();

    [Fact]
    public async Task EnterAsync_HeldByAnotherActivation_WaitsUntilReleasedThenTakesTheNextToken()
    {
        var tenant = NewTenant();
        var a = Leases(tenant, "silo-a", 1);
        var b = Leases(tenant, "silo-b", 1);
        var first = await a.EnterAsync(Meeting, CancellationToken.None);

        var second = b.EnterAsync(Meeting, CancellationToken.None).AsTask();
        await b.FirstRefusal;
        Assert.Equal("silo-a", await HolderAsync(tenant));
        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await using var taken = await second;

        Assert.Equal(first.FencingToken + 1, taken.FencingToken);
        Assert.Equal(1, b.Waited);
        Assert.Equal("silo-b", await HolderAsync(tenant));
    }

    [Fact]
    public async Task Journal_HolderWhoseLeaseExpiredAndWasTaken_IsRefusedNothingWritten()
    {
        var tenant = NewTenant();
        using var storeA = PostgresStateStore.Open(database.ConnectionString, tenant);
        using var storeB = PostgresStateStore.Open(database.ConnectionString, tenant);
        storeA.EnsureMailbox("alice@contoso.example", "exchange");
        var a = Leases(tenant, "silo-a", 1);
        var b = Leases(tenant, "silo-b", 1);
        var stale = await a.EnterAsync(Meeting, CancellationToken.None);

        // Silo A is cut off past the lease's expiry (it cannot renew): as the database's clock would have it.
        await ExecuteAsync($"UPDATE rulesync_meeting_lease SET expires_at = clock_timestamp() - interval '1 second' WHERE tenant = '{tenant}'");
        await using var successor = await b.EnterAsync(Meeting, CancellationToken.None);

        var refused = Assert.Throws<FencedOffException>(() => storeA.Journal(Under(stale.FencingToken), [StateStoreContract.Effect("k-a")]));
        storeB.Journal(Under(successor.FencingToken), [StateStoreContract.Effect("k-b")]);

        Assert.Equal(stale.FencingToken, refused.Token);
        Assert.Equal(successor.FencingToken, refused.Current);
        Assert.Contains("silo-b", refused.Message, StringComparison.Ordinal);
        Assert.Null(storeA.Effect("k-a"));
        Assert.Equal([successor.FencingToken], storeB.DecisionsOfMeeting(Meeting).Select(d => d.MeetingFence));
        await stale.DisposeAsync();
        // A's late release expires nothing of B's: the lease is B's until B lets go.
        Assert.Equal("silo-b", await HolderAsync(tenant));
        Assert.False(await ExpiredAsync(tenant));
    }

    [Fact]
    public async Task BreakLeasesOfOlderActivations_SuccessorTakesTheMeetingWithoutWaiting()
    {
        var tenant = NewTenant();
        var dead = Leases(tenant, "silo-a", tenantToken: 1);
        var successor = Leases(tenant, "silo-b", tenantToken: 2);
        var sameAge = Leases(tenant, "silo-c", tenantToken: 2);
        var orphan = await dead.EnterAsync(Meeting, CancellationToken.None);
        await using var other = await sameAge.EnterAsync("uid-2", CancellationToken.None);

        Assert.Equal(1, successor.BreakLeasesOfOlderActivations());
        await using var taken = await successor.EnterAsync(Meeting, CancellationToken.None);

        Assert.Equal(0, successor.Waited);
        Assert.Equal(orphan.FencingToken + 1, taken.FencingToken);
        await orphan.DisposeAsync();
    }

    private MeetingLeases Leases(string tenant, string holder, long tenantToken) =>
        MeetingLeases.Open(pools.Leases(database.ConnectionString), tenant, holder, tenantToken, MeetingLeases.DefaultDuration, TimeProvider.System);

    private string NewTenant()
    {
        var tenant = $"leases-{Interlocked.Increment(ref tenants)}";
        // The store creates the tables, the lease table among them.
        PostgresStateStore.Open(database.ConnectionString, tenant).Dispose();
        return tenant;
    }

    private static DecisionRow Under(long token)
    {
        var d = StateStoreContract.Decision();
        d.MeetingFence = token;
        return d;
    }

    private async Task<string?> HolderAsync(string tenant) =>
        (string?)await ScalarAsync($"SELECT holder FROM rulesync_meeting_lease WHERE tenant = '{tenant}' AND meeting_key = '{Meeting}'");

    private async Task<bool> ExpiredAsync(string tenant) =>
        (bool)(await ScalarAsync($"SELECT expires_at <= clock_timestamp() FROM rulesync_meeting_lease WHERE tenant = '{tenant}' AND meeting_key = '{Meeting}'"))!;

    private async Task ExecuteAsync(string sql) => await ScalarAsync(sql);

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var c = new NpgsqlConnection(database.ConnectionString);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        return await command.ExecuteScalarAsync();
    }
}
