using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RulesSync.Runner.Diagnostics;

/// <summary>
/// The runner's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <see cref="Name"/>, and every
/// instrument on them (docs/runner.md, "Telemetry"). Defined here, in the lowest layer of the runner, so every layer
/// measures through the same instruments; what exports them (OTLP, the Prometheus scrape, a test's in-memory
/// exporter) is chosen by whoever listens. Without a listener an instrument costs one check and an activity is null.
/// Tags never carry a secret, a URL's query or a payload: names of things (mailbox, rule, provider), kinds and codes.
/// Thread-safe (the instruments are).
/// </summary>
internal static class RunnerTelemetry
{
    /// <summary>The name of the activity source and of the meter: what an exporter subscribes to.</summary>
    public const string Name = "RulesSync";

    private static readonly string? Version = typeof(RunnerTelemetry).Assembly.GetName().Version?.ToString();

    public static ActivitySource Source { get; } = new(Name, Version);

    public static Meter Meter { get; } = new(Name, Version);

    private static readonly Counter<long> Cycles = Meter.CreateCounter<long>(
        "rulesync.cycles", "{cycle}", "Cycles run, by outcome (synced, idle, kill-switch, crm-failed, failed).");

    private static readonly Histogram<double> CycleDuration = Meter.CreateHistogram<double>(
        "rulesync.cycle.duration", "s", "How long a cycle took, from the rule files' check to the last mailbox's sync.");

    private static readonly Histogram<double> SyncDuration = Meter.CreateHistogram<double>(
        "rulesync.mailbox.sync.duration", "s", "How long one mailbox's sync took (all its attempts), by mailbox, provider and outcome (ok, failed).");

    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>(
        "rulesync.decisions", "{decision}", "Decisions journaled, by action and rule (dry_run true for a dry run's).");

