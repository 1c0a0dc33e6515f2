using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Push;

/// <summary>
/// <c>rulesync run</c> with <c>push.enabled</c>: starts the receiver before the first subscription is asked for
/// (Graph validates the URL while creating it), keeps the subscriptions every <see cref="PushOptions.CheckEvery"/>,
/// and at shutdown stops the channels and deletes the subscriptions, then the receiver.
/// </summary>
internal sealed class PushHostedService(
    PushOptions options, PushRegistry registry, SyncTrigger trigger, PushSubscriptions subscriptions, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private PushReceiver? receiver;

    /// <summary>The receiver's local address, once started.</summary>
    public Uri? Address => receiver?.Address;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        receiver = await PushReceiver.StartAsync(options, registry, trigger, subscriptions.OnLifecycle, time, loggers, cancellationToken).ConfigureAwait(false);
        if (options.PublicUrl is { IsLoopback: true, Port: 0 })
        {
            // Emulators and tests: "the receiver's own address, whatever port it bound" (bind 127.0.0.1:0).
            options.PublicUrl = receiver.Address;
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await subscriptions.StopAllAsync(cancellationToken).ConfigureAwait(false);
        if (receiver is not null)
        {
            await receiver.StopAsync(cancellationToken).ConfigureAwait(false);
            await receiver.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await subscriptions.EnsureAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(options.CheckEvery, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
