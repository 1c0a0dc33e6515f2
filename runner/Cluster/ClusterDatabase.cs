using System.Reflection;
using Npgsql;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// The cluster's PostgreSQL database made ready: Orleans' own ADO.NET scripts for PostgreSQL (shipped in the tool as
/// they are in dotnet/orleans: main, clustering, reminders, persistence), each applied once and recorded in
/// <c>rulesync_schema</c>, under an advisory lock so silos starting together apply them once. PostgreSQL runs DDL in
/// transactions: a script is applied whole or not at all.
/// </summary>
internal static class ClusterDatabase
{
    /// <summary>Orleans' ADO.NET invariant name for Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The scripts, in the order Orleans documents (the main script creates OrleansQuery, which the others fill).</summary>
    public static readonly IReadOnlyList<string> Scripts = ["PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql", "PostgreSQL-Reminders.sql", "PostgreSQL-Persistence.sql"];

    private const long SchemaLock = 0x4F_72_6C_65_61_6E_73; // "Orleans"

    /// <summary>Applies the scripts not yet applied; returns the ones applied now.</summary>
    public static async Task<IReadOnlyList<string>> PrepareAsync(string connectionString, CancellationToken cancellationToken)
    {
        var applied = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({SchemaLock})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS rulesync_schema (script text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
        foreach (var script in Scripts)
        {
            await using var check = new NpgsqlCommand("SELECT count(*) FROM rulesync_schema WHERE script = @s", connection, transaction);
            check.Parameters.AddWithValue("s", script);
            if ((long)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, Read(script), cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO rulesync_schema (script) VALUES (@s)", connection, transaction);
            record.Parameters.AddWithValue("s", script);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            applied.Add(script);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    /// <summary>A shipped script's text.</summary>
    public static string Read(string script)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("RulesSync.Cluster.Sql." + script)
            ?? throw new InvalidOperationException($"the tool ships no {script}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
