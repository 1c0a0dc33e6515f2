using OpenTelemetry.Metrics;

namespace RulesSync.Runner.Diagnostics;

/// <summary>What every meter provider of the runner listens to (the OTLP exporter's, the Prometheus endpoint's).</summary>
internal static class RunnerMetricsSetup
{
    /// <summary>
    /// Per-mailbox instruments have one series per mailbox (and outcome): above the SDK's default of 2,000 series per
    /// instrument a tenant of a thousand mailboxes would lose some into the overflow series.
    /// </summary>
    public const int PerMailboxSeries = 20_000;

    /// <summary>Listens to the runner's meter, with room for a series per mailbox where an instrument has one.</summary>
    public static MeterProviderBuilder AddRunnerMetrics(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddMeter(RunnerTelemetry.Name)
            .AddView("rulesync.mailbox.sync.duration", new MetricStreamConfiguration { CardinalityLimit = PerMailboxSeries })
            .AddView("rulesync.mailbox.breaker", new MetricStreamConfiguration { CardinalityLimit = PerMailboxSeries })
            // A series per tenant, operation and statement (a few dozen statements per tenant).
            .AddView("rulesync.store.round_trips", new MetricStreamConfiguration { CardinalityLimit = PerMailboxSeries });
    }
}
