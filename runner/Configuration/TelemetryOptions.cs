using System.ComponentModel.DataAnnotations;

namespace RulesSync.Runner.Configuration;

/// <summary>How the runner's console log lines are written.</summary>
internal enum LogFormat
{
    /// <summary>One line of text per entry, scopes after <c>=&gt;</c>.</summary>
    Text,

    /// <summary>One JSON object per line (Microsoft.Extensions.Logging's JSON console format), scopes as properties.</summary>
    Json,
}

/// <summary>The OTLP exporter's transport.</summary>
internal enum OtlpTransport
{
    /// <summary>OTLP over gRPC (the collector's port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (the collector's port 4318, paths /v1/traces, /v1/metrics, /v1/logs).</summary>
    HttpProtobuf,
}

/// <summary>
/// The <c>telemetry:</c> section of <c>rulesync.yaml</c> (docs/runner.md, "Telemetry"): the console log's format,
/// an OTLP exporter for traces, metrics and logs, the Prometheus scrape endpoint and the readiness probe's patience.
/// Everything is off or plain by default; <c>/healthz</c> and <c>/readyz</c> are always served on the dashboard's host.
/// </summary>
internal sealed class TelemetryOptions
{
    /// <summary>text (default) or json.</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Text;

    /// <summary>Where traces, metrics and logs are exported over OTLP; none when absent.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>Whether <c>/metrics</c> (Prometheus text format) is served on the dashboard's host.</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// How old the last cycle may be for <c>/readyz</c> to answer ready; absent: three sync intervals. At least one
    /// sync interval (else the runner would be unready between every two cycles).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan? ReadyWithin { get; set; }

    /// <summary>The readiness probe's patience, given the sync interval.</summary>
    public TimeSpan ReadyWithinOr(TimeSpan interval) => ReadyWithin ?? interval * 3;
}

/// <summary>The OTLP exporter's settings.</summary>
internal sealed class OtlpOptions
{
    /// <summary>The collector's address (http or https); absent: nothing is exported over OTLP.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>grpc (default) or httpProtobuf.</summary>
    public OtlpTransport Protocol { get; set; } = OtlpTransport.Grpc;
}
