using Npgsql;

namespace RulesSync.Runner.Tenant;

/// <summary>
/// The operator tokens in force for a cluster's tenants, for a rolling config change (token rotation): each silo
/// records, at start, the hash of each tenant's token its config carries, in a row of its own
/// (<c>rulesync_operator_token</c>: tenant, cluster, the silo's advertised address and silo port). A token is accepted
/// when it is the token of a silo that is in the cluster's membership (Orleans' <c>OrleansMembershipTable</c> in the
/// same database: a row of that address and port not declared dead). So while silos differ — some restarted with the
/// new config, some still on the old — both tokens work, and the old one stops working once the last silo that
/// carries it has left (stopped gracefully, or declared dead by the others). When no silo of the cluster is in the
/// membership (the cluster is stopped, or its silos predate this table), the token the last silo to start recorded
/// for the tenant (<see cref="State.TenantRow.OperatorTokenHash"/>) is the one in force, as before. Only hashes are
/// stored; <see cref="OperatorTokens"/> compares them (fixed time, every hash in force compared).
/// </summary>
internal sealed class OperatorTokenRegistry
{
    /// <summary>Serializes the table's creation across silos (any constant they agree on).</summary>
    private const long SchemaLock = 0x52_53_54_6F_6B_65_6E; // "RSToken"

    /// <summary>Orleans' <c>SiloStatus.Dead</c>: a silo in this state (or None, 0) no longer carries its token.</summary>
    private const int Dead = 6;

    /// <summary>PostgreSQL's undefined_table: neither silo nor Orleans has created the table yet.</summary>
    private const string UndefinedTable = "42P01";

    private readonly NpgsqlDataSource source;
    private readonly string clusterId;

    public OperatorTokenRegistry(NpgsqlDataSource source, string clusterId)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        this.source = source;
        this.clusterId = clusterId;
    }

    /// <summary>
    /// The silo at <paramref name="address"/>:<paramref name="siloPort"/> carries <paramref name="token"/> (null: none,
    /// read-only) for <paramref name="tenant"/>; rows of silos no longer in the membership are removed.
    /// </summary>
    public void Record(string tenant, string address, int siloPort, string? token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        using var connection = source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(@k)", ("k", SchemaLock));
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS rulesync_operator_token (
                tenant text NOT NULL, cluster_id text NOT NULL, address text NOT NULL, port integer NOT NULL,
                token_hash text NULL, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (tenant, cluster_id, address, port))
            """);
        Execute(connection, transaction, """
            INSERT INTO rulesync_operator_token (tenant, cluster_id, address, port, token_hash) VALUES (@t, @c, @a, @p, @h)
            ON CONFLICT (tenant, cluster_id, address, port) DO UPDATE SET token_hash = excluded.token_hash, recorded_at = clock_timestamp()
            """, ("t", tenant), ("c", clusterId), ("a", address), ("p", siloPort), ("h", (object?)OperatorTokens.HashHex(token) ?? DBNull.Value));
        if (MembershipExists(connection, transaction))
        {
            Execute(connection, transaction, $"""
                DELETE FROM rulesync_operator_token t WHERE t.tenant = @t AND t.cluster_id = @c AND NOT (t.address = @a AND t.port = @p)
                AND NOT EXISTS (SELECT 1 FROM orleansmembershiptable m WHERE m.deploymentid = t.cluster_id AND m.address = t.address AND m.port = t.port AND m.status > 0 AND m.status < {Dead})
                """, ("t", tenant), ("c", clusterId), ("a", address), ("p", siloPort));
        }

        transaction.Commit();
    }

    /// <summary>
    /// The token hashes the tenant's live silos carry (a null entry: a silo with none); an empty list when no silo of
    /// the cluster that recorded one is in the membership.
    /// </summary>
    public IReadOnlyList<string?> InForce(string tenant)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand($"""
            SELECT t.token_hash FROM rulesync_operator_token t
            WHERE t.tenant = @t AND t.cluster_id = @c
            AND EXISTS (SELECT 1 FROM orleansmembershiptable m WHERE m.deploymentid = t.cluster_id AND m.address = t.address AND m.port = t.port AND m.status > 0 AND m.status < {Dead})
            """, connection);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("c", clusterId);
        var hashes = new List<string?>();
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                hashes.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
            }
        }
        catch (PostgresException e) when (e.SqlState == UndefinedTable)
        {
            // No silo recorded a token here yet (or Orleans' tables are missing): nothing in force from live silos.
        }

        return hashes;
    }

    /// <summary>
    /// Whether <paramref name="presented"/> may act on <paramref name="tenant"/>: against the tokens its live silos
    /// carry, or, with none live, <paramref name="lastRecordedHash"/> (the tenant row's).
    /// </summary>
    public TokenCheck Check(string tenant, string? lastRecordedHash, string? presented) =>
        OperatorTokens.Check(HashesInForce(tenant, () => lastRecordedHash), presented);

    /// <summary>
    /// The token hashes in force for <paramref name="tenant"/>: those its live silos carry, or, with none live, the one
    /// <paramref name="lastRecordedHash"/> reads (the tenant row's; read only then). One read of the database otherwise.
    /// </summary>
    public IReadOnlyList<string?> HashesInForce(string tenant, Func<string?> lastRecordedHash)
    {
        ArgumentNullException.ThrowIfNull(lastRecordedHash);
        var live = InForce(tenant);
        return live.Count > 0 ? live : [lastRecordedHash()];
    }

    private static bool MembershipExists(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand("SELECT to_regclass('orleansmembershiptable') IS NOT NULL", connection, transaction);
        return (bool)command.ExecuteScalar()!;
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
