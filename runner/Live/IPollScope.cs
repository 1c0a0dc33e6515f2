namespace RulesSync.Runner.Live;

/// <summary>
/// Which mailboxes a poll (the cycle every <c>sync.interval</c>) covers. Polling only is every mailbox; with push,
/// a mailbox whose notifications are trusted is polled less often (see <c>Push.PushPollScope</c>).
/// </summary>
internal interface IPollScope
{
    /// <summary>The mailboxes this poll covers; null for every mailbox.</summary>
    IReadOnlySet<string>? MailboxesToPoll(DateTimeOffset now);
}

/// <summary>Polling only: every poll covers every mailbox.</summary>
internal sealed class PollEveryMailbox : IPollScope
{
    public IReadOnlySet<string>? MailboxesToPoll(DateTimeOffset now) => null;
}
