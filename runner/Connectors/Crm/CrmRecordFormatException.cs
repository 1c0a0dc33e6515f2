namespace RulesSync.Runner.Connectors.Crm;

/// <summary>
/// A CRM record the configured mapping cannot read: a required field missing, null or of the wrong type, a time
/// zone code nobody can resolve. Names the entity set, the ObjectID and the field; the record is quarantined,
/// never read with a default value.
/// </summary>
public sealed class CrmRecordFormatException : FormatException
{
    /// <summary>Creates the exception for one record and field.</summary>
    public CrmRecordFormatException(string entitySet, string objectId, string field, string problem)
        : base($"{entitySet}('{objectId}'): {field}: {problem}")
    {
        EntitySet = entitySet;
        ObjectId = objectId;
        Field = field;
        Problem = problem;
    }

    /// <summary>Creates the exception.</summary>
    public CrmRecordFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CrmRecordFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CrmRecordFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The entity set the record came from.</summary>
    public string EntitySet { get; } = string.Empty;

    /// <summary>The record's ObjectID (<c>?</c> when it has none).</summary>
    public string ObjectId { get; } = string.Empty;

    /// <summary>The field at fault.</summary>
    public string Field { get; } = string.Empty;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = string.Empty;
}

/// <summary>A record the mapping refused: skipped by the poll, journaled, counted and shown until it reads again. Immutable.</summary>
/// <param name="EntitySet">The entity set.</param>
/// <param name="ObjectId">The record's ObjectID.</param>
/// <param name="Field">The field at fault.</param>
/// <param name="Problem">What is wrong.</param>
public sealed record CrmQuarantinedRecord(string EntitySet, string ObjectId, string Field, string Problem)
{
    /// <summary>One line: set, id, field, problem.</summary>
    public override string ToString() => $"{EntitySet}('{ObjectId}'): {Field}: {Problem}";

    internal static CrmQuarantinedRecord Of(CrmRecordFormatException e) => new(e.EntitySet, e.ObjectId, e.Field, e.Problem);
}
