using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Live;

/// <summary>
/// The generic host's background service: one cycle at start, then one per <see cref="SyncScheduleOptions.Interval"/>
/// on the injected clock, and between them a cycle over just the mailboxes a push notification asked for
/// (<see cref="SyncTrigger"/>, debounced); which mailboxes a poll covers is the <see cref="IPollScope"/>'s answer; with <c>--once</c> a single cycle and the host stops. A failed cycle is logged and the next
/// one runs on schedule (mailbox failures are the breaker's; a cycle only fails as a whole on a bug).
/// </summary>
internal sealed partial class LiveSyncService(
    LiveRunner runner, RunnerOptions options, RunMode mode, SyncTrigger trigger, IPollScope scope, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<LiveSyncService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        runner.Start();
        IReadOnlySet<string>? only = null;
        var pollAt = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (only is null)
                {
                    pollAt = time.GetUtcNow() + options.Sync.Interval;
                    only = scope.MailboxesToPoll(time.GetUtcNow());
                }

                var report = await runner.RunCycleAsync(only, stoppingToken).ConfigureAwait(false);
                mode.Last = report;
                LogCycle(logger, report.Synced, report.Skipped, report.Failed, report.Decisions, report.Held);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The service must outlive one bad cycle: it is logged, and the next cycle runs.
            catch (Exception e)
#pragma warning restore CA1031
            {
                mode.Crashed = e;
                LogCycleFailed(logger, e);
            }

            if (mode.Once)
            {
                lifetime.StopApplication();
                return;
            }

            try
            {
                only = await trigger.WaitAsync(pollAt, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "cycle: {Synced} synced, {Skipped} skipped, {Failed} failed, {Decisions} decisions, {Held} held")]
    private static partial void LogCycle(ILogger logger, int synced, int skipped, int failed, int decisions, int held);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "cycle failed")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}

/// <summary>How <c>rulesync run</c> was started, and what its last cycle reported (for the exit code of <c>--once</c>).</summary>
internal sealed class RunMode(bool once, bool dryRun)
{
    public bool Once { get; } = once;

    public bool DryRun { get; } = dryRun;

    public CycleReport? Last { get; set; }

    public Exception? Crashed { get; set; }
}
