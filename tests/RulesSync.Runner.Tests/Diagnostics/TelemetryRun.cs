using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Diagnostics;

/// <summary>
/// The runner's instruments and spans are process-wide (one static meter and activity source), so the tests that read
/// them run alone: this collection is not run in parallel with any other test.
/// </summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>
/// A live-runner run against the emulators (fake clock) with in-memory exporters listening: three mailboxes (two on
/// Exchange, one on Google), meetings scheduled, two cycles, then Alice cancels a meeting under a guard that holds every
/// destructive effect, and one more cycle. Secrets are set where the connectors use them (Graph client secret, CRM
/// password, Google key) so a test can look for them in everything exported.
/// </summary>
internal sealed class TelemetryRun : IAsyncDisposable
{
    public const string CrmPassword = "crm-Pa55word-never-exported";

    private readonly MeterProvider meters;
    private readonly TracerProvider tracers;
    private readonly List<MetricSnapshot> snapshots;

    private TelemetryRun(RunnerTestHost host, MeterProvider meters, List<MetricSnapshot> snapshots, TracerProvider tracers, List<Activity> spans)
    {
        H = host;
        this.meters = meters;
        this.snapshots = snapshots;
        this.tracers = tracers;
        Spans = spans;
    }

    public RunnerTestHost H { get; }

    /// <summary>Every span the run ended, in the order they ended.</summary>
    public List<Activity> Spans { get; }

    /// <summary>The metrics' cumulative values now (collected on each call).</summary>
    public IReadOnlyList<MetricSnapshot> Metrics()
    {
        snapshots.Clear();
        meters.ForceFlush();
        return [.. snapshots];
    }

    public static async Task<TelemetryRun> StartAsync()
    {
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        var tracers = Sdk.CreateTracerProviderBuilder().AddSource(RunnerTelemetry.Name).AddInMemoryExporter(spans).Build();
        var meters = Sdk.CreateMeterProviderBuilder().AddMeter(RunnerTelemetry.Name).AddInMemoryExporter(metrics).Build();
        var h = await RunnerTestHost.StartAsync(
            mailboxes: [ConnectorTestHost.Alice, ConnectorTestHost.Bob, ConnectorTestHost.Carol],
            configure: o =>
            {
                o.Crm = o.Crm with { User = "sync-user", Password = CrmPassword };
                o.Guards.MaxDestructivePerMailbox = 0;
            });
        return new TelemetryRun(h, meters, metrics, tracers, spans);
    }

    /// <summary>Meetings scheduled, two cycles, Alice cancels one, one more cycle.</summary>
    public async Task ActAsync()
    {
        var org = H.T.Organization;
        org.ScheduleMeeting(ConnectorTestHost.Alice, ConnectorTestHost.Draft("Quarterly review", 1, ConnectorTestHost.Bob, ConnectorTestHost.Carol, ConnectorTestHost.External));
        var cancelled = org.ScheduleMeeting(ConnectorTestHost.Alice, ConnectorTestHost.Draft("Customer call", 2, ConnectorTestHost.Carol, ConnectorTestHost.External));
        org.ScheduleMeeting(ConnectorTestHost.Carol, ConnectorTestHost.Draft("Offsite planning", 3, ConnectorTestHost.Alice, ConnectorTestHost.Bob));
        await H.CycleAsync();
        await H.CycleAsync();
        org.CancelMeeting(ConnectorTestHost.Alice, cancelled.ICalUid, "postponed");
        await H.CycleAsync();
    }

    /// <summary>The sum of a counter's points whose tags satisfy <paramref name="where"/>.</summary>
    public static long Sum(IReadOnlyList<MetricSnapshot> metrics, string name, Func<IReadOnlyDictionary<string, object?>, bool>? where = null)
    {
        var total = 0L;
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                if (where is null || where(Tags(point)))
                {
                    total += point.GetSumLong();
                }
            }
        }

        return total;
    }

    /// <summary>A counter's points grouped by the values of <paramref name="keys"/>, as "a|b" strings.</summary>
    public static SortedDictionary<string, long> By(IReadOnlyList<MetricSnapshot> metrics, string name, params string[] keys)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var tags = Tags(point);
                var key = string.Join('|', keys.Select(k => Convert.ToString(tags.GetValueOrDefault(k), System.Globalization.CultureInfo.InvariantCulture)));
                result[key] = result.GetValueOrDefault(key) + point.GetSumLong();
            }
        }

        return result;
    }

    /// <summary>A gauge's points: their tags and last values.</summary>
    public static List<(Dictionary<string, object?> Tags, long Value)> Points(IReadOnlyList<MetricSnapshot> metrics, string name) =>
        [.. metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints).Select(p => (Tags(p), p.GetGaugeLastValueLong()))];

    /// <summary>The sum of a gauge's last values over its points.</summary>
    public static long Gauge(IReadOnlyList<MetricSnapshot> metrics, string name) => Points(metrics, name).Sum(p => p.Value);

    /// <summary>A histogram's counts of recordings by the value of one tag.</summary>
    public static SortedDictionary<string, long> Histograms(IReadOnlyList<MetricSnapshot> metrics, string name, string key)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var point in metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints))
        {
            var value = Convert.ToString(Tags(point).GetValueOrDefault(key), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            result[value] = result.GetValueOrDefault(value) + point.GetHistogramCount();
        }

        return result;
    }

    /// <summary>A point's tags by key.</summary>
    public static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    public async ValueTask DisposeAsync()
    {
        meters.Dispose();
        tracers.Dispose();
        await H.DisposeAsync();
    }
}
