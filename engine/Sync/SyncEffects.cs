using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

// The effects one decision plans, as data. The shell (SyncCycle, over the runner's or the simulator's ports)
// executes them in order. Only CancelEvent may notify attendees; see EffectPlanner for the guard.

/// <summary>Create a CRM record from this employee's replica, owned by this employee and linked to the replica.</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="EventId">The replica the record is created from and linked to.</param>
/// <param name="Content">The content to write.</param>
/// <param name="Owner">The owning employee (the sharing employee).</param>
public sealed record CreateCrmRecord(string IdempotencyKey, string EventId, MeetingContent Content, string Owner) : Effect(IdempotencyKey);

/// <summary>Update a CRM record's content; optionally link it to this employee's replica.</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="ObjectId">The record.</param>
/// <param name="Content">The content to write.</param>
/// <param name="RelinkTo">The replica to link the record to, or null to keep the link.</param>
public sealed record UpdateCrmRecord(string IdempotencyKey, string ObjectId, MeetingContent Content, string? RelinkTo) : Effect(IdempotencyKey);

/// <summary>Set a CRM record's status to cancelled (notifies nobody).</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="ObjectId">The record.</param>
public sealed record CancelCrmRecord(string IdempotencyKey, string ObjectId) : Effect(IdempotencyKey);

/// <summary>Delete a CRM record (notifies nobody).</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="ObjectId">The record.</param>
public sealed record DeleteCrmRecord(string IdempotencyKey, string ObjectId) : Effect(IdempotencyKey);

/// <summary>Create the organizer's event from a CRM record (invites attendees) and link the record to it.</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="ObjectId">The record to link to the new event.</param>
/// <param name="Content">The content to create.</param>
public sealed record CreateEvent(string IdempotencyKey, string ObjectId, MeetingContent Content) : Effect(IdempotencyKey);

/// <summary>Update the organizer's event (attendees receive an update, not a cancellation).</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="EventId">The organizer's event.</param>
/// <param name="Content">The content to write.</param>
public sealed record UpdateEvent(string IdempotencyKey, string EventId, MeetingContent Content) : Effect(IdempotencyKey);

/// <summary>Cancel the organizer's event: attendees' copies are cancelled and each attendee gets a cancellation.</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="EventId">The organizer's event.</param>
public sealed record CancelEvent(string IdempotencyKey, string EventId) : Effect(IdempotencyKey);

/// <summary>Remove a replica without notifying anyone (an attendee's copy; a Google event with sendUpdates=none).</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="EventId">The replica.</param>
public sealed record DeleteEvent(string IdempotencyKey, string EventId) : Effect(IdempotencyKey);

/// <summary>Record a correlation between this employee's replica and a CRM record (touches no store).</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="EventId">The replica.</param>
/// <param name="ObjectId">The record.</param>
public sealed record LinkReplica(string IdempotencyKey, string EventId, string ObjectId) : Effect(IdempotencyKey);

/// <summary>Forget the correlation of a CRM record with this employee's replica (touches no store).</summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="ObjectId">The record.</param>
public sealed record UnlinkReplica(string IdempotencyKey, string ObjectId) : Effect(IdempotencyKey);

/// <summary>
/// An effect the planner would not carry out, with the reason: a decision that cannot apply here (an attendee
/// cannot cancel the organizer's meeting), or a destructive one the guard contains (DELETE of an organizer's
/// Exchange event would send cancellations). Executing it does nothing; reports show it.
/// </summary>
/// <param name="IdempotencyKey">Derived from the change and the decision.</param>
/// <param name="Intended">What the decision asked for, in words.</param>
/// <param name="Reason">Why it was not carried out.</param>
/// <param name="Destructive">Whether the decision would have deleted or cancelled something.</param>
public sealed record HeldEffect(string IdempotencyKey, string Intended, string Reason, bool Destructive) : Effect(IdempotencyKey);
