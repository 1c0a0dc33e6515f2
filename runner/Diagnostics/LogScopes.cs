using Microsoft.Extensions.Logging;

namespace RulesSync.Runner.Diagnostics;

/// <summary>
/// The log scopes of the live runner: every line logged within a cycle, a mailbox's sync or a decision about a
/// meeting carries <c>Cycle</c>, <c>Mailbox</c> and <c>Meeting</c> (the JSON console format writes them as
/// properties of the line's <c>Scopes</c>; the text format as <c>=&gt; cycle 12 =&gt; mailbox bob@…</c>).
/// </summary>
internal static class LogScopes
{
    private static readonly Func<ILogger, long, IDisposable?> CycleScope = LoggerMessage.DefineScope<long>("cycle {Cycle}");

    private static readonly Func<ILogger, string, IDisposable?> MailboxScope = LoggerMessage.DefineScope<string>("mailbox {Mailbox}");

    private static readonly Func<ILogger, string, IDisposable?> MeetingScope = LoggerMessage.DefineScope<string>("meeting {Meeting}");

    public static IDisposable? Cycle(ILogger logger, long cycle) => CycleScope(logger, cycle);

    public static IDisposable? Mailbox(ILogger logger, string mailbox) => MailboxScope(logger, mailbox);

    public static IDisposable? Meeting(ILogger? logger, string meetingKey) => logger is null ? null : MeetingScope(logger, meetingKey);
}
