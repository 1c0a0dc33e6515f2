using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Notifications;

namespace RulesSync.Runner.Tests.Notifications;

public sealed class OperatorNotifierTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task NotifyAsync_WithWebhook_PostsTheNoticeAsJson()
    {
        using var hook = new CapturingHandler(HttpStatusCode.OK);
        using var http = new HttpClient(hook);
        var notifier = new OperatorNotifier(new NotificationOptions { WebhookUrl = new Uri("https://hooks.example/rulesync") }, http, NullLogger<OperatorNotifier>.Instance);

        await notifier.NotifyAsync(new OperatorNotice(NoticeKind.Suspended, "contoso", "alice@contoso.example", "suspended after 5 failures", At), CancellationToken.None);

        var body = JsonNode.Parse(Assert.Single(hook.Bodies))!;
        Assert.Equal("suspended", body["kind"]!.GetValue<string>());
        Assert.Equal("alice@contoso.example", body["mailbox"]!.GetValue<string>());
        Assert.Equal("suspended after 5 failures", body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task NotifyAsync_WebhookFails_DoesNotThrow()
    {
        using var hook = new CapturingHandler(HttpStatusCode.InternalServerError);
        using var http = new HttpClient(hook);
        var notifier = new OperatorNotifier(new NotificationOptions { WebhookUrl = new Uri("https://hooks.example/x") }, http, NullLogger<OperatorNotifier>.Instance);

        await notifier.NotifyAsync(new OperatorNotice(NoticeKind.EffectsHeld, "contoso", null, "held", At), CancellationToken.None);

        Assert.Single(hook.Bodies);
    }

    [Fact]
    public async Task NotifyAsync_NoWebhook_SendsNothing()
    {
        using var hook = new CapturingHandler(HttpStatusCode.OK);
        using var http = new HttpClient(hook);
        var notifier = new OperatorNotifier(new NotificationOptions(), http, NullLogger<OperatorNotifier>.Instance);

        await notifier.NotifyAsync(new OperatorNotice(NoticeKind.RuleReloadFailed, "contoso", null, "bad", At), CancellationToken.None);

        Assert.Empty(hook.Bodies);
    }

    internal sealed class CapturingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            return new HttpResponseMessage(status);
        }
    }
}
