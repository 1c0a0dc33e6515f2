using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Push;

/// <summary>A Graph lifecycle notification that passed its checks: the subscription service acts on it.</summary>
internal delegate void LifecycleHandler(PushTarget target, string lifecycleEvent);

/// <summary>
/// The webhook receiver inside <c>rulesync run</c>, on its own Kestrel listener (loopback by default, HTTPS when a
/// certificate is configured). Under the public URL's path it serves:
/// <list type="bullet">
/// <item><c>POST .../graph</c> and <c>.../graph/lifecycle</c>: Graph's validation handshake (echo
/// <c>validationToken</c> as <c>text/plain</c>, 200) and change/lifecycle notifications (a <c>value</c> array; each
/// item's subscription must be ours and its <c>clientState</c> match; 202 when any item was accepted, else 403
/// forged, 404 unknown, 400 unreadable).</item>
/// <item><c>POST .../google</c>: a channel message (<c>X-Goog-Channel-ID</c>, <c>X-Goog-Channel-Token</c>,
/// <c>X-Goog-Resource-State</c>, <c>X-Goog-Message-Number</c>); 200 when accepted, a handshake or a repeat, 401 for a
/// wrong token, 404 for an unknown channel.</item>
/// </list>
/// Every notification first takes a permit from a limiter (<see cref="PushOptions.NotificationsPerSecond"/>); without
/// one it is answered 429 unread. An accepted notification only asks <see cref="SyncTrigger"/> for that mailbox's
/// sync, which is debounced: no notification does work itself. Secrets are never logged.
/// </summary>
internal sealed partial class PushReceiver : IAsyncDisposable
{
    private const int MaxBodyBytes = 1 << 20;
    private readonly WebApplication app;

