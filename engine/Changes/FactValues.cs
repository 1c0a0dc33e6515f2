namespace RulesSync.Engine.Changes;

// The closed set of fact value domains. Every enum here is finite and every member is named in the
// rule language by its camelCase name (see FactCatalog and docs/rules.md). Adding a member is a
// rule-language change: the schema, the docs and the gap analysis follow from FactCatalog.

/// <summary>Where the change was observed.</summary>
public enum ChangeSource : byte
{
    /// <summary>In the employee's mailbox (Graph delta, Google sync token).</summary>
    Mailbox,

    /// <summary>In the CRM (OData change poll or id reconciliation).</summary>
    Crm,
}

/// <summary>The provider of the observing employee's mailbox.</summary>
public enum Provider : byte
{
    /// <summary>Microsoft Exchange through Microsoft Graph.</summary>
    Exchange,

    /// <summary>Google Calendar.</summary>
    Google,
}

/// <summary>What happened to the replica, as the observing sync saw it.</summary>
public enum ChangeKind : byte
{
    /// <summary>A replica appeared that this sync did not know.</summary>
    Created,

    /// <summary>A known replica changed (time, subject, attendees).</summary>
    Updated,

    /// <summary>A known replica was removed (Graph <c>@removed</c>, CRM record gone).</summary>
    Deleted,

    /// <summary>The meeting was cancelled (Graph <c>isCancelled</c>, Google status cancelled, CRM status).</summary>
    Cancelled,

    /// <summary>An attendee declined.</summary>
    Declined,

    /// <summary>A replica expected from the link table or the CRM is absent from a full listing.</summary>
    Missing,

    /// <summary>
    /// A CRM user completed the record (C4C status 3 Completed): the activity took place. Only the CRM has this
    /// status; a calendar has nothing to carry it to.
    /// </summary>
    Completed,
}

/// <summary>The observing employee's role in the meeting.</summary>
public enum Role : byte
{
    /// <summary>The employee organizes the meeting.</summary>
    Organizer,

    /// <summary>The employee is invited.</summary>
    Attendee,

    /// <summary>The employee is neither (for instance only the CRM record's owner).</summary>
    None,
}

/// <summary>How the observed replica relates to the link table and the CRM.</summary>
public enum LinkState : byte
{
    /// <summary>No correlation is known for this meeting.</summary>
    Unlinked,

    /// <summary>The CRM record is linked to this employee's replica.</summary>
    This,

    /// <summary>A CRM record exists for the meeting but is linked to another participant's replica.</summary>
    Other,
}

/// <summary>Whether the meeting lies in the past or the future, judged against the sync's clock input.</summary>
public enum Timing : byte
{
    /// <summary>The meeting starts at or after the sync's "now".</summary>
    Future,

    /// <summary>The meeting ended before the sync's "now".</summary>
    Past,
}

/// <summary>The CRM object kind.</summary>
public enum MeetingType : byte
{
    /// <summary>An appointment.</summary>
    Appointment,

    /// <summary>A (customer) visit.</summary>
    Visit,
}

/// <summary>The CRM's OData API generation the tenant syncs through.</summary>
public enum ApiVersion : byte
{
    /// <summary>The older API (<c>c4codata</c>): the iCalendar UID of the meeting is not exposed.</summary>
    V1,

    /// <summary>The newer API (<c>c4codataapi</c>): the iCalendar UID is exposed on the record.</summary>
    V2,
}

/// <summary>What the changed replica is, as far as recurrence goes.</summary>
public enum RecurrenceKind : byte
{
    /// <summary>A single meeting, not part of a recurring series.</summary>
    None,

    /// <summary>A regular occurrence of a series: it follows the series' subject, time and attendees.</summary>
    Occurrence,

    /// <summary>An occurrence changed on its own (moved, edited): Graph <c>exception</c>, a Google instance off its original start.</summary>
    Exception,
}

/// <summary>
/// How far the change reaches: the one meeting or occurrence, this occurrence and the following ones (the series was
/// ended or split here), or the whole series. The connectors tell it from the provider (see docs/connectors.md).
/// </summary>
public enum ChangeScope : byte
{
    /// <summary>This meeting or this occurrence alone.</summary>
    One,

    /// <summary>This occurrence and every later one: the series was ended before it, or split ("this and following").</summary>
    Following,

    /// <summary>The whole series: the series itself was edited, cancelled or deleted.</summary>
    Series,
}
