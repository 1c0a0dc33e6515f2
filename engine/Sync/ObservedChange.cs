using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// One change one employee's sync observed about one meeting: where, which replica (event id or ObjectID) at which
/// version, and what happened. Immutable.
/// </summary>
/// <param name="MeetingKey">The meeting's key: its UID, or <c>record:ObjectID</c> when the dialect hides the UID and nothing correlates.</param>
/// <param name="Source">Mailbox or CRM.</param>
/// <param name="Kind">What happened.</param>
/// <param name="ReplicaId">The event id or ObjectID the change is about.</param>
/// <param name="Version">The replica's version (change key, ETag); empty for removals.</param>
public sealed record ObservedChange(string MeetingKey, ChangeSource Source, ChangeKind Kind, string ReplicaId, string Version)
{
    /// <summary>A stable identity of the change, the root of every idempotency key planned for it.</summary>
    public string Id => string.Concat(SourcePrefix(Source), ReplicaId, "@", Version, KindName(Kind));

    internal static string SourcePrefix(ChangeSource source) => source == ChangeSource.Crm ? "crm:" : "mailbox:";

    internal static string KindName(ChangeKind kind) => KindNames[(int)kind];

    // Enum.ToString is slow, and the id is built for every decision of every sync.
    private static readonly string[] KindNames = [.. Enum.GetNames<ChangeKind>().Select(n => ":" + n.ToLowerInvariant())];
}

/// <summary>
/// One decision of a sync, as data for journals and traces: the change, the facts the rules saw, the decision,
/// and the effects planned (in execution order). Immutable.
/// </summary>
/// <param name="EmployeeId">Whose sync.</param>
/// <param name="Change">What was observed.</param>
/// <param name="Facts">The facts derived for the rules.</param>
/// <param name="Decision">What the policy decided.</param>
/// <param name="Effects">The effects planned and executed.</param>
public sealed record SyncDecision(string EmployeeId, ObservedChange Change, ChangeFacts Facts, Decision Decision, ImmutableArray<Effect> Effects);

/// <summary>The result of one sync of one mailbox. Immutable.</summary>
/// <param name="State">The mailbox's sync state after the sync.</param>
/// <param name="Decisions">Every decision, in the order taken (meetings in key order, one meeting at a time).</param>
/// <param name="StoreWrites">How many writes reached a store (mailbox or CRM); 0 for a sync with nothing new.</param>
public sealed record SyncOutcome(MailboxSyncState State, ImmutableArray<SyncDecision> Decisions, int StoreWrites);
