using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Live;

/// <summary>
/// Whether another mailbox of the tenant may have created the CRM record of a meeting, as the journal shows it. For
/// syncs that do not share one CRM snapshot: a cluster's mailbox grains each sync against their own copy of the
/// cycle's snapshot, so a record another mailbox created a moment ago (on another silo) is in no copy but the
/// journal has its create. Asked under the meeting's lease, which is held across silos until a decision's effects
/// are carried out and marked: another mailbox's create of the meeting is journaled — and, unless its silo died
/// mid-effect, marked applied — before this decision began. One indexed read of the meeting's effects; the CRM is asked
/// only when it answers yes (<see cref="SnapshotCrmPort"/>). Thread-safe as the store is.
/// </summary>
internal sealed class SiblingCreates(IStateStore store)
{
    /// <summary>Whether a create of <paramref name="meetingKey"/>'s CRM record by a mailbox other than <paramref name="mailbox"/> is journaled and may have run.</summary>
    public bool MayHaveCreated(string meetingKey, string mailbox) =>
        store.EffectsOfMeeting(meetingKey).Any(e => e.Kind == nameof(CreateCrmRecord) && e.Mailbox != mailbox && MayHaveRun(e));

    /// <summary>Applied, or planned or failed with the outcome unknown; a create superseded before it ran never did.</summary>
    private static bool MayHaveRun(EffectRow e) => e.Status switch
    {
        EffectStatus.Applied or EffectStatus.Planned => true,
        EffectStatus.Failed => e.Detail?.StartsWith(LiveSyncJournal.Superseded, StringComparison.Ordinal) != true,
        _ => false,
    };
}
