using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace RulesSync.Emulators.Hosting;

/// <summary>
/// One HTTP request as the protocol emulators see it: read once from Kestrel, or built from a
/// Graph <c>$batch</c> sub-request so that both go through the same handlers and fault plan.
/// </summary>
internal sealed record EmulatorRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    string? Body,
    Uri BaseUri)
{
    /// <summary>Who the access token speaks for (Google: the impersonated mailbox), once it has been checked.</summary>
    public string? Principal { get; init; }

    /// <summary>Set by a ShortPage fault: the most items the answer may hold (0 allowed), continuation link kept.</summary>
    public int? PageSizeCap { get; init; }

    /// <summary>The page size the handler chose, lowered to <see cref="PageSizeCap"/> if a fault set one.</summary>
    public int CapPageSize(int pageSize) => PageSizeCap is { } cap ? Math.Min(pageSize, cap) : pageSize;

    public string? QueryValue(string name) => Query.TryGetValue(name, out var v) ? v : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public static async Task<EmulatorRequest> ReadAsync(HttpContext context, Uri baseUri)
    {
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Request.Query)
        {
            query[key] = value.ToString();
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in context.Request.Headers)
        {
            // Several Prefer values may arrive as one header or as repeated headers: join them.
            headers[key] = string.Join(", ", (IEnumerable<string?>)value);
        }

        string? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding != StringValues.Empty)
        {
            // Google.Apis gzips request bodies by default (GZipEnabled), as Google's front end accepts.
            var gzip = string.Equals(context.Request.Headers.ContentEncoding.ToString(), "gzip", StringComparison.OrdinalIgnoreCase);
            var stream = gzip ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        return new EmulatorRequest(
            context.Request.Method.ToUpperInvariant(),
            context.Request.Path.Value ?? "/",
            query,
            headers,
            body,
            baseUri);
    }
}
