using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Notifications;

/// <summary>What operators are told about.</summary>
internal enum NoticeKind
{
    /// <summary>A mailbox was suspended (by the breaker or an operator), or the kill switch was set.</summary>
    Suspended,

    /// <summary>The mass-change guard held effects for review.</summary>
    EffectsHeld,

    /// <summary>A changed rule file was invalid; the previous rule set stays in force.</summary>
    RuleReloadFailed,

    /// <summary>A changed rule file was loaded.</summary>
    RulesReloaded,
}

/// <summary>One notification, as the webhook receives it (JSON, camelCase). Immutable.</summary>
internal sealed record OperatorNotice(NoticeKind Kind, string Tenant, string? Mailbox, string Message, DateTimeOffset At, IReadOnlyList<string>? Details = null);

/// <summary>Tells operators (not end users) what needs them.</summary>
internal interface IOperatorNotifier
{
    ValueTask NotifyAsync(OperatorNotice notice, CancellationToken cancellationToken);
}

/// <summary>
/// Writes every notice to the log and, when a webhook is configured, POSTs it there as JSON. A webhook that fails
/// is logged and never stops the sync. Thread-safe.
/// </summary>
internal sealed partial class OperatorNotifier(NotificationOptions options, HttpClient http, ILogger<OperatorNotifier> logger) : IOperatorNotifier
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async ValueTask NotifyAsync(OperatorNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        LogNotice(logger, notice.Kind, notice.Mailbox ?? "(tenant)", notice.Message);
        if (options.WebhookUrl is not { } url)
        {
            return;
        }

        try
        {
            using var response = await http.PostAsJsonAsync(url, notice, Json, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogWebhookFailed(logger, notice.Kind, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (HttpRequestException e)
        {
            LogWebhookFailed(logger, notice.Kind, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogWebhookFailed(logger, notice.Kind, "no answer in time");
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "operator notice {Kind} for {Mailbox}: {Message}")]
    private static partial void LogNotice(ILogger logger, NoticeKind kind, string mailbox, string message);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "the operator webhook did not take the {Kind} notice: {Reason}")]
    private static partial void LogWebhookFailed(ILogger logger, NoticeKind kind, string reason);
}
