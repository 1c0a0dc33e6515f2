using System.Collections.Immutable;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What the live runner hangs on each sync: per-meeting serialization, the journal, the guards, progress saves.
/// <see cref="SyncCycle"/> calls them at fixed points; they never decide anything (decisions come only from the
/// policy and <see cref="EffectPlanner"/>), they can only withhold effects. The simulator runs without hooks.
/// </summary>
public interface ISyncHooks
{
    /// <summary>
    /// Entered before a meeting's changes are derived; the returned scope is disposed after the meeting's last
    /// effect. The runner serializes decisions about one meeting across every mailbox's sync with it, so which
    /// sync goes first decides by order, never by timing.
    /// </summary>
    ValueTask<IAsyncDisposable?> EnterMeetingAsync(string meetingKey, CancellationToken cancellationToken);

    /// <summary>
    /// Sees each decision before any of its effects runs and returns the effects to run: the runner journals them
    /// first, replaces those the mass-change guard holds by <see cref="HeldEffect"/>, and in a dry run returns none.
    /// It may only withhold or hold effects of <paramref name="decision"/>, never add others.
    /// </summary>
    ValueTask<ImmutableArray<Effect>> AdmitAsync(SyncDecision decision, CancellationToken cancellationToken);

    /// <summary>After each admitted effect ran.</summary>
    ValueTask EffectAppliedAsync(SyncDecision decision, Effect effect, CancellationToken cancellationToken);

    /// <summary>
    /// A decision whose remaining effects will not run: a CRM write found the record changed since it was read
    /// (<see cref="CrmConflictException"/>), and the change is decided again on the fresh record.
    /// </summary>
    ValueTask DecisionSupersededAsync(SyncDecision decision, CrmConflictException conflict, CancellationToken cancellationToken);

    /// <summary>
    /// After a decision's effects ran, with the sync state as it now stands except that cursor and watermark are
    /// not advanced: saved, it lets a sync restarted after a crash re-read the same page and find the items already
    /// decided unchanged, so nothing is decided or applied twice and nothing is skipped.
    /// </summary>
    ValueTask DecisionCompletedAsync(SyncDecision decision, MailboxSyncState progress, CancellationToken cancellationToken);
}
