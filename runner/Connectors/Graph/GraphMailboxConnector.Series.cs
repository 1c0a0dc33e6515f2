using System.Collections.Concurrent;
using Microsoft.Graph.Models;
using RulesSync.Engine.Changes;
using MailboxItem = RulesSync.Engine.Sync.MailboxItem;

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// The scope of an occurrence's removal or cancellation: a Graph <c>@removed</c> notice carries the id only, so the
/// connector reads the occurrence's series master to tell the engine whether the series went, ended before it, or
/// only this occurrence went (docs/rules.md, "Recurring series").
/// </summary>
public sealed partial class GraphMailboxConnector
{
    /// <summary>Every occurrence this connector has mapped: its series master's id and its original start (UTC).</summary>
    private readonly ConcurrentDictionary<string, (string Master, DateTimeOffset OriginalStart)> occurrences = new(StringComparer.Ordinal);

    /// <summary>
    /// Maps an event of a delta page; for a removed or cancelled occurrence, adds the scope its master shows
    /// (<paramref name="masters"/> caches each master for the round: one GET per series, not per occurrence).
    /// </summary>
    private async Task<MailboxItem> MapWithScopeAsync(Event e, Dictionary<string, Event?> masters, CancellationToken cancellationToken)
    {
        var item = Map(e);
        if (e is { Id: { } id, SeriesMasterId: { } master, OriginalStart: { } original })
        {
            occurrences[id] = (master, original.ToUniversalTime());
        }

        if (!(item.Removed || item.Cancelled) || !occurrences.TryGetValue(item.EventId, out var occurrence))
        {
            return item;
        }

        if (!masters.TryGetValue(occurrence.Master, out var series))
        {
            series = await GetRawAsync(occurrence.Master, cancellationToken).ConfigureAwait(false);
            masters[occurrence.Master] = series;
        }

        return item with { Scope = ScopeOf(series, occurrence.OriginalStart) };
    }

    /// <summary>
    /// The scope the series master shows for an occurrence that went: the master gone or cancelled → the whole series;
    /// its range (<c>endDate</c>, inclusive) ending on or before the occurrence's day → this and the following ones
    /// (the series was ended or split there); else this occurrence alone. A <c>numbered</c> range is not expanded here:
    /// such an end reads as this occurrence alone (documented in docs/connectors.md).
    /// </summary>
    internal static ChangeScope ScopeOf(Event? master, DateTimeOffset originalStart)
    {
        if (master is null || master.IsCancelled == true)
        {
            return ChangeScope.Series;
        }

        if (master.Recurrence?.Range is { Type: RecurrenceRangeType.EndDate, EndDate: { } end }
            && DateOnly.FromDateTime(originalStart.UtcDateTime) >= new DateOnly(end.Year, end.Month, end.Day))
        {
            return ChangeScope.Following;
        }

        return ChangeScope.One;
    }
}
