using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// How <c>rulesync run</c> logs and exports (the <c>telemetry:</c> section; docs/runner.md, "Telemetry"): console
/// lines as text or JSON, both with the cycle, mailbox and meeting scopes; with an OTLP endpoint, the runner's traces
/// (<see cref="RunnerTelemetry.Source"/>), metrics (<see cref="RunnerTelemetry.Meter"/>) and logs exported to it. The
/// Prometheus endpoint is the dashboard's (<c>/metrics</c> on its host).
/// </summary>
internal static class RunTelemetry
{
    /// <summary>Adds the console logger and, when configured, the OTLP exporters to the runner's host.</summary>
    public static void Configure(HostApplicationBuilder builder, TelemetryOptions telemetry, string tenant)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(telemetry);
        builder.Logging.ClearProviders();
        if (telemetry.LogFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        }

        if (telemetry.Otlp.Endpoint is not { } endpoint)
        {
            return;
        }

        var protocol = telemetry.Otlp.Protocol;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("rulesync", serviceVersion: typeof(RunTelemetry).Assembly.GetName().Version?.ToString())
                .AddAttributes([new("rulesync.tenant", tenant)]))
            .WithTracing(t => t.AddSource(RunnerTelemetry.Name).AddOtlpExporter(o => Otlp(o, endpoint, protocol, "v1/traces")))
            .WithMetrics(m => m.AddRunnerMetrics().AddOtlpExporter(o => Otlp(o, endpoint, protocol, "v1/metrics")))
            .WithLogging(l => l.AddOtlpExporter(o => Otlp(o, endpoint, protocol, "v1/logs")), o => o.IncludeScopes = true);
    }

    /// <summary>
    /// The exporter's endpoint: gRPC as configured; over HTTP the signal's path is appended (the SDK appends none to
    /// an endpoint set in code).
    /// </summary>
    internal static void Otlp(OtlpExporterOptions options, Uri endpoint, OtlpTransport protocol, string signalPath)
    {
        options.Protocol = protocol == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = protocol == OtlpTransport.Grpc ? endpoint : new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath);
    }
}
