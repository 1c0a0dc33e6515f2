using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// The probes an orchestrator or a load balancer asks, on the dashboard's host, without a token: <c>/healthz</c>
/// (the process serves requests: always 200 "ok") and <c>/readyz</c> (200 "ready", or 503 with every reason the
/// <see cref="ReadinessProbe"/> gives), and, when configured, the Prometheus scrape endpoint <c>/metrics</c>.
/// </summary>
/// <param name="Readiness">The readiness check (none: <c>/readyz</c> is not served).</param>
/// <param name="Prometheus">Whether <c>/metrics</c> is served.</param>
internal sealed record HealthEndpoints(Func<Readiness>? Readiness, bool Prometheus)
{
    /// <summary>What <c>/readyz</c> answers: <c>{"ready": false, "problems": ["cycles: ..."]}</c>.</summary>
    private sealed record ReadinessBody(bool Ready, IReadOnlyList<string> Problems);

    /// <summary>Maps <c>/healthz</c> and, with a check, <c>/readyz</c>.</summary>
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", ctx =>
        {
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            return ctx.Response.WriteAsync("ok\n");
        });
        if (Readiness is { } check)
        {
            app.MapGet("/readyz", ctx =>
            {
                var verdict = check();
                ctx.Response.StatusCode = verdict.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                return ctx.Response.WriteAsJsonAsync(new ReadinessBody(verdict.Ready, verdict.Problems), JsonSerializerOptions.Web);
            });
        }
    }
}
