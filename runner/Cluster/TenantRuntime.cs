using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// What a tenant's activation needs on a silo: its configuration (rules, guards, mailboxes), its connections to the
/// providers and the CRM, where to tell operators, the clock, and the cluster database it keeps its state in. The
/// connection string is a secret: never logged, never part of a message. <c>MeetingLease</c>: how long a meeting lease
/// lasts unless renewed (<see cref="MeetingLeases.DefaultDuration"/> when null). <c>MailboxGrains</c>: the tenant's
/// mailboxes sync in mailbox grains spread over the silos (<see cref="MailboxGrainDispatch"/>) instead of inside the
/// tenant grain's activation. <c>MailboxSyncLimit</c>: how long (real time) a mailbox grain's ordered sync may take
/// before the tenant's cycle fails naming the mailbox (<see cref="MailboxGrainDispatch.DefaultSyncLimit"/> when null).
/// </summary>
internal sealed record TenantRuntime(
    RunnerOptions Options,
    RunnerConnections Connections,
    IOperatorNotifier Notifier,
    TimeProvider Time,
    string ConnectionString,
    TimeSpan? CycleEvery,
    TimeSpan? MeetingLease = null,
    bool MailboxGrains = true,
    TimeSpan? MailboxSyncLimit = null);

/// <summary>The tenants this silo can host (every silo of a cluster serves the same set).</summary>
internal interface ITenantRuntimes
{
    /// <summary>The tenant's runtime; an unknown tenant is an error the caller sees.</summary>
    TenantRuntime For(string tenant);
}
