using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>How a CRM write ended.</summary>
public enum CrmWriteStatus
{
    /// <summary>Written; <see cref="CrmWriteResult.Write"/> holds the record as it now stands.</summary>
    Written,

    /// <summary>Deleted (or already gone).</summary>
    Deleted,

    /// <summary>
    /// Someone changed (or deleted) the record since the version the decision was taken on (412, or 404 on an
    /// update): nothing was written; <see cref="CrmWriteResult.Current"/> is the record as it now stands, or null
    /// when it is gone. The caller decides again.
    /// </summary>
    VersionConflict,
}

/// <summary>The outcome of a CRM write. Immutable.</summary>
/// <param name="Status">Written, deleted, or a version conflict.</param>
/// <param name="Write">The written record (status Written).</param>
/// <param name="Current">On a version conflict, the record as it now stands (null when deleted meanwhile).</param>
public sealed record CrmWriteResult(CrmWriteStatus Status, CrmWrite? Write, CrmRecord? Current)
{
    /// <summary>Whether the caller must decide again.</summary>
    public bool IsVersionConflict => Status == CrmWriteStatus.VersionConflict;

    internal static CrmWriteResult Written(CrmRecord record) => new(CrmWriteStatus.Written, new CrmWrite(record), record);

    internal static CrmWriteResult Conflict(CrmRecord? current) => new(CrmWriteStatus.VersionConflict, null, current);

    internal static CrmWriteResult Gone { get; } = new(CrmWriteStatus.Deleted, null, null);
}
