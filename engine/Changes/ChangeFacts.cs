namespace RulesSync.Engine.Changes;

/// <summary>
/// Everything the rules may look at about one observed change: a closed set of facts, each with a
/// finite domain, so a rule set can be analysed over the whole fact space (see <see cref="FactCatalog"/>).
/// An immutable value; thread-safe.
/// </summary>
/// <param name="Source">Where the change was observed.</param>
/// <param name="Provider">The observing employee's mailbox provider.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Role">The observing employee's role in the meeting.</param>
/// <param name="Link">How the replica relates to the link table and the CRM.</param>
/// <param name="OwnsRecord">Whether the observing employee owns the CRM record.</param>
/// <param name="Timing">Past or future, against the sync's clock input.</param>
/// <param name="EmployeeAttendees">Whether employees other than the organizer take part.</param>
/// <param name="ExternalAttendees">Whether people outside the tenant take part.</param>
/// <param name="MeetingType">Appointment or visit.</param>
/// <param name="ApiVersion">The CRM API generation.</param>
/// <param name="AutoShare">Whether the tenant auto-shares meetings with the CRM.</param>
/// <param name="InSyncWindow">Whether the meeting lies inside the tenant's sync window.</param>
/// <param name="Recurrence">Whether the replica is a single meeting (none), a regular occurrence of a series, or an exception.</param>
/// <param name="Scope">How far the change reaches: this meeting or occurrence, this and the following occurrences, or the whole series.</param>
public readonly record struct ChangeFacts(
    ChangeSource Source,
    Provider Provider,
    ChangeKind Kind,
    Role Role,
    LinkState Link,
    bool OwnsRecord,
    Timing Timing,
    bool EmployeeAttendees,
    bool ExternalAttendees,
    MeetingType MeetingType,
    ApiVersion ApiVersion,
    bool AutoShare,
    bool InSyncWindow,
    RecurrenceKind Recurrence = RecurrenceKind.None,
    ChangeScope Scope = ChangeScope.One)
{
    /// <summary>
    /// The facts a fixture starts from before its <c>given</c> overrides them: a new future appointment
    /// created in the organizer's Exchange mailbox, with employee attendees, on API v2, auto-share off,
    /// inside the sync window; a single meeting, so the change's scope is that meeting. Documented in docs/rules.md.
    /// </summary>
    public static ChangeFacts Default { get; } = new(
        ChangeSource.Mailbox,
        Provider.Exchange,
        ChangeKind.Created,
        Role.Organizer,
        LinkState.Unlinked,
        OwnsRecord: false,
        Timing.Future,
        EmployeeAttendees: true,
        ExternalAttendees: false,
        MeetingType.Appointment,
        ApiVersion.V2,
        AutoShare: false,
        InSyncWindow: true);
}
