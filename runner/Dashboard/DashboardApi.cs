using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// The dashboard's JSON API under <c>/api</c> (docs/dashboard.md). Reads need no token; actions need the
/// operator token and an operator name, and are checked in this order: read-only (403), token (401),
/// body (400), then the console (404 unknown id, 409 conflict). Errors are <c>{"error": "plain words"}</c>.
/// </summary>
internal sealed partial class DashboardApi(
    IOperatorConsole console,
    OperatorToken token,
    TimeProvider time,
    ILogger<DashboardApi> log,
    string prefix = "")
{
    /// <summary>Path segments before <c>/api</c> (a cluster dashboard's <c>/tenants/NAME</c>: 2).</summary>
    private readonly int skipped = prefix.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;

    public const long MaxBodyBytes = 16 * 1024;

    /// <summary>How many shadow-mode differences the page shows (the API's <c>?max=</c> default).</summary>
    public const int ShadowDifferencesShown = 100;

    /// <summary>How often the page re-reads the API by itself.</summary>
    public static readonly TimeSpan PageRefreshInterval = TimeSpan.FromSeconds(10);

    private const int MaxOperatorNameLength = 100;
    private const int MaxReasonLength = 500;
    private const int MaxShadowDifferences = 1000;

    public static readonly JsonSerializerOptions Json = CreateJsonOptions();

    public void Map(IEndpointRouteBuilder app)
    {
        Get(app, "/api/overview", OverviewAsync);
        Get(app, "/api/mailboxes", async ctx => await WriteAsync(ctx, await console.MailboxesAsync(ctx.RequestAborted)));
        Get(app, "/api/held", async ctx => await WriteAsync(ctx, await console.HeldEffectsAsync(ctx.RequestAborted)));
        Get(app, "/api/meetings/{uid}/history", async ctx => await WriteAsync(ctx, await console.MeetingHistoryAsync(Segment(ctx, 3), ctx.RequestAborted)));
        Get(app, "/api/shadow", ShadowAsync);
        Get(app, "/api/decisions", async ctx => await WriteAsync(ctx, await console.DecisionsOverTimeAsync(ctx.RequestAborted)));

        Post(app, "/api/mailboxes/{id}/suspend", needsReason: true, async (ctx, a) =>
        {
            var id = Segment(ctx, 3);
            await console.SuspendAsync(id, a.Operator, a.Reason!, ctx.RequestAborted);
            LogSuspended(log, a.Operator, id, a.Reason!);
            return $"Mailbox {id} suspended.";
        });
        Post(app, "/api/mailboxes/{id}/resume", needsReason: false, async (ctx, a) =>
        {
            var id = Segment(ctx, 3);
            await console.ResumeAsync(id, a.Operator, ctx.RequestAborted);
            LogResumed(log, a.Operator, id);
            return $"Mailbox {id} resumed.";
        });
        Post(app, "/api/suspend-all", needsReason: true, async (ctx, a) =>
        {
            await console.SuspendAsync(null, a.Operator, a.Reason!, ctx.RequestAborted);
            LogSuspended(log, a.Operator, "(all: kill switch)", a.Reason!);
            return "Kill switch on: every mailbox is suspended.";
        });
        Post(app, "/api/resume-all", needsReason: false, async (ctx, a) =>
        {
            await console.ResumeAsync(null, a.Operator, ctx.RequestAborted);
            LogResumed(log, a.Operator, "(all: kill switch)");
            return "Kill switch off: mailboxes resume from where they stopped.";
        });
        Post(app, "/api/held/{id}/approve", needsReason: false, async (ctx, a) =>
        {
            var id = Segment(ctx, 3);
            await console.ApproveAsync(id, a.Operator, ctx.RequestAborted);
            LogHeld(log, a.Operator, "approved", id);
            return $"Held effect {id} approved.";
        });
        Post(app, "/api/held/{id}/discard", needsReason: false, async (ctx, a) =>
        {
            var id = Segment(ctx, 3);
            await console.DiscardAsync(id, a.Operator, ctx.RequestAborted);
            LogHeld(log, a.Operator, "discarded", id);
            return $"Held effect {id} discarded.";
        });
        app.Map("/api/{**rest}", ctx => ErrorAsync(ctx, StatusCodes.Status404NotFound, "No such API endpoint."));
    }

    private async Task OverviewAsync(HttpContext ctx)
    {
        var overview = await console.OverviewAsync(ctx.RequestAborted);
        await WriteAsync(ctx, new OverviewResponse(
            time.GetUtcNow(),
            overview.ActiveRuleSet,
            overview.LastReloadError,
            overview.KillSwitch,
            overview.ShadowRuleSetHash,
            token.ActionsEnabled(ctx),
            (int)Math.Ceiling(PageRefreshInterval.TotalSeconds),
            ShadowDifferencesShown,
            overview.CrmOutage,
            overview.CrmQuarantine ?? []));
    }

    private async Task ShadowAsync(HttpContext ctx)
    {
        var max = ShadowDifferencesShown;
        if (ctx.Request.Query.TryGetValue("max", out var raw))
        {
            if (!int.TryParse(raw.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out max) || max < 1 || max > MaxShadowDifferences)
            {
                await ErrorAsync(ctx, StatusCodes.Status400BadRequest, $"max must be a whole number from 1 to {MaxShadowDifferences}.");
                return;
            }
        }

        await WriteAsync(ctx, await console.ShadowDifferencesAsync(max, ctx.RequestAborted));
    }

    private void Get(IEndpointRouteBuilder app, string pattern, RequestDelegate handler) =>
        app.MapGet(pattern, async ctx =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            try
            {
                await handler(ctx);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nothing to answer.
            }
            catch (Exception ex)
            {
                LogReadFailed(log, ex, pattern);
                await ErrorAsync(ctx, StatusCodes.Status500InternalServerError, "The runner could not answer this request; see the runner's log.");
            }
        });

    private void Post(IEndpointRouteBuilder app, string pattern, bool needsReason, Func<HttpContext, ActionRequest, Task<string>> action) =>
        app.MapPost(pattern, async ctx =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            switch (token.Check(ctx.Request))
            {
                case TokenCheck.ReadOnly:
                    LogRefused(log, pattern, "read-only");
                    await ErrorAsync(ctx, StatusCodes.Status403Forbidden, "This dashboard is read-only: the runner has no operator token configured.");
                    return;
                case TokenCheck.Missing:
                    LogRefused(log, pattern, "no operator token");
                    ctx.Response.Headers.WWWAuthenticate = "Bearer";
                    await ErrorAsync(ctx, StatusCodes.Status401Unauthorized, "Refused: this action needs the operator token.");
                    return;
                case TokenCheck.Wrong:
                    LogRefused(log, pattern, "wrong operator token");
                    ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                    await ErrorAsync(ctx, StatusCodes.Status401Unauthorized, "Refused: the operator token is wrong.");
                    return;
            }

            var (request, problem) = await ReadActionAsync(ctx, needsReason);
            if (request is null)
            {
                await ErrorAsync(ctx, StatusCodes.Status400BadRequest, problem!);
                return;
            }

            try
            {
                var message = await action(ctx, request);
                await WriteAsync(ctx, new ActionResponse(message));
            }
            catch (OperatorConsoleNotFoundException ex)
            {
                await ErrorAsync(ctx, StatusCodes.Status404NotFound, ex.Message);
            }
            catch (OperatorConsoleConflictException ex)
            {
                await ErrorAsync(ctx, StatusCodes.Status409Conflict, ex.Message);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The client went away; the console saw the cancellation.
            }
            catch (Exception ex)
            {
                LogActionFailed(log, ex, pattern);
                await ErrorAsync(ctx, StatusCodes.Status500InternalServerError, "The runner could not carry out this action; see the runner's log.");
            }
        });

    private static async Task<(ActionRequest? Request, string? Problem)> ReadActionAsync(HttpContext ctx, bool needsReason)
    {
        ActionRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ActionRequest>(ctx.Request.Body, Json, ctx.RequestAborted);
        }
        catch (JsonException)
        {
            return (null, """The body must be JSON: {"operator": "your name"} (and "reason" to suspend).""");
        }
        catch (BadHttpRequestException)
        {
            return (null, $"The body is larger than {MaxBodyBytes} bytes.");
        }

        var name = body?.Operator?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxOperatorNameLength || name.Any(char.IsControl))
        {
            return (null, $"Say who you are: \"operator\" is required (at most {MaxOperatorNameLength} characters).");
        }

        var reason = body!.Reason?.Trim();
        if (needsReason && (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength))
        {
            return (null, $"Say why: \"reason\" is required to suspend (at most {MaxReasonLength} characters).");
        }

        return (new ActionRequest(name, reason), null);
    }

    /// <summary>Decoded path segment <paramref name="index"/> from the raw request target, so an id may contain '/' (sent as %2F).</summary>
    private string Segment(HttpContext ctx, int index)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith('/'))
        {
            raw = ctx.Request.Path.Value ?? "/";
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var segments = (query < 0 ? raw : raw[..query]).Split('/');
        return Uri.UnescapeDataString(segments[index + skipped]);
    }

    private static Task WriteAsync<T>(HttpContext ctx, T value) =>
        ctx.Response.WriteAsJsonAsync(value, Json, ctx.RequestAborted);

    private static Task ErrorAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers.CacheControl = "no-store";
        return ctx.Response.WriteAsJsonAsync(new ErrorResponse(message), Json, ctx.RequestAborted);
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        json.Converters.Add(new MillisecondsConverter());
        json.MakeReadOnly(populateMissingResolver: true);
        return json;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator {Operator} suspended mailbox {Mailbox}: {Reason}")]
    private static partial void LogSuspended(ILogger log, string @operator, string mailbox, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator {Operator} resumed mailbox {Mailbox}")]
    private static partial void LogResumed(ILogger log, string @operator, string mailbox);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator {Operator} {Verb} held effect {HeldEffect}")]
    private static partial void LogHeld(ILogger log, string @operator, string verb, string heldEffect);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard action {Endpoint} refused: {Why}")]
    private static partial void LogRefused(ILogger log, string endpoint, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard read {Endpoint} failed")]
    private static partial void LogReadFailed(ILogger log, Exception ex, string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard action {Endpoint} failed")]
    private static partial void LogActionFailed(ILogger log, Exception ex, string endpoint);

    /// <summary>TimeSpans travel as milliseconds (a number the page can chart).</summary>
    private sealed class MillisecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeSpan.FromMilliseconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(value.TotalMilliseconds);
    }
}

/// <summary><c>GET /api/overview</c>: the tenant overview plus what the page needs to render it.</summary>
/// <param name="AsOf">The server's clock when it answered; the page shows ages ("3 min ago") relative to it.</param>
/// <param name="ActionsEnabled">False: no operator token is configured and every action is refused.</param>
/// <param name="ActiveRuleSet">See <see cref="TenantOverview"/>.</param>
/// <param name="LastReloadError">See <see cref="TenantOverview"/>.</param>
/// <param name="KillSwitch">See <see cref="TenantOverview"/>.</param>
/// <param name="ShadowRuleSetHash">See <see cref="TenantOverview"/>.</param>
/// <param name="RefreshSeconds">How often the page re-reads the API by itself.</param>
/// <param name="ShadowDifferencesShown">How many shadow differences the page asks for.</param>
/// <param name="CrmOutage">See <see cref="TenantOverview"/>.</param>
/// <param name="CrmQuarantine">See <see cref="TenantOverview"/>.</param>
internal sealed record OverviewResponse(
    DateTimeOffset AsOf,
    RuleSetView ActiveRuleSet,
    ReloadErrorView? LastReloadError,
    SuspensionView? KillSwitch,
    string? ShadowRuleSetHash,
    bool ActionsEnabled,
    int RefreshSeconds,
    int ShadowDifferencesShown,
    CrmOutageView? CrmOutage,
    IReadOnlyList<string> CrmQuarantine);

/// <summary>The body of every action: who acts, and (to suspend) why.</summary>
internal sealed record ActionRequest(string Operator, string? Reason);

internal sealed record ActionResponse(string Message);

internal sealed record ErrorResponse(string Error);
