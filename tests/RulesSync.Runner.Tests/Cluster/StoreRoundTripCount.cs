using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// The cluster state store's round trips of one tenant (<c>rulesync.store.round_trips</c>) from its creation until
/// disposed, by operation and statement: every silo's store of the tenant (its tenant grain's and its mailbox grains')
/// counts, as they run in this process. Other tenants' (other tests') are left out by the tenant tag; with no tenant
/// (the scale benchmark, which links this file) every tenant's count.
/// </summary>
internal sealed class StoreRoundTripCount : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(string Operation, string Statement), long> counts = new();
    private readonly string? tenant;

    public StoreRoundTripCount(string? tenant)
    {
        this.tenant = tenant;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RunnerTelemetry.Name && instrument.Name == "rulesync.store.round_trips")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>(OnMeasurement);
        listener.Start();
    }

    /// <summary>Every round trip counted: each statement and each commit.</summary>
    public long RoundTrips => counts.Values.Sum();

    /// <summary>Transactions committed (what PostgreSQL's <c>xact_commit</c> counts): each commit, and each read on its own.</summary>
    public long Transactions => counts.Where(c => c.Key.Statement == "COMMIT" || c.Key.Operation == PostgresStateStore.ReadOnItsOwn).Sum(c => c.Value);

    /// <summary>The round trips of one store operation (the method whose transaction they were part of).</summary>
    public long Of(string operation) => counts.Where(c => c.Key.Operation == operation).Sum(c => c.Value);

    /// <summary>The counts by operation and statement, most frequent first.</summary>
    public IReadOnlyList<(string Operation, string Statement, long Count)> Entries() =>
        [.. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Operation, StringComparer.Ordinal).ThenBy(c => c.Key.Statement, StringComparer.Ordinal)
            .Select(c => (c.Key.Operation, c.Key.Statement, c.Value))];

    /// <summary>One line per operation and statement, most frequent first.</summary>
    public string Breakdown() => string.Join(Environment.NewLine, Entries().Select(e => $"{e.Count,5}  {e.Operation}: {e.Statement}"));

    public void Dispose() => listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? ofTenant = null, operation = null, statement = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "tenant":
                    ofTenant = tag.Value as string;
                    break;
                case "operation":
                    operation = tag.Value as string;
                    break;
                case "statement":
                    statement = tag.Value as string;
                    break;
            }
        }

        if (tenant is null || ofTenant == tenant)
        {
            counts.AddOrUpdate((operation ?? "?", statement ?? "?"), value, (_, c) => c + value);
        }
    }
}