    private static readonly Counter<long> Effects = Meter.CreateCounter<long>(
        "rulesync.effects", "{effect}", "Effects by kind and the result the journal recorded (applied, failed, held, discarded, approved, dry-run).");

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "rulesync.requests", "{request}", "HTTP requests to a provider (graph, google, crm), by method and status code (0: no answer).");

    private static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "rulesync.request.duration", "s", "How long a provider took to answer one HTTP request, by provider and status code.");

    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>(
        "rulesync.requests.throttled", "{request}", "Requests a provider refused for its rate limits (429; Google's 403 rate-limit reasons; 503 with Retry-After).");

    private static readonly Counter<long> StoreRoundTrips = Meter.CreateCounter<long>(
        "rulesync.store.round_trips", "{round_trip}",
        "Round trips of the cluster state store to PostgreSQL (each statement and each commit), by tenant, the store operation whose transaction it is part of (read: a read on its own, its own transaction) and the statement.");

    private static readonly List<Func<TenantReading?>> Readers = [];

    static RunnerTelemetry()
    {
        Meter.CreateObservableGauge(
            "rulesync.effects.awaiting_review", () => Read(r => [new(r.Held, new KeyValuePair<string, object?>("tenant", r.Tenant))]), "{effect}",
            "Effects held for review now (the guards' holds not yet approved or discarded).");
        Meter.CreateObservableGauge(
            "rulesync.crm.quarantined", () => Read(r => [new(r.Quarantined, new KeyValuePair<string, object?>("tenant", r.Tenant))]), "{record}",
            "CRM records the mapping refused at the latest poll.");
        Meter.CreateObservableGauge(
            "rulesync.mailbox.breaker", () => Read(r => r.Breakers.Select(b => new Measurement<int>(b.State, new KeyValuePair<string, object?>("tenant", r.Tenant), new KeyValuePair<string, object?>("mailbox", b.Mailbox)))), "{state}",
            "Each mailbox's circuit breaker: 0 closed (synced every cycle), 1 half-open (failing, retried after a backoff), 2 open (suspended until resumed).");
    }

    /// <summary>
    /// Registers what the gauges read at each collection (the state store of a running tenant); dispose to stop.
    /// A reader that throws or answers null (a closed store) is skipped for that collection.
    /// </summary>
    public static IDisposable Observe(Func<TenantReading?> reader)
    {
        lock (Readers)
        {
            Readers.Add(reader);
        }

        return new Unregister(reader);
    }

    private static List<Measurement<int>> Read(Func<TenantReading, IEnumerable<Measurement<int>>> measure)
    {
        Func<TenantReading?>[] readers;
        lock (Readers)
        {
            readers = [.. Readers];
        }

        var all = new List<Measurement<int>>();
        foreach (var reader in readers)
        {
            TenantReading? reading;
            try
            {
                reading = reader();
            }
#pragma warning disable CA1031 // A gauge is read by the exporter's thread: a closed store must not fail the export.
            catch (Exception)
#pragma warning restore CA1031
            {
                continue;
            }

            if (reading is not null)
            {
                all.AddRange(measure(reading));
            }
        }

        return all;
    }

    private sealed class Unregister(Func<TenantReading?> reader) : IDisposable
    {
        public void Dispose()
        {
            lock (Readers)
            {
                Readers.Remove(reader);
            }
        }
    }

    /// <summary>A cycle ended with <paramref name="outcome"/> after <paramref name="seconds"/>.</summary>
    public static void CycleEnded(string outcome, double seconds)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        Cycles.Add(1, tag);
        CycleDuration.Record(seconds, tag);
    }

    /// <summary>One mailbox's sync ended.</summary>
    public static void MailboxSynced(string mailbox, string provider, bool ok, double seconds) =>
        SyncDuration.Record(seconds, new("mailbox", mailbox), new("provider", provider), new("outcome", ok ? "ok" : "failed"));

    /// <summary>A decision was journaled.</summary>
    public static void DecisionJournaled(string action, string rule, bool dryRun) =>
        Decisions.Add(1, new("action", action), new("rule", rule), new("dry_run", dryRun));

    /// <summary>An effect's row reached <paramref name="result"/>.</summary>
    public static void EffectRecorded(string kind, string result) =>
        Effects.Add(1, new("kind", kind), new("result", result));

    /// <summary>A provider answered (or did not: status 0) one request.</summary>
    public static void RequestEnded(string provider, string method, int status, bool throttled, double seconds)
    {
        Requests.Add(1, new("provider", provider), new("method", method), new("status", status));
        RequestDuration.Record(seconds, new("provider", provider), new("status", status));
        if (throttled)
        {
            Throttled.Add(1, new KeyValuePair<string, object?>("provider", provider));
        }
    }

    /// <summary>
    /// One round trip of the cluster state store: <paramref name="statement"/> (its SQL, or <c>COMMIT</c>) within
    /// <paramref name="operation"/>'s transaction. The statement's text is made into a tag only while someone listens.
    /// </summary>
    public static void StoreRoundTrip(string tenant, string operation, string statement)
    {
        if (StoreRoundTrips.Enabled)
        {
            StoreRoundTrips.Add(1, new("tenant", tenant), new("operation", operation), new("statement", StatementTags.GetOrAdd(statement, StatementTag)));
        }
    }

    /// <summary>The statements' tags by their SQL (the store's constants: a few dozen).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> StatementTags = new(StringComparer.Ordinal);

    /// <summary>A statement as a tag: its words on one line (the SQL is a constant of the store's: no value is in it).</summary>
    private static string StatementTag(string sql) => string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The span of one cycle (the root of a cycle's trace).</summary>
    public static Activity? StartCycle(long cycle, int mailboxes) =>
        Source.StartActivity("rulesync.cycle", ActivityKind.Internal)?
            .SetTag("rulesync.cycle", cycle)
            .SetTag("rulesync.mailboxes", mailboxes);

    /// <summary>The span of one mailbox's sync, under its cycle.</summary>
    public static Activity? StartMailboxSync(string mailbox, string provider) =>
        Source.StartActivity("rulesync.mailbox.sync", ActivityKind.Internal)?
            .SetTag("rulesync.mailbox", mailbox)
            .SetTag("rulesync.provider", provider);

    /// <summary>The span of one decision about a meeting, under its mailbox's sync; its effects run under it.</summary>
    public static Activity? StartDecision(string mailbox, string meetingKey, string changeId, string action, string rule) =>
        Source.StartActivity("rulesync.decision", ActivityKind.Internal)?
            .SetTag("rulesync.mailbox", mailbox)
            .SetTag("rulesync.meeting", meetingKey)
            .SetTag("rulesync.change", changeId)
            .SetTag("rulesync.action", action)
            .SetTag("rulesync.rule", rule);

    /// <summary>The span of one effect carried out, under its decision; its HTTP requests run under it.</summary>
    public static Activity? StartEffect(string kind) =>
        Source.StartActivity("rulesync.effect", ActivityKind.Internal)?.SetTag("rulesync.effect.kind", kind);

    /// <summary>The span of one HTTP request to a provider (a client span: method, host and path, never the query).</summary>
    public static Activity? StartRequest(string provider, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var activity = Source.StartActivity("HTTP " + request.Method.Method, ActivityKind.Client);
        if (activity is not null && request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            activity.SetTag("rulesync.provider", provider)
                .SetTag("http.request.method", request.Method.Method)
                .SetTag("server.address", uri.Host)
                .SetTag("server.port", uri.Port)
                .SetTag("url.path", uri.AbsolutePath);
        }

        return activity;
    }

    /// <summary>Marks a span failed with a secret-free description.</summary>
    public static void Failed(Activity? activity, string description) =>
        activity?.SetStatus(ActivityStatusCode.Error, description);
}

/// <summary>What the gauges show of one tenant, read from its state at collection time.</summary>
/// <param name="Tenant">The tenant's name.</param>
/// <param name="Held">Effects held for review now.</param>
/// <param name="Quarantined">CRM records the mapping refused at the latest poll.</param>
/// <param name="Breakers">Each mailbox's breaker: 0 closed, 1 half-open, 2 open.</param>
internal sealed record TenantReading(string Tenant, int Held, int Quarantined, IReadOnlyList<(string Mailbox, int State)> Breakers);
