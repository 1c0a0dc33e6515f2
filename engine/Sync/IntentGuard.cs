using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>Whose act a change is, as far as the intent guard can tell.</summary>
public enum CauseKind : byte
{
    /// <summary>A person cancelled or deleted the meeting: the organizer in the calendar, a CRM user in the CRM.</summary>
    PersonsAct,

    /// <summary>An effect of our own: the journal holds a write of ours that cancelled or deleted this replica or meeting.</summary>
    OwnEffect,

    /// <summary>
    /// Nobody cancelled or deleted the meeting: a replica appeared or changed, an attendee removed their own copy, or
    /// a replica is missing from a listing that is not the organizer's.
    /// </summary>
    NoAct,
}

/// <summary>What a person's act licenses: cancelling the meeting, deleting it, or both.</summary>
[Flags]
public enum Licence : byte
{
    /// <summary>Nothing destructive.</summary>
    None = 0,

    /// <summary>Cancelling the meeting (attendees are told) or the CRM record.</summary>
    Cancel = 1,

    /// <summary>Deleting the CRM record or a replica.</summary>
    Delete = 2,
}

/// <summary>The cause of one observed change, with what shows it (for the journal and operators). Immutable.</summary>
/// <param name="Kind">Whose act it is.</param>
/// <param name="Detail">What shows it, in words.</param>
/// <param name="OwnEffect">The idempotency key of our own write that explains the change, when <see cref="Kind"/> is <see cref="CauseKind.OwnEffect"/>.</param>
/// <param name="Licenses">What a person's act licenses: an organizer's deletion both cancelling and deleting, a cancellation only cancelling, a CRM user's deletion only deleting.</param>
public sealed record ChangeCause(CauseKind Kind, string Detail, string? OwnEffect = null, Licence Licenses = Licence.None)
{
    /// <summary>Whether the change is a person's act (what licenses a destructive effect).</summary>
    public bool IsPersonsAct => Kind == CauseKind.PersonsAct;
}

/// <summary>
/// A write of ours the journal holds that could explain an observed removal or cancellation: a cancel or delete of the
/// same replica, or a cancellation of the same meeting (the provider cancels attendees' copies with the organizer's).
/// </summary>
/// <param name="IdempotencyKey">The write's idempotency key, as journaled.</param>
/// <param name="Description">What it did, in words.</param>
public sealed record OwnWrite(string IdempotencyKey, string Description);

/// <summary>
/// The intent guard of the admit stage. A destructive effect (<see cref="EffectTraits.IsDestructive"/>: a cancellation
/// that notifies attendees, a delete or cancel of a record or event a person still has) is carried out only when the
/// change that caused it is a person's act that licenses it: the organizer cancelled the meeting (licenses cancelling)
/// or deleted it (cancelling and deleting) in the calendar, a CRM user cancelled the record (cancelling) or deleted
/// it (deleting; a deletion tells no attendee). When the change is an effect of our own (the journal knows every write
/// we made), or nobody cancelled or deleted anything, the effect is held, whatever the counts. The licences are the
/// simulator's intents (<c>simulator/World/SimWorld.cs</c>). Pure; thread-safe.
/// </summary>
public static class IntentGuard
{
    /// <summary>Whether <paramref name="change"/> is a removal or cancellation that one of our own writes could explain (worth a journal look-up).</summary>
    public static bool CouldBeOwnEffect(ObservedChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Kind is ChangeKind.Cancelled or ChangeKind.Deleted or ChangeKind.Missing;
    }

    /// <summary>
    /// The cause of <paramref name="change"/>, observed with <paramref name="facts"/>; <paramref name="ours"/> is the
    /// journal's write of ours that explains it, if any (looked up only when <see cref="CouldBeOwnEffect"/>).
    /// </summary>
    public static ChangeCause CauseOf(ObservedChange change, in ChangeFacts facts, OwnWrite? ours)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (ours is not null && CouldBeOwnEffect(change))
        {
            return new ChangeCause(CauseKind.OwnEffect, $"our own write {ours.IdempotencyKey} ({ours.Description})", ours.IdempotencyKey);
        }

        return (facts.Source, facts.Kind, facts.Role) switch
        {
            (ChangeSource.Mailbox, ChangeKind.Cancelled, Role.Organizer) => Person("the organizer cancelled the meeting in the calendar", Licence.Cancel),
            (ChangeSource.Mailbox, ChangeKind.Cancelled, _) => Person("the organizer cancelled the meeting (the attendee's copy turned cancelled)", Licence.Cancel),
            (ChangeSource.Mailbox, ChangeKind.Deleted, Role.Organizer) => Person("the organizer deleted the meeting in the calendar", Licence.Cancel | Licence.Delete),
            (ChangeSource.Mailbox, ChangeKind.Missing, Role.Organizer) when facts.ApiVersion == ApiVersion.V2 =>
                Person("the organizer's calendar no longer holds the meeting (searched by its UID)", Licence.Cancel | Licence.Delete),
            (ChangeSource.Mailbox, ChangeKind.Missing, Role.Organizer) => NoAct("the meeting is missing from the organizer's calendar on v1, where the CRM hides its UID: missing is not deleted"),
            (ChangeSource.Mailbox, ChangeKind.Deleted or ChangeKind.Missing, _) => NoAct($"the meeting is {Word(facts.Kind)} in a calendar that does not organize it; that removes nobody else's meeting"),
            (ChangeSource.Crm, ChangeKind.Cancelled, _) => Person("a CRM user cancelled the record", Licence.Cancel),
            (ChangeSource.Crm, ChangeKind.Deleted or ChangeKind.Missing, _) => Person("a CRM user deleted the record", Licence.Delete),
            _ => NoAct($"nobody cancelled or deleted the meeting: the change is {Word(facts.Kind)}"),
        };
    }

    /// <summary>Null when <paramref name="effect"/> may be carried out for a change with <paramref name="cause"/>; otherwise why it is held.</summary>
    public static string? Check(Effect effect, ChangeCause cause)
    {
        ArgumentNullException.ThrowIfNull(effect);
        ArgumentNullException.ThrowIfNull(cause);
        if (!EffectTraits.IsDestructive(effect))
        {
            return null;
        }

        var needs = EffectTraits.IsDeletion(effect) ? Licence.Delete : Licence.Cancel;
        if (cause.IsPersonsAct)
        {
            return (cause.Licenses & needs) != 0
                ? null
                : needs == Licence.Delete
                    ? $"intent guard: {cause.Detail}, a cancellation: it licenses cancelling the meeting, never deleting it"
                    : $"intent guard: {cause.Detail}, a deletion in the CRM: it removes the record and tells no attendee; it licenses no cancellation";
        }

        return cause.Kind == CauseKind.OwnEffect
            ? $"intent guard: the change is an effect of our own, {cause.Detail}, not a person's act"
            : $"intent guard: {cause.Detail}; only a person's cancellation or deletion may delete or cancel a meeting";
    }

    private static ChangeCause Person(string detail, Licence licenses) => new(CauseKind.PersonsAct, detail, Licenses: licenses);

    private static ChangeCause NoAct(string detail) => new(CauseKind.NoAct, detail);

    private static string Word(ChangeKind kind) => kind switch
    {
        ChangeKind.Created => "a new replica",
        ChangeKind.Updated => "an update",
        ChangeKind.Declined => "a declined invitation",
        ChangeKind.Deleted => "deleted",
        ChangeKind.Missing => "missing",
        ChangeKind.Completed => "completed in the CRM",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
