using Npgsql;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Tenant;

/// <summary>
/// Token rotation over the real PostgreSQL: silos whose configs carry different tokens for one tenant (a rolling config
/// change) each record their own; every token a silo in Orleans' membership carries is accepted, a silo's token stops
/// working once its silo is declared dead, another tenant's token never works. The membership rows are written as
/// Orleans writes them (its own table, status 3 Active, 6 Dead); the multi-process run
/// (<c>ClusterTenantsProcessTests</c>) shows the same with real silos joining and leaving.
/// </summary>
public sealed class OperatorTokenRegistryTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Old = "contoso-old-token-1f0c";
    private const string New = "contoso-new-token-9a7e";
    private const string Fabrikam = "fabrikam-token-44d2";

    [Fact]
    public async Task Check_TwoLiveSilosWithOldAndNewTokens_BothAcceptedAndTheOldRefusedOnceItsSiloIsDead()
    {
        var cluster = await ClusterAsync();
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);
        var registry = new OperatorTokenRegistry(source, cluster);
        await JoinAsync(cluster, 11111);
        await JoinAsync(cluster, 11112);
        registry.Record("contoso", "127.0.0.1", 11111, Old);
        registry.Record("fabrikam", "127.0.0.1", 11111, Fabrikam);
        // The second silo restarted with the new config: last start wins the tenant row, but both are in force.
        registry.Record("contoso", "127.0.0.1", 11112, New);
        registry.Record("fabrikam", "127.0.0.1", 11112, Fabrikam);
        var lastRecorded = OperatorTokens.HashHex(New);

        Assert.Equal(TokenCheck.Accepted, registry.Check("contoso", lastRecorded, Old));
        Assert.Equal(TokenCheck.Accepted, registry.Check("contoso", lastRecorded, New));
        Assert.Equal(TokenCheck.Wrong, registry.Check("contoso", lastRecorded, Fabrikam));
        Assert.Equal(TokenCheck.Wrong, registry.Check("fabrikam", OperatorTokens.HashHex(Fabrikam), Old));
        Assert.Equal(TokenCheck.Missing, registry.Check("contoso", lastRecorded, null));

        await LeaveAsync(cluster, 11111);

        Assert.Equal(TokenCheck.Wrong, registry.Check("contoso", lastRecorded, Old));
        Assert.Equal(TokenCheck.Accepted, registry.Check("contoso", lastRecorded, New));
        Assert.Equal(TokenCheck.Wrong, registry.Check("contoso", lastRecorded, Fabrikam));
        Assert.Equal(TokenCheck.Accepted, registry.Check("fabrikam", OperatorTokens.HashHex(Fabrikam), Fabrikam));
        Assert.Equal([OperatorTokens.HashHex(New)], registry.InForce("contoso"));
    }

    [Fact]
    public async Task Check_NoSiloInTheMembership_TheLastRecordedTokenIsInForce()
    {
        var cluster = await ClusterAsync();
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);
        var registry = new OperatorTokenRegistry(source, cluster);
        await JoinAsync(cluster, 12111);
        registry.Record("contoso", "127.0.0.1", 12111, Old);
        await LeaveAsync(cluster, 12111);

        // The cluster is stopped: operators still act, under the token the last silo to start recorded.
        Assert.Empty(registry.InForce("contoso"));
        Assert.Equal(TokenCheck.Accepted, registry.Check("contoso", OperatorTokens.HashHex(New), New));
        Assert.Equal(TokenCheck.Wrong, registry.Check("contoso", OperatorTokens.HashHex(New), Old));
        Assert.Equal(TokenCheck.ReadOnly, registry.Check("contoso", lastRecordedHash: null, New));
    }

    [Fact]
    public async Task Record_ASiloWithoutAToken_ReadOnlyOnlyWhenNoLiveSiloCarriesOne()
    {
        var cluster = await ClusterAsync();
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);
        var registry = new OperatorTokenRegistry(source, cluster);
        await JoinAsync(cluster, 13111);
        await JoinAsync(cluster, 13112);
        registry.Record("contoso", "127.0.0.1", 13111, Old);
        registry.Record("contoso", "127.0.0.1", 13112, token: null);

        Assert.Equal(TokenCheck.Accepted, registry.Check("contoso", null, Old));

        await LeaveAsync(cluster, 13111);
        // Recording again clears the rows of silos that left; the remaining silo carries no token.
        registry.Record("contoso", "127.0.0.1", 13112, token: null);

        Assert.Equal(TokenCheck.ReadOnly, registry.Check("contoso", OperatorTokens.HashHex(Old), Old));
        await using var count = source.CreateCommand($"SELECT count(*) FROM rulesync_operator_token WHERE cluster_id = '{cluster}'");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task HashesInForce_ASiloIsLive_TheLastRecordedTokenIsNotRead()
    {
        var cluster = await ClusterAsync();
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);
        var registry = new OperatorTokenRegistry(source, cluster);
        await JoinAsync(cluster, 14111);
        registry.Record("contoso", "127.0.0.1", 14111, Old);
        var rowReads = 0;
        string? LastRecorded()
        {
            rowReads++;
            return OperatorTokens.HashHex(New);
        }

        Assert.Equal([OperatorTokens.HashHex(Old)], registry.HashesInForce("contoso", LastRecorded));
        Assert.Equal(0, rowReads);

        await LeaveAsync(cluster, 14111);

        Assert.Equal([OperatorTokens.HashHex(New)], registry.HashesInForce("contoso", LastRecorded));
        Assert.Equal(1, rowReads);
    }

    /// <summary>A cluster id of the test's own in the class's database, with Orleans' tables ready.</summary>
    private async Task<string> ClusterAsync()
    {
        await ClusterDatabase.PrepareAsync(database.ConnectionString, CancellationToken.None);
        var cluster = $"tokens-{Guid.NewGuid():N}";
        await ExecuteAsync("INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (@c)", cluster, 0);
        return cluster;
    }

    private Task JoinAsync(string cluster, int port) => ExecuteAsync("""
        INSERT INTO orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
        VALUES (@c, '127.0.0.1', @p, 1, 'silo', 'localhost', 3, 30000, now(), now())
        """, cluster, port);

    private Task LeaveAsync(string cluster, int port) =>
        ExecuteAsync("UPDATE orleansmembershiptable SET status = 6 WHERE deploymentid = @c AND port = @p", cluster, port);

    private async Task ExecuteAsync(string sql, string cluster, int port)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("c", cluster);
        command.Parameters.AddWithValue("p", port);
        await command.ExecuteNonQueryAsync();
    }
}
