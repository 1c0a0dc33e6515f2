using System.Collections.Immutable;
using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Recurrence;

/// <summary>What happened to one occurrence between two versions of its series.</summary>
public enum OccurrenceChangeKind : byte
{
    /// <summary>The occurrence appeared (a new series, a later end, a time change, a move into the window).</summary>
    Added,

    /// <summary>Its times, subject or attendees changed.</summary>
    Updated,

    /// <summary>It became cancelled.</summary>
    Cancelled,

    /// <summary>It is gone (deleted, cut off by the end of the series, moved out of the window).</summary>
    Removed,
}

/// <summary>One occurrence's change, with its scope and both versions (null where absent). Immutable.</summary>
/// <param name="Id">Series UID and original start.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Scope">Whether it came from the series, from the series' end (this and the following ones), or from this occurrence alone.</param>
/// <param name="Before">The occurrence before, if it existed.</param>
/// <param name="After">The occurrence after, if it exists.</param>
public sealed record OccurrenceChange(OccurrenceId Id, OccurrenceChangeKind Kind, ChangeScope Scope, Occurrence? Before, Occurrence? After);

/// <summary>
/// The fan-out of a series change: which occurrences inside a window changed between two versions of a series, how,
/// and whether each change belongs to the series or to that occurrence alone. This is how the CRM's one record per
/// occurrence follows a series (docs/connectors.md): a series-level change updates every occurrence it reaches; a
/// change to one occurrence touches only that occurrence. Pure and thread-safe.
/// </summary>
public static class SeriesChanges
{
    /// <summary>
    /// The occurrence changes from <paramref name="before"/> to <paramref name="after"/> (either null: the series did
    /// not exist / no longer exists) over [<paramref name="windowStart"/>, <paramref name="windowEnd"/>), in original-start
    /// order. A change is <see cref="ChangeScope.One"/> when the series-level fields are unchanged and only that
    /// occurrence's exception differs; an occurrence removed because the series now ends before it (only the rule's
    /// end moved earlier, or the series was split there) is <see cref="ChangeScope.Following"/>; everything else is
    /// <see cref="ChangeScope.Series"/>.
    /// </summary>
    public static ImmutableArray<OccurrenceChange> Between(MeetingSeries? before, MeetingSeries? after, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        var old = (before?.Expand(windowStart, windowEnd) ?? []).ToDictionary(o => o.Id);
        var now = (after?.Expand(windowStart, windowEnd) ?? []).ToDictionary(o => o.Id);
        var seriesChanged = before is null || after is null || !SameSeriesFields(before, after);
        var lastKept = now.Count == 0 ? (DateTimeOffset?)null : now.Keys.Max(i => i.OriginalStart);
        var endedOnly = before is not null && after is not null && !after.Rule.IsEndless
            && SameSeriesFields(before, after, compareRule: false) && now.Keys.All(old.ContainsKey);
        var result = ImmutableArray.CreateBuilder<OccurrenceChange>();
        foreach (var id in old.Keys.Union(now.Keys).OrderBy(i => i.OriginalStart))
        {
            var was = old.GetValueOrDefault(id);
            var @is = now.GetValueOrDefault(id);
            OccurrenceChangeKind? kind = (was, @is) switch
            {
                (null, not null) => OccurrenceChangeKind.Added,
                (not null, null) => OccurrenceChangeKind.Removed,
                (not null, not null) when @is.State == OccurrenceState.Cancelled && was.State != OccurrenceState.Cancelled => OccurrenceChangeKind.Cancelled,
                (not null, not null) when !@is.Equals(was) => OccurrenceChangeKind.Updated,
                _ => null,
            };
            if (kind is null)
            {
                continue;
            }

            var ownChange = !seriesChanged && !Equals(ExceptionAt(before!, id.OriginalStart), ExceptionAt(after!, id.OriginalStart));
            var following = endedOnly && kind == OccurrenceChangeKind.Removed && (lastKept is null || id.OriginalStart > lastKept);
            var scope = ownChange ? ChangeScope.One : following ? ChangeScope.Following : ChangeScope.Series;
            result.Add(new OccurrenceChange(id, kind.Value, scope, was, @is));
        }

        return result.ToImmutable();
    }

    private static bool SameSeriesFields(MeetingSeries a, MeetingSeries b, bool compareRule = true) =>
        a.Uid == b.Uid && a.Subject == b.Subject && a.Organizer == b.Organizer && a.Type == b.Type && a.Start == b.Start
        && a.End == b.End && (!compareRule || a.Rule == b.Rule) && a.Cancelled == b.Cancelled && a.Attendees.SequenceEqual(b.Attendees);

    private static OccurrenceOverride? ExceptionAt(MeetingSeries series, DateTimeOffset originalStart) =>
        series.Exceptions.FirstOrDefault(e => e.OriginalStart == originalStart);
}
