namespace RulesSync.Runner.Connectors;

/// <summary>The event ids the connectors log under, so operators (and tests) can filter on them.</summary>
public static class ConnectorLogEvents
{
    /// <summary>An attempt failed and another is scheduled; the message names the delay.</summary>
    public const int RetryScheduled = 1001;

    /// <summary>An operation failed for good.</summary>
    public const int GaveUp = 1002;

    /// <summary>A sync cursor was refused by the provider (410); a full resync follows.</summary>
    public const int FullResync = 1003;

    /// <summary>A connector was configured (which auth, which endpoint; never a secret).</summary>
    public const int Configured = 1004;

    /// <summary>A create found what an earlier create with the same idempotency key made, and returned it.</summary>
    public const int AlreadyCreated = 1005;

    /// <summary>The CRM's metadata lacks an optional field of the mapping (the meeting UID): the connector reads on without it.</summary>
    public const int CrmMappingDegraded = 1011;

    /// <summary>A CRM record the mapping refused was quarantined (skipped; the rest of the poll goes on).</summary>
    public const int CrmRecordQuarantined = 1012;

    /// <summary>The sync window moved past a Graph delta round's fixed window: a new round (a full listing of the new window) follows.</summary>
    public const int DeltaRoundRestarted = 1006;
}
