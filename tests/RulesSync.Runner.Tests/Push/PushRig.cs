using Microsoft.Extensions.Logging;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;
using RulesSync.Runner.Push;
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
        H = host;
        Options = options;
        Registry = registry;
        Trigger = trigger;
        Subscriptions = subscriptions;
        Receiver = receiver;
    }

    public RunnerTestHost H { get; }

    public PushOptions Options { get; }

    public PushRegistry Registry { get; }

    public SyncTrigger Trigger { get; }

    public PushSubscriptions Subscriptions { get; }

    public PushReceiver Receiver { get; }

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
        var registry = new PushRegistry();
        var trigger = new SyncTrigger(h.T.Time, options.Debounce);
        var subscriptions = new PushSubscriptions(options, h.Options, h.Connections, h.Store, registry, trigger, h.T.Time, h.T.Logs.CreateLogger<PushSubscriptions>());
        var receiver = await PushReceiver.StartAsync(options, registry, trigger, subscriptions.OnLifecycle, h.T.Time, h.T.Logs);

        // The providers reach the receiver at the address it bound (in production: the proxy's public URL).
        options.PublicUrl = receiver.Address;
        return new PushRig(h, options, registry, trigger, subscriptions, receiver);
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
