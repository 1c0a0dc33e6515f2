using System.Globalization;
using Microsoft.Extensions.Logging;

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// The Graph connector's cursor: the calendarView delta link plus the clock reading its round started at. A round's
/// window (<c>startDateTime</c>/<c>endDateTime</c>) is encoded in its state token — "these tokens are state tokens
/// that encode the startDateTime and endDateTime parameters ... in the initial delta query GET request"
/// (https://learn.microsoft.com/en-us/graph/delta-query-events) — so a delta link keeps reporting the window it began
/// with; a meeting that enters the moving sync window is only seen by a new round. Pure.
/// </summary>
internal static class DeltaRoundCursor
{
    private const string Prefix = "round:";

    /// <summary>The cursor text: <c>round:UNIXSECONDS|DELTALINK</c>.</summary>
    public static string Format(DateTimeOffset roundStart, string deltaLink) =>
        string.Concat(Prefix, roundStart.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), "|", deltaLink);

    /// <summary>
    /// Reads a cursor: the round's start and its delta link (null for none). A bare delta link (a state file from
    /// before rounds were dated) has no known start: <see cref="DateTimeOffset.MinValue"/>, so its round is renewed.
    /// </summary>
    public static (DateTimeOffset RoundStart, string? DeltaLink) Parse(string? token)
    {
        if (token is null)
        {
            return (DateTimeOffset.MinValue, null);
        }

        var bar = token.IndexOf('|', StringComparison.Ordinal);
        if (token.StartsWith(Prefix, StringComparison.Ordinal) && bar > Prefix.Length
            && long.TryParse(token.AsSpan(Prefix.Length, bar - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return (DateTimeOffset.FromUnixTimeSeconds(seconds), token[(bar + 1)..]);
        }

        return (DateTimeOffset.MinValue, token);
    }

    /// <summary>Whether the clock moved more than <paramref name="restartAfter"/> from the round's start (either way).</summary>
    public static bool WindowMoved(DateTimeOffset roundStart, DateTimeOffset now, TimeSpan restartAfter) =>
        roundStart == DateTimeOffset.MinValue || (now - roundStart).Duration() > restartAfter;
}

/// <summary>The Graph connector's log line for a renewed delta round.</summary>
public sealed partial class GraphMailboxConnector
{
    [LoggerMessage(EventId = ConnectorLogEvents.DeltaRoundRestarted, Level = LogLevel.Information, Message = "Graph delta round for {Mailbox} started {RoundStart:o}: the sync window moved, a new round lists the window as it stands now")]
    private static partial void LogRoundRestart(ILogger logger, string mailbox, DateTimeOffset roundStart);
}
