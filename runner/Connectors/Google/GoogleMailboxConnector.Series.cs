using RulesSync.Engine.Changes;
using RulesSync.Engine.Recurrence;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>
/// The scope of an instance's removal or cancellation: a cancelled instance carries its <c>recurringEventId</c> and
/// <c>originalStartTime</c>, so the connector reads the recurring event to tell the engine whether the series went,
/// ended before the instance, or only this instance went (docs/rules.md, "Recurring series").
/// </summary>
public sealed partial class GoogleMailboxConnector
{
    /// <summary>
    /// Maps an event of a listing; for a removed or cancelled instance, adds the scope its recurring event shows
    /// (<paramref name="masters"/> caches each recurring event for the sync: one get per series, not per instance).
    /// </summary>
    private async Task<MailboxItem> MapWithScopeAsync(CalendarEvent e, Dictionary<string, CalendarEvent?> masters, CancellationToken cancellationToken)
    {
        var item = GoogleEventMapping.ToItem(e, connection.Directory, Options.TypeProperty);
        if (!(item.Removed || item.Cancelled) || e is not { RecurringEventId: { } master, OriginalStartTime: { } original })
        {
            return item;
        }

        if (!masters.TryGetValue(master, out var series))
        {
            series = await GetRawAsync(master, cancellationToken).ConfigureAwait(false);
            masters[master] = series;
        }

        return item with { Scope = ScopeOf(series, GoogleEventMapping.Instant(original)) };
    }

    /// <summary>
    /// The scope the recurring event shows for an instance that went: gone or cancelled → the whole series; its RRULE's
    /// UNTIL before the instance's original start → this and the following ones (the series was ended or split there);
    /// else this instance alone. A COUNT is not expanded here: such an end reads as this instance alone (documented in
    /// docs/connectors.md).
    /// </summary>
    internal static ChangeScope ScopeOf(CalendarEvent? master, DateTimeOffset originalStart)
    {
        if (master is null || master.Status == GoogleEventMapping.Cancelled)
        {
            return ChangeScope.Series;
        }

        foreach (var line in master.Recurrence ?? [])
        {
            if (line.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase)
                && RecurrenceRule.TryParse(line, out _) is { Until: { } until } && originalStart > until)
            {
                return ChangeScope.Following;
            }
        }

        return ChangeScope.One;
    }
}
