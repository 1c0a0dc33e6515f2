using Microsoft.Extensions.Logging;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;
using RulesSync.Runner.Push;
using RulesSync.Runner.Tests.Connectors;
using RulesSync.Runner.Tests.Live;

namespace RulesSync.Runner.Tests.Push;

/// <summary>
/// A runner over the emulators with push on: the receiver on 127.0.0.1 port 0, the subscriptions, the trigger, all
/// on the emulators' fake clock. Notifications go out only when <see cref="DeliverAsync"/> says so.
/// </summary>
internal sealed class PushRig : IAsyncDisposable
{
    private PushRig(RunnerTestHost host, PushOptions options, PushRegistry registry, SyncTrigger trigger, PushSubscriptions subscriptions, PushReceiver receiver)
    {
        Set(host, options, registry, trigger, subscriptions, receiver);
    }

    private void Set(RunnerTestHost host, PushOptions options, PushRegistry registry, SyncTrigger trigger, PushSubscriptions subscriptions, PushReceiver receiver)
    {
        H = host;
        Options = options;
        Registry = registry;
        Trigger = trigger;
        Subscriptions = subscriptions;
        Receiver = receiver;
    }

    public RunnerTestHost H { get; private set; } = null!;

    public PushOptions Options { get; private set; } = null!;

    public PushRegistry Registry { get; private set; } = null!;

    public SyncTrigger Trigger { get; private set; } = null!;

    public PushSubscriptions Subscriptions { get; private set; } = null!;

    public PushReceiver Receiver { get; private set; } = null!;

    public static async Task<PushRig> StartAsync(string[] mailboxes, int notificationsPerSecond = 50)
    {
        var h = await RunnerTestHost.StartAsync(mailboxes: mailboxes);
        var options = new PushOptions
        {
            Enabled = true,
            Bind = "127.0.0.1:0",
            PublicUrl = new Uri("http://127.0.0.1/push"),
            Debounce = TimeSpan.FromSeconds(5),
            NotificationsPerSecond = notificationsPerSecond,
        };
        var (registry, trigger, subscriptions, receiver) = await ServeAsync(h, options);

        // The providers reach the receiver at the address it bound (in production: the proxy's public URL).
        options.PublicUrl = receiver.Address;
        return new PushRig(h, options, registry, trigger, subscriptions, receiver);
    }

    /// <summary>
    /// A runner restart as far as push goes: the receiver and subscription service stopped gracefully (as the host
    /// does) and made anew with empty memory, on the same state file, port and public URL; optionally with other mailboxes.
    /// </summary>
    public async Task RestartAsync(string[]? mailboxes = null)
    {
        await H.T.CompleteWithRetriesAsync(Done(Subscriptions.StopAllAsync(CancellationToken.None)));
        await Receiver.StopAsync();
        await Receiver.DisposeAsync();
        Subscriptions.Dispose();
        if (mailboxes is not null)
        {
            H.Options.Mailboxes = [.. mailboxes.Select(m => new MailboxOptions
            {
                Id = m,
                Provider = m is ConnectorTestHost.Carol or ConnectorTestHost.Dave ? RulesSync.Engine.Changes.Provider.Google : RulesSync.Engine.Changes.Provider.Exchange,
            })];
        }

        var options = new PushOptions
        {
            Enabled = true,
            Bind = $"127.0.0.1:{Receiver.Address.Port}",
            PublicUrl = Options.PublicUrl,
            Debounce = Options.Debounce,
            NotificationsPerSecond = Options.NotificationsPerSecond,
            UnsubscribeOnShutdown = Options.UnsubscribeOnShutdown,
        };
        var (registry, trigger, subscriptions, receiver) = await ServeAsync(H, options);
        Set(H, options, registry, trigger, subscriptions, receiver);
    }

    private static async Task<(PushRegistry, SyncTrigger, PushSubscriptions, PushReceiver)> ServeAsync(RunnerTestHost h, PushOptions options)
    {
        var registry = new PushRegistry();
        var trigger = new SyncTrigger(h.T.Time, options.Debounce);
        var subscriptions = new PushSubscriptions(options, h.Options, h.Connections, h.Store, registry, trigger, h.T.Time, h.T.Logs.CreateLogger<PushSubscriptions>());
        var receiver = await PushReceiver.StartAsync(options, registry, trigger, subscriptions.OnLifecycle, h.T.Time, h.T.Logs);
        return (registry, trigger, subscriptions, receiver);
    }

    /// <summary>One subscription pass, the fake clock advanced through any retries.</summary>
    public Task EnsureAsync() => H.T.CompleteWithRetriesAsync(Done(Subscriptions.EnsureAsync(CancellationToken.None)));

    /// <summary>Sends the notifications due now.</summary>
    public Task<int> DeliverAsync() => H.T.Host.Push.DeliverDueAsync();

    /// <summary>A cycle over what the trigger collected (as the sync loop does after the debounce).</summary>
    public async Task<(IReadOnlySet<string> Mailboxes, CycleReport Report)> TriggeredCycleAsync()
    {
        var only = Trigger.Take();
        var report = await H.T.CompleteWithRetriesAsync(H.Runner.RunCycleAsync(only, CancellationToken.None));
        return (only, report);
    }

    public async ValueTask DisposeAsync()
    {
        await Receiver.StopAsync();
        await Receiver.DisposeAsync();
        Subscriptions.Dispose();
        await H.DisposeAsync();
    }

    /// <summary>A Task as a Task of bool, for <c>CompleteWithRetriesAsync</c>.</summary>
    public static async Task<bool> Done(Task task)
    {
        await task;
        return true;
    }
}
