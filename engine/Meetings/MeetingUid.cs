namespace RulesSync.Engine.Meetings;

/// <summary>
/// A meeting's identity across every store: its iCalendar UID, the same on the organizer's event,
/// each attendee's copy and (where the CRM dialect exposes it) the CRM record. Immutable and thread-safe.
/// </summary>
public readonly record struct MeetingUid
{
    /// <summary>Creates a UID; it must be non-empty.</summary>
    public MeetingUid(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
    }

    /// <summary>The UID text as the provider reports it.</summary>
    public string Value { get; }

    /// <summary>
    /// The UID the engine stands in for a CRM record whose dialect hides the UID and which no event correlates. It is
    /// never the meeting's real UID, so a connector must not write it to the record (it would then read back as real).
    /// </summary>
    /// <param name="crmObjectId">The record's CRM ObjectID.</param>
    public static MeetingUid PlaceholderFor(string crmObjectId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(crmObjectId);
        return new(PlaceholderPrefix + crmObjectId);
    }

    /// <summary>Whether this is the engine's placeholder for the record <paramref name="crmObjectId"/> (<see cref="PlaceholderFor"/>).</summary>
    public bool IsPlaceholderFor(string crmObjectId) =>
        Value.Length == PlaceholderPrefix.Length + crmObjectId.Length
        && Value.StartsWith(PlaceholderPrefix, StringComparison.Ordinal)
        && Value.EndsWith(crmObjectId, StringComparison.Ordinal);

    private const string PlaceholderPrefix = "crm-";

    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>Which store holds a replica: the tenant's CRM or one employee's mailbox.</summary>
public enum StoreKind
{
    /// <summary>The CRM (appointments and visits).</summary>
    Crm,

    /// <summary>An employee's mailbox (Exchange or Google).</summary>
    Mailbox,
}

/// <summary>
/// One store: the CRM, or the mailbox of one employee (named by the employee's id). Immutable and thread-safe.
/// </summary>
/// <param name="Kind">CRM or mailbox.</param>
/// <param name="MailboxId">The employee whose mailbox this is; empty for the CRM.</param>
public readonly record struct StoreId(StoreKind Kind, string MailboxId)
{
    /// <summary>The tenant's CRM.</summary>
    public static StoreId Crm { get; } = new(StoreKind.Crm, string.Empty);

    /// <summary>The mailbox of one employee.</summary>
    public static StoreId Mailbox(string employeeId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(employeeId);
        return new(StoreKind.Mailbox, employeeId);
    }

    /// <inheritdoc />
    public override string ToString() => Kind == StoreKind.Crm ? "crm" : $"mailbox:{MailboxId}";
}

/// <summary>
/// One store's copy of a meeting: its own id (Graph event id, Google event id, CRM ObjectID) and the
/// version that store last reported (change key, ETag). Immutable and thread-safe.
/// </summary>
/// <param name="Store">The store holding the replica.</param>
/// <param name="Id">The store's id for it.</param>
/// <param name="Version">The store's version for it (change key, ETag); compared for equality only.</param>
public sealed record ReplicaRef(StoreId Store, string Id, string Version);
