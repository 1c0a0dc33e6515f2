using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// What an effect is, defined once for every stage that needs it: whether it deletes or cancels something (what the
/// intent guard and the mass-change guard admit or hold, what reports count), which replica it acts on (what the
/// journal matches a later removal against), and the effect in words (journal, operators, reports). Pure; thread-safe.
/// </summary>
public static class EffectTraits
{
    /// <summary>Whether carrying out the effect deletes or cancels something: a CRM record, an event, a meeting.</summary>
    public static bool IsDestructive(Effect effect) =>
        effect is DeleteCrmRecord or CancelCrmRecord or DeleteEvent or CancelEvent
        || effect is UpdateCrmRecord { Content.Cancelled: true };

    /// <summary>Whether the effect is a destructive one that deletes (a CRM record, an event) rather than cancels.</summary>
    public static bool IsDeletion(Effect effect) => effect is DeleteCrmRecord or DeleteEvent;

    /// <summary>Whether carrying out the effect notifies attendees of a cancellation (only <see cref="CancelEvent"/> does).</summary>
    public static bool NotifiesCancellation(Effect effect) => effect is CancelEvent;

    /// <summary>The event id or ObjectID the effect writes; null for effects that touch no store replica of their own.</summary>
    public static string? Replica(Effect effect) => effect switch
    {
        CreateCrmRecord e => e.EventId,
        UpdateCrmRecord e => e.ObjectId,
        CancelCrmRecord e => e.ObjectId,
        DeleteCrmRecord e => e.ObjectId,
        CreateEvent e => e.ObjectId,
        UpdateEvent e => e.EventId,
        CancelEvent e => e.EventId,
        DeleteEvent e => e.EventId,
        LinkReplica e => e.EventId,
        UnlinkReplica e => e.ObjectId,
        _ => null,
    };

    /// <summary>The effect's kind: its type's name (what the journal stores and decodes by).</summary>
    public static string Kind(Effect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        return effect.GetType().Name;
    }

    /// <summary>The effect in words, for the journal, operators and reports.</summary>
    public static string Describe(Effect effect) => effect switch
    {
        CreateCrmRecord e => $"create a CRM record '{e.Content.Subject}' from event {e.EventId}",
        UpdateCrmRecord { Content.Cancelled: true } e => $"cancel CRM record {e.ObjectId} (with the replica's content)",
        UpdateCrmRecord e => $"update CRM record {e.ObjectId}{(e.RelinkTo is null ? string.Empty : $" and link it to event {e.RelinkTo}")}",
        CancelCrmRecord e => $"cancel CRM record {e.ObjectId}",
        DeleteCrmRecord e => $"delete CRM record {e.ObjectId}",
        CreateEvent e => $"create the meeting '{e.Content.Subject}' from CRM record {e.ObjectId} (attendees are invited)",
        UpdateEvent e => $"update event {e.EventId} (attendees get an update)",
        CancelEvent e => $"cancel event {e.EventId} (attendees get a cancellation)",
        DeleteEvent e => $"remove event {e.EventId} without notifying anyone",
        LinkReplica e => $"link event {e.EventId} to CRM record {e.ObjectId}",
        UnlinkReplica e => $"unlink CRM record {e.ObjectId}",
        HeldEffect e => $"not done: {e.Intended} ({e.Reason})",
        _ => Kind(effect),
    };
}
