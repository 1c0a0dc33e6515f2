using System.Globalization;

namespace RulesSync.Runner.Connectors.Resilience;

/// <summary>
/// How many requests a connector may send: in flight per mailbox, per mailbox in a sliding window, and per app in a
/// sliding window. Null budgets are unlimited. Immutable; bind from configuration (<c>graph:budget</c>,
/// <c>google:budget</c>).
/// </summary>
public sealed record RequestBudgetOptions
{
    /// <summary>
    /// Graph's published limits for Outlook resources: 4 concurrent requests and 10,000 requests per 10 minutes
    /// per app per mailbox; and the global limit of 130,000 requests per 10 seconds per app across all tenants
    /// (https://learn.microsoft.com/en-us/graph/throttling-limits).
    /// </summary>
    /// <remarks>A new instance each time: the configuration binder binds into the instance it finds.</remarks>
    public static RequestBudgetOptions GraphDefaults => new()
    {
        ConcurrentPerMailbox = 4,
        PerMailbox = 10_000,
        PerMailboxWindow = TimeSpan.FromMinutes(10),
        PerApp = 130_000,
        PerAppWindow = TimeSpan.FromSeconds(10),
    };

    /// <summary>
    /// Google Calendar's default quotas: 600 requests per minute per user per project and 10,000 per minute per
    /// project (https://developers.google.com/workspace/calendar/api/guides/quota; a project's console may show
    /// other values — configure those). Google publishes no concurrency limit; 4 keeps one mailbox from hogging.
    /// </summary>
    /// <remarks>A new instance each time: the configuration binder binds into the instance it finds.</remarks>
    public static RequestBudgetOptions GoogleDefaults => new()
    {
        ConcurrentPerMailbox = 4,
        PerMailbox = 600,
        PerMailboxWindow = TimeSpan.FromMinutes(1),
        PerApp = 10_000,
        PerAppWindow = TimeSpan.FromMinutes(1),
    };

    /// <summary>Requests in flight per mailbox; a <c>$batch</c> takes one slot per sub-request it runs in parallel.</summary>
    public int ConcurrentPerMailbox { get; init; } = 4;

    /// <summary>Requests per mailbox per <see cref="PerMailboxWindow"/> (each <c>$batch</c> sub-request counts); null: unlimited.</summary>
    public int? PerMailbox { get; init; }

    /// <summary>The per-mailbox window.</summary>
    public TimeSpan PerMailboxWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Requests of the whole app per <see cref="PerAppWindow"/>; null: unlimited.</summary>
    public int? PerApp { get; init; }

    /// <summary>The per-app window.</summary>
    public TimeSpan PerAppWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{ConcurrentPerMailbox} concurrent/mailbox, {PerMailbox?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"} per {PerMailboxWindow}/mailbox, {PerApp?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"} per {PerAppWindow}/app");
}
