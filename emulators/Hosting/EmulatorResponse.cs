using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace RulesSync.Emulators.Hosting;

/// <summary>One response, as data, so that faults can rewrite it before it is written.</summary>
internal sealed record EmulatorResponse(int Status, string? Body, string ContentType = "application/json")
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Announce the whole body but send only part of it, then abort the connection.</summary>
    public bool Truncate { get; init; }

    public static EmulatorResponse Json(int status, JsonNode body) => new(status, body.ToJsonString());

    public static EmulatorResponse Empty(int status) => new(status, null);

    public EmulatorResponse WithHeader(string name, string value)
    {
        var headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { [name] = value };
        return this with { Headers = headers };
    }

    public async Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = Status;
        foreach (var (name, value) in Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (Body is null)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(Body);
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = bytes.Length;
        if (!Truncate)
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // A page cut off in transit: the client reads fewer bytes than Content-Length promised.
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        context.Abort();
    }
}
