using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace RulesSync.Emulators.Tests.Push;

/// <summary>One POST the sink received.</summary>
internal sealed record ReceivedWebhook(string Path, string? ValidationToken, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A webhook receiver for the emulators' notifications, on 127.0.0.1 port 0: records every POST and answers as a
/// well-behaved receiver does (Graph's validation: the token echoed as text/plain, 200; a notification: 202),
/// unless <see cref="ValidationAnswer"/> says otherwise.
/// </summary>
internal sealed class WebhookSink : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();

    private WebhookSink(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    /// <summary>The sink's root (http://127.0.0.1:port/).</summary>
    public Uri Address { get; }

    /// <summary>What the sink answers a validation request: null echoes the token (200), else that status with no token.</summary>
    public int? ValidationAnswer { get; set; }

    /// <summary>Every POST so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. received];

    /// <summary>The notifications received (validation requests left out).</summary>
    public IReadOnlyList<ReceivedWebhook> Notifications => [.. received.Where(r => r.ValidationToken is null)];

    public static async Task<WebhookSink> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        WebhookSink? sink = null;
        app.UseRouting();
        app.MapPost("/{**path}", async context => await sink!.HandleAsync(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        sink = new WebhookSink(app, address);
        return sink;
    }

    public Uri Url(string path) => new(Address, path);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var token = context.Request.Query.TryGetValue("validationToken", out var v) ? v.ToString() : null;
        received.Enqueue(new ReceivedWebhook(
            context.Request.Path.Value ?? "/", token, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        if (token is null)
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        if (ValidationAnswer is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(token, context.RequestAborted);
    }
}