    private PushReceiver(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    /// <summary>The address Kestrel bound (a port 0 resolved).</summary>
    public Uri Address { get; }

    /// <summary>The local path prefix the receiver serves under (the public URL's path, without a trailing slash).</summary>
    public static string PathBase(PushOptions options) => (options.PublicUrl?.AbsolutePath ?? "/").TrimEnd('/');

    public static async Task<PushReceiver> StartAsync(
        PushOptions options, PushRegistry registry, SyncTrigger trigger, LifecycleHandler lifecycle, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(PushReceiver).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            if (options.CertificatePath is { } certificate)
            {
                k.ConfigureHttpsDefaults(h => h.ServerCertificate =
                    System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(certificate, options.CertificatePassword));
            }
        });
        if (options.CertificatePath is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.UseUrls(options.ListenUrl);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        var app = builder.Build();
        var log = loggers.CreateLogger<PushReceiver>();
        var limiter = new ClockWindowLimiter(options.NotificationsPerSecond, TimeSpan.FromSeconds(1), time);
        var handler = new Handler(registry, trigger, lifecycle, limiter, log);
        var root = PathBase(options);
        app.UseRouting();
        app.MapPost(root + "/graph", handler.GraphAsync);
        app.MapPost(root + "/graph/lifecycle", handler.GraphAsync);
        app.MapPost(root + "/google", handler.Google);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.TrimEnd('/') + root + "/");
        var publicUrl = options.PublicUrl?.AbsoluteUri ?? "(none)";
        LogStarted(log, address, publicUrl);
        return new PushReceiver(app, address);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "push receiver on {Address} (public URL {PublicUrl})")]
    private static partial void LogStarted(ILogger logger, Uri address, string publicUrl);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "push notification refused ({Verdict}) from {Remote}: {Detail}")]
    private static partial void LogRefused(ILogger logger, PushVerdict verdict, string remote, string detail);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Debug, Message = "push notification for {Mailbox} ({Kind}): sync scheduled")]
    private static partial void LogAccepted(ILogger logger, string mailbox, string kind);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Graph lifecycle notification {Event} for {Mailbox}")]
    private static partial void LogLifecycle(ILogger logger, string @event, string mailbox);

    private sealed class Handler(PushRegistry registry, SyncTrigger trigger, LifecycleHandler lifecycle, RateLimiter limiter, ILogger log)
    {
        public async Task GraphAsync(HttpContext context)
        {
            if (!Admit(context))
            {
                return;
            }

            // https://learn.microsoft.com/graph/change-notifications-delivery-webhooks: echo the token, text/plain, 200, within 10 s.
            if (context.Request.Query.TryGetValue("validationToken", out var validation))
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync(validation.ToString(), context.RequestAborted).ConfigureAwait(false);
                return;
            }

            JsonElement items;
            try
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                if (!document.RootElement.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
                {
                    Refuse(context, registry.Record(PushVerdict.Malformed), "no value array");
                    return;
                }

                items = value.Clone();
            }
            catch (JsonException)
            {
                Refuse(context, registry.Record(PushVerdict.Malformed), "not JSON");
                return;
            }

            var verdicts = new List<PushVerdict>();
            foreach (var item in items.EnumerateArray())
            {
                var (verdict, target) = registry.CheckGraph(Text(item, "subscriptionId"), Text(item, "clientState"));
                verdicts.Add(verdict);
                if (target is null)
                {
                    continue;
                }

                var lifecycleEvent = Text(item, "lifecycleEvent");
                if (lifecycleEvent is not null)
                {
                    LogLifecycle(log, lifecycleEvent, target.Mailbox);
                    lifecycle(target, lifecycleEvent);
                }

                var kind = lifecycleEvent ?? Text(item, "changeType") ?? "?";
                LogAccepted(log, target.Mailbox, kind);
                trigger.Request(target.Mailbox);
            }

            var answer = verdicts.Contains(PushVerdict.Accepted) ? PushVerdict.Accepted
                : verdicts.Contains(PushVerdict.Forged) ? PushVerdict.Forged
                : verdicts.Contains(PushVerdict.Unknown) ? PushVerdict.Unknown
                : PushVerdict.Malformed;
            if (answer == PushVerdict.Accepted)
            {
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            }

            Refuse(context, answer, $"{verdicts.Count} item(s), none accepted");
        }

        public void Google(HttpContext context)
        {
            if (!Admit(context))
            {
                return;
            }

            // https://developers.google.com/workspace/calendar/api/guides/push: the message is in the X-Goog-* headers; the body is empty.
            var headers = context.Request.Headers;
            var state = headers["X-Goog-Resource-State"].ToString();
            var (verdict, target) = registry.CheckGoogle(
                Header(headers, "X-Goog-Channel-ID"), Header(headers, "X-Goog-Channel-Token"), state, Header(headers, "X-Goog-Message-Number"));
            switch (verdict)
            {
                case PushVerdict.Accepted:
                    LogAccepted(log, target!.Mailbox, state);
                    trigger.Request(target.Mailbox);
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    break;
                case PushVerdict.Handshake or PushVerdict.Duplicate:
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    break;
                default:
                    Refuse(context, verdict, $"channel message, state '{state}'");
                    break;
            }
        }

        private bool Admit(HttpContext context)
        {
            using var lease = limiter.AttemptAcquire();
            if (lease.IsAcquired)
            {
                return true;
            }

            Refuse(context, registry.Record(PushVerdict.RateLimited), "over the configured notification rate");
            return false;
        }

        private void Refuse(HttpContext context, PushVerdict verdict, string detail)
        {
            context.Response.StatusCode = verdict switch
            {
                PushVerdict.Unknown => StatusCodes.Status404NotFound,
                PushVerdict.Forged when context.Request.Path.Value?.EndsWith("/google", StringComparison.Ordinal) == true => StatusCodes.Status401Unauthorized,
                PushVerdict.Forged => StatusCodes.Status403Forbidden,
                PushVerdict.RateLimited => StatusCodes.Status429TooManyRequests,
                _ => StatusCodes.Status400BadRequest,
            };
            // The remote address and the verdict only: never the presented clientState or token (it may be a real one misrouted).
            if (log.IsEnabled(LogLevel.Warning))
            {
                LogRefused(log, verdict, context.Connection.RemoteIpAddress?.ToString() ?? "?", detail);
            }
        }

        private static string? Text(JsonElement item, string name) =>
            item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static string? Header(IHeaderDictionary headers, string name) =>
            headers.TryGetValue(name, out var v) && v.Count > 0 ? v.ToString() : null;
    }
}
