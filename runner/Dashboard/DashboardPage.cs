using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Serves the dashboard's one page (runner/Dashboard/Page: HTML, a vanilla JS file, CSS) from embedded
/// resources: nothing is fetched from anywhere else, and the Content-Security-Policy says so to the browser.
/// </summary>
internal static class DashboardPage
{
    private const string ResourcePrefix = "RulesSync.Dashboard.";

    // Everything the page loads comes from this server; scripts only from dashboard.js (no inline script),
    // so text from the runner (error messages, meeting subjects) can never run as code.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard.css", "dashboard.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var bytes = Load(resource);
            app.MapGet(path, ctx =>
            {
                if (path == "/" && ctx.Request.Path.Value is { } asked && !asked.EndsWith('/'))
                {
                    // The page reads its API relative to itself: /tenants/NAME needs its slash.
                    ctx.Response.Redirect(ctx.Request.PathBase + asked + "/");
                    return Task.CompletedTask;
                }

                var headers = ctx.Response.Headers;
                headers.ContentType = contentType;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
                ctx.Response.ContentLength = bytes.Length;
                return ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).AsTask();
            });
        }
    }

    /// <summary>A cluster dashboard's <c>/</c>: a link to each tenant's page (names as text, never markup).</summary>
    public static void MapTenantList(IEndpointRouteBuilder app, IReadOnlyList<string> tenants)
    {
        var links = string.Concat(tenants.Select(t =>
            $"<li><a href=\"{System.Net.WebUtility.HtmlEncode(DashboardSite.PathOf(t))}/\">{System.Net.WebUtility.HtmlEncode(t)}</a></li>"));
        var bytes = System.Text.Encoding.UTF8.GetBytes(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>RulesSync tenants</title></head><body><h1>Tenants</h1><ul>{links}</ul></body></html>");
        app.MapGet("/", ctx =>
        {
            var headers = ctx.Response.Headers;
            headers.ContentType = "text/html; charset=utf-8";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-cache";
            return ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).AsTask();
        });
    }

    private static byte[] Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded in the runner.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
