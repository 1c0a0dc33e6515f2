namespace RulesSync.Runner.Tests;

/// <summary>A test class's own database on the run's shared PostgreSQL server (xunit class fixture).</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private string? connectionString;

    /// <summary>The database's connection string (superuser, loopback).</summary>
    public string ConnectionString => connectionString ?? throw new InvalidOperationException("the database is created in InitializeAsync");

    /// <summary>Another fresh database on the same server (a test that needs a clean slate).</summary>
    public static async Task<string> FreshAsync(string purpose) => await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(purpose);

    public async Task InitializeAsync() => connectionString = await FreshAsync(GetType().Name);

    public Task DisposeAsync() => Task.CompletedTask;
}
