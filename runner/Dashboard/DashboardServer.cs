using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Live;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// The operator dashboard (page + JSON API) on its own Kestrel server, started beside the runner's sync
/// loop and stopped with it. It owns no state: every request goes to the <see cref="IOperatorConsole"/>.
/// </summary>
/// <remarks>
/// The server is an empty ASP.NET Core host: no configuration sources, no environment variables, no
/// appsettings, no console lifetime (Ctrl+C belongs to the runner's host), logging through the runner's
/// <see cref="ILoggerFactory"/>. Thread-safe; dispose once.
/// </remarks>
internal sealed partial class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private DashboardServer(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        this.app = app;
        Addresses = addresses;
    }

    /// <summary>The addresses Kestrel actually bound (a configured port 0 is resolved here).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Starts listening; returns once the server accepts connections.</summary>
    public static Task<DashboardServer> StartAsync(
        IOperatorConsole console,
        DashboardOptions options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        HealthEndpoints? health = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(options);
        var mode = options.OperatorToken is { Length: > 0 } ? "actions need the operator token" : "read-only: no operator token configured";
        return StartAsync(options, time, loggerFactory, health, mode, app =>
        {
            new DashboardApi(console, new OperatorToken(options.OperatorToken), time, loggerFactory.CreateLogger<DashboardApi>()).Map(app);
            DashboardPage.Map(app);
        }, ct);
    }

    /// <summary>
    /// Starts one dashboard for several tenants (cluster mode): each tenant's page and API under
    /// <c>/tenants/NAME/</c>, over its own console and with its own operator token, so one tenant's token is refused
    /// by every other tenant (401); <c>/</c> lists the tenants. <paramref name="options"/> gives the address only.
    /// </summary>
    public static Task<DashboardServer> StartAsync(
        IReadOnlyList<DashboardSite> tenants,
        DashboardOptions options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(options);
        var mode = $"{tenants.Count} tenant(s) under /tenants/, each with its own operator token";
        return StartAsync(options, time, loggerFactory, health: null, mode, app =>
        {
            foreach (var site in tenants)
            {
                var prefix = DashboardSite.PathOf(site.Tenant);
                var group = app.MapGroup(prefix);
                new DashboardApi(site.Console, site.TokensInForce is { } inForce ? new OperatorToken(inForce) : new OperatorToken(site.OperatorToken), time, loggerFactory.CreateLogger<DashboardApi>(), prefix).Map(group);
                DashboardPage.Map(group);
            }

            DashboardPage.MapTenantList(app, [.. tenants.Select(t => t.Tenant)]);
        }, ct);
    }

    private static async Task<DashboardServer> StartAsync(
        DashboardOptions options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        HealthEndpoints? health,
        string mode,
        Action<WebApplication> map,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        if (string.IsNullOrWhiteSpace(options.Bind))
        {
            throw new ArgumentException("DashboardOptions.Bind names no address.", nameof(options));
        }

        string[] urls = ["http://" + options.Bind.Trim()];

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(DashboardServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = DashboardApi.MaxBodyBytes;
        });
        builder.WebHost.UseUrls(urls);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<ILoggerFactory>(new QuietRequestLogging(loggerFactory));
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        health ??= new HealthEndpoints(null, Prometheus: false);
        if (health.Prometheus)
        {
            // The scrape reads the runner's meter in this process (its instruments are static): this host's own
            // meter provider listens to it and renders the Prometheus text format at /metrics.
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddRunnerMetrics().AddPrometheusExporter());
        }

        var log = loggerFactory.CreateLogger<DashboardServer>();
        var app = builder.Build();
        var loopbackOnly = urls.All(IsLoopbackUrl);
        if (loopbackOnly)
        {
            app.Use(RejectForeignHosts);
        }

        app.UseRouting();
        health.Map(app);
        if (health.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint();
        }

        map(app);

        await app.StartAsync(ct).ConfigureAwait(false);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => new Uri(a.Replace("://[::]", "://localhost", StringComparison.Ordinal)))
            .ToArray() ?? [];
        if (!loopbackOnly)
        {
            LogBeyondLoopback(log, string.Join(' ', urls));
        }

        var addresses = string.Join(' ', bound.AsEnumerable());
        LogStarted(log, addresses, mode);
        return new DashboardServer(app, bound);
    }

    /// <summary>Stops accepting requests and lets requests in flight finish (until <paramref name="ct"/> fires).</summary>
    public Task StopAsync(CancellationToken ct = default) => app.StopAsync(ct);

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The operator dashboard listens beyond loopback ({Urls}): its page and read API need no token, and plain HTTP carries the operator token unencrypted.")]
    private static partial void LogBeyondLoopback(ILogger log, string urls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator dashboard on {Addresses} ({Mode}).")]
    private static partial void LogStarted(ILogger log, string addresses, string mode);

    private static bool IsLoopbackUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    // Bound to loopback, the dashboard answers only requests addressed to loopback names: a page on another
    // site cannot read the API through DNS rebinding (its requests carry that site's host name).
    private static Task RejectForeignHosts(HttpContext context, Func<Task> next)
    {
        var host = context.Request.Host.Host.Trim('[', ']');
        var ok = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        if (ok)
        {
            return next();
        }

        context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
        return context.Response.WriteAsync("This dashboard answers only on loopback addresses.");
    }
}

/// <summary>
/// One tenant of a cluster's dashboard: its name, its console and its own operator token (null: read-only), or
/// <paramref name="TokensInForce"/>, which reads the hashes of the tokens in force for the tenant (once per request).
/// </summary>
internal sealed record DashboardSite(string Tenant, IOperatorConsole Console, string? OperatorToken, Func<IReadOnlyList<string?>>? TokensInForce = null)
{
    /// <summary>Where the tenant's page and API live: <c>/tenants/NAME</c> (the name escaped).</summary>
    public static string PathOf(string tenant) => "/tenants/" + Uri.EscapeDataString(tenant);
}
