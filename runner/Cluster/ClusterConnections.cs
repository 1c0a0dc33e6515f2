using System.Collections.Concurrent;
using Npgsql;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// The silo's connections to the cluster database: one pool per connection string for every tenant the silo hosts,
/// not one per tenant (100 tenants with a pool each ran PostgreSQL out of connections, <c>53300: too many clients</c>).
/// Two pools per database: the tenants' state and journal (<see cref="State"/>), and a small one for meeting leases
/// (<see cref="Leases"/>), so that renewing a held lease never waits behind journal writes. Together they open at most
/// <see cref="MaxConnections"/> connections (<c>cluster.maxConnections</c>); a tenant's activation borrows them and
/// gives them back, and the pools go with the silo (a singleton of its services), never with a tenant's deactivation.
/// The work that uses the state pool is admitted by <see cref="Admission"/> first, so no thread waits at the pool.
/// Thread-safe.
/// </summary>
internal sealed class ClusterConnections : IDisposable
{
    /// <summary>The default of <c>cluster.maxConnections</c>: connections one silo opens to the cluster database at most.</summary>
    public const int DefaultMaxConnections = 20;

    /// <summary>The fewest <c>cluster.maxConnections</c> allows (two for leases, two for the state).</summary>
    public const int FewestConnections = 4;

    private readonly ConcurrentDictionary<string, Lazy<(NpgsqlDataSource State, NpgsqlDataSource Leases)>> pools = new(StringComparer.Ordinal);

    /// <param name="maxConnections">Connections this silo opens to one database at most (leases' share included).</param>
    public ClusterConnections(int maxConnections = DefaultMaxConnections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, FewestConnections);
        MaxConnections = maxConnections;
        LeaseConnections = Math.Clamp(maxConnections / 5, 2, 8);
        Admission = new SiloAdmission(maxConnections - LeaseConnections);
    }

    /// <summary>The silo's admission of database work, sized to the state pool (<see cref="SiloAdmission"/>).</summary>
    public SiloAdmission Admission { get; }

    /// <summary>Connections to one database at most, both pools together.</summary>
    public int MaxConnections { get; }

    /// <summary>The meeting leases' share of <see cref="MaxConnections"/> (a fifth, 2 to 8).</summary>
    public int LeaseConnections { get; }

    /// <summary>The pool for the tenants' state and journal in the database <paramref name="connectionString"/> names (a secret: never logged).</summary>
    public NpgsqlDataSource State(string connectionString) => Pools(connectionString).State;

    /// <summary>The pool for meeting leases in that database.</summary>
    public NpgsqlDataSource Leases(string connectionString) => Pools(connectionString).Leases;

    /// <summary>Closes every idle connection (the scale benchmark, so PostgreSQL flushes the backends' statistics).</summary>
    public void Clear()
    {
        foreach (var p in pools.Values.Where(p => p.IsValueCreated))
        {
            p.Value.State.Clear();
            p.Value.Leases.Clear();
        }
    }

    public void Dispose()
    {
        foreach (var p in pools.Values.Where(p => p.IsValueCreated))
        {
            p.Value.State.Dispose();
            p.Value.Leases.Dispose();
        }

        pools.Clear();
        Admission.Dispose();
    }

    private (NpgsqlDataSource State, NpgsqlDataSource Leases) Pools(string connectionString) =>
        pools.GetOrAdd(connectionString, cs => new Lazy<(NpgsqlDataSource, NpgsqlDataSource)>(() =>
        {
            NpgsqlDataSource Pool(int max, string purpose)
            {
                var builder = new NpgsqlConnectionStringBuilder(cs) { Pooling = true, MaxPoolSize = max, MinPoolSize = 0 };
                builder.ApplicationName ??= $"rulesync silo ({purpose})";
                return NpgsqlDataSource.Create(builder);
            }

            return (Pool(MaxConnections - LeaseConnections, "state"), Pool(LeaseConnections, "leases"));
        })).Value;
}
