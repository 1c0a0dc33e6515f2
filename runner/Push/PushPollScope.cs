using RulesSync.Runner.Configuration;
using RulesSync.Runner.Live;

namespace RulesSync.Runner.Push;

/// <summary>
/// The poll with push on. A mailbox is <em>watched</em> when its subscription or channel is live and its push has had
/// no trouble for <see cref="PushOptions.SafetyNetInterval"/>. Every <see cref="PushOptions.SafetyNetInterval"/> a
/// poll covers every mailbox (the safety net for anything a provider dropped without saying so); the polls between
/// cover only the mailboxes not watched, which keep the normal <c>sync.interval</c>. So an idle tenant with healthy
/// subscriptions makes one round of delta requests per safety-net interval instead of one per <c>sync.interval</c>.
/// Called by the sync loop only (one poll at a time).
/// </summary>
internal sealed class PushPollScope(PushOptions options, RunnerOptions runner, PushRegistry registry) : IPollScope
{
    private DateTimeOffset? lastFull;

    public IReadOnlySet<string>? MailboxesToPoll(DateTimeOffset now)
    {
        var scope = Decide(now, lastFull, options.SafetyNetInterval, runner.Mailboxes.Select(m => m.Id), registry.ForMailbox, registry.LastTrouble);
        if (scope is null)
        {
            lastFull = now;
        }

        return scope;
    }

    /// <summary>
    /// The decision, pure: null (every mailbox) when no full poll happened for <paramref name="safetyNet"/>; else the
    /// mailboxes without a live target or with trouble within <paramref name="safetyNet"/> (possibly none).
    /// </summary>
    public static IReadOnlySet<string>? Decide(
        DateTimeOffset now, DateTimeOffset? lastFull, TimeSpan safetyNet, IEnumerable<string> mailboxes,
        Func<string, PushTarget?> target, Func<string, DateTimeOffset?> lastTrouble)
    {
        if (lastFull is not { } full || now - full >= safetyNet)
        {
            return null;
        }

        return mailboxes.Where(m => !Watched(m)).ToHashSet(StringComparer.OrdinalIgnoreCase);

        bool Watched(string mailbox) =>
            target(mailbox) is { } t && t.ExpiresAt > now && (lastTrouble(mailbox) is not { } trouble || now - trouble >= safetyNet);
    }
}
