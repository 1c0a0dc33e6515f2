using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors;

/// <summary>
/// What every mailbox connector does after its cursor expired (Graph 410 on a delta link, Google 410 on a sync
/// token) and it listed the whole window again: an event it delivered before that the new listing lacks is not
/// assumed deleted — it is checked by id; one that still exists (moved out of the window, say) is delivered as an
/// item, and only one that is really gone becomes a removal notice. So a resync never invents deletions.
/// </summary>
internal static class FullResync
{
    /// <summary>A removal notice for <paramref name="eventId"/> (only the id is meaningful).</summary>
    public static MailboxItem Removal(string eventId) =>
        new(eventId, string.Empty, new MeetingUid(eventId), false, string.Empty, [], false, string.Empty, default, default, MeetingType.Appointment, AttendeeResponse.None, Removed: true);

    /// <summary>Completes a full listing against the ids delivered before, looking the missing ones up by id.</summary>
    /// <param name="listing">The full listing's items.</param>
    /// <param name="delivered">Event ids delivered before the cursor expired.</param>
    /// <param name="lookUp">Fetches events by id (null for one that is gone), batched as the provider allows.</param>
    /// <param name="cancellationToken">Cancels the look-ups.</param>
    public static async Task<(ImmutableArray<MailboxItem> Items, int Listed, int Missing, int Removed)> CompleteAsync(
        ImmutableArray<MailboxItem> listing,
        IReadOnlySet<string> delivered,
        Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, MailboxItem?>>> lookUp,
        CancellationToken cancellationToken)
    {
        var listed = listing.Where(i => !i.Removed).Select(i => i.EventId).ToHashSet(StringComparer.Ordinal);
        var missing = delivered.Where(id => !listed.Contains(id)).Order(StringComparer.Ordinal).ToList();
        var found = missing.Count == 0
            ? new Dictionary<string, MailboxItem?>(StringComparer.Ordinal)
            : await lookUp(missing, cancellationToken).ConfigureAwait(false);
        var result = listing.ToBuilder();
        var removed = 0;
        foreach (var id in missing)
        {
            if (found.TryGetValue(id, out var stillThere) && stillThere is not null)
            {
                result.Add(stillThere);
            }
            else
            {
                result.Add(Removal(id));
                removed++;
            }
        }

        return (result.ToImmutable(), listed.Count, missing.Count, removed);
    }
}
