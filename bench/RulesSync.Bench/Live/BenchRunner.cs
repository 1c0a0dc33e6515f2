using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;
using RulesSync.Runner.Notifications;

namespace RulesSync.Bench.Live;

/// <summary>What the live benchmarks' runners share: their options over a seeded organisation, no notices.</summary>
internal static class BenchRunner
{
    /// <summary>The default rules, auto-share, 8 mailboxes at once, every employee a mailbox, no breaker retries.</summary>
    public static RunnerOptions Options(OrganizationSeed seed, EmulatorHost host, string folder, string domain, RetryOptions retry) => new RunnerOptions
    {
        Tenant = "contoso",
        Rules = "embedded:default",
        StateFile = "state.db",
        BaseDirectory = folder,
        Sync = new SyncScheduleOptions { AutoShare = true, MaxParallelMailboxes = 8 },
        Mailboxes = [.. seed.Employees.Select(e => new MailboxOptions { Id = e.Email, Provider = e.Provider == CalendarProvider.Google ? Provider.Google : Provider.Exchange })],
        Breaker = new BreakerOptions { RetryAttempts = 0 },
    }.UseEmulators(host, ApiVersion.V2, domain, retry);
}

/// <summary>Operator notices go nowhere in a benchmark.</summary>
internal sealed class NoNotifier : IOperatorNotifier
{
    public ValueTask NotifyAsync(OperatorNotice notice, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
