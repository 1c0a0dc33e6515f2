using System.Diagnostics;
using Npgsql;

namespace RulesSync.Runner.Tests;

public sealed class PostgresServerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Shared_Started_ListensOnLoopbackOnlyAsNonRootUser()
    {
        var server = await PostgresServer.SharedAsync();
        await using var c = new NpgsqlConnection(database.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'), pg_backend_pid()", c);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());

        Assert.Equal("127.0.0.1", r.GetString(0));
        Assert.Equal(string.Empty, r.GetString(1));
        // The postmaster we started is the server (setpriv execs), and it does not run as root.
        using var postmaster = Process.GetProcessById(server.Pid);
        var status = await File.ReadAllLinesAsync($"/proc/{server.Pid}/status");
        var uid = status.Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.NotEqual("0", uid);
        Assert.Equal("postgres", postmaster.ProcessName);
    }

    [Fact]
    public async Task RestartAsync_AfterStopKeepingData_ServesTheSameDataOnTheSamePortWithANewPid()
    {
        var server = await PostgresServer.StartPrivateAsync();
        try
        {
            // Unpooled: each open asks the server (a pooled connection would outlive the restart, broken).
            var db = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("restart")) { Pooling = false }.ConnectionString;
            await using (var a = new NpgsqlConnection(db))
            {
                await a.OpenAsync();
                await new NpgsqlCommand("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)", a).ExecuteNonQueryAsync();
            }

            var before = server.Pid;
            server.StopKeepingData();
            await using (var down = new NpgsqlConnection(db))
            {
                await Assert.ThrowsAnyAsync<NpgsqlException>(() => down.OpenAsync());
            }

            await server.RestartAsync();

            await using var b = new NpgsqlConnection(db);
            await b.OpenAsync();
            Assert.Equal(42, (int)(await new NpgsqlCommand("SELECT x FROM kept", b).ExecuteScalarAsync())!);
            Assert.NotEqual(before, server.Pid);
        }
        finally
        {
            server.Stop();
        }
    }

    [Fact]
    public async Task CreateDatabase_TwoClasses_GetSeparateDatabases()
    {
        var other = await PostgresDatabase.FreshAsync("other");
        await using (var a = new NpgsqlConnection(database.ConnectionString))
        {
            await a.OpenAsync();
            await new NpgsqlCommand("CREATE TABLE only_here (x int)", a).ExecuteNonQueryAsync();
        }

        await using var b = new NpgsqlConnection(other);
        await b.OpenAsync();
        var count = (long)(await new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'", b).ExecuteScalarAsync())!;
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task ConnectionString_WrongPassword_IsRefused()
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = "not-the-password" };
        await using var c = new NpgsqlConnection(builder.ConnectionString);

        var e = await Assert.ThrowsAsync<PostgresException>(() => c.OpenAsync());

        Assert.Equal(PostgresErrorCodes.InvalidPassword, e.SqlState);
    }
}
