using System.Buffers.Binary;

namespace RulesSync.Runner.State;

// The documents of the state file (LiteDB collections). Plain mutable classes because LiteDB's mapper binds them;
// nothing outside runner/State writes them: the runner goes through StateStore, readers through StateQueries.
// Times are Unix milliseconds (UTC), so no DateTime kind is ever reinterpreted by the mapper.

/// <summary>A mailbox's lifecycle in the runner.</summary>
internal enum MailboxStatus
{
    /// <summary>Synced every cycle.</summary>
    Active,

    /// <summary>The last cycle failed; retried after a backoff.</summary>
    Failing,

    /// <summary>Not synced until an operator resumes it; its cursors and links are kept.</summary>
    Suspended,
}

/// <summary>Where an effect of the journal stands (the dashboard's API shows it as is, camelCase).</summary>
public enum EffectStatus
{
    /// <summary>Journaled; about to run (or interrupted: it may or may not have happened).</summary>
    Planned,

    /// <summary>Carried out (or, for an effect the planner itself held, deliberately nothing).</summary>
    Applied,

    /// <summary>Held by the mass-change guard for review.</summary>
    Held,

    /// <summary>Approved by an operator; carried out by the runner at its next cycle.</summary>
    Approved,

    /// <summary>Dropped by an operator.</summary>
    Discarded,

    /// <summary>Carrying it out failed; the change is decided again next cycle.</summary>
    Failed,

    /// <summary>Decided in a dry run: journaled, never carried out.</summary>
    DryRun,
}

/// <summary>One mailbox: status, health, and its engine sync state (cursors, watermark, snapshots, links).</summary>
internal sealed class MailboxRow
{
    public string Id { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public MailboxStatus Status { get; set; }

    public string? SuspendedBy { get; set; }

    public string? SuspendedReason { get; set; }

    public long? SuspendedAt { get; set; }

    public int ConsecutiveFailures { get; set; }

    /// <summary>While failing: not retried before this time.</summary>
    public long? NextAttemptAt { get; set; }

    public long? LastSyncAt { get; set; }

    public string? LastError { get; set; }

    public long? LastErrorAt { get; set; }

    /// <summary>The most recent sync latencies (oldest first), at most <see cref="StateStore.LatencySamples"/>; add with <see cref="AddLatency"/>.</summary>
    [LiteDB.BsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<LatencySample> Latencies
    {
        get
        {
            var samples = new List<LatencySample>((LegacyLatencies?.Count ?? 0) + ((LatencyLog?.Length ?? 0) / LatencyBytes));
            samples.AddRange(LegacyLatencies ?? []);
            for (var at = 0; at + LatencyBytes <= (LatencyLog?.Length ?? 0); at += LatencyBytes)
            {
                samples.Add(new LatencySample
                {
                    At = BinaryPrimitives.ReadInt64LittleEndian(LatencyLog.AsSpan(at)),
                    Milliseconds = BinaryPrimitives.ReadInt64LittleEndian(LatencyLog.AsSpan(at + 8)),
                });
            }

            return samples;
        }
    }

    /// <summary>
    /// The latencies as one binary value, 16 bytes a sample (time, then milliseconds; little-endian longs), oldest
    /// first: the row is read and written every cycle, and a document per sample cost more than the rest of it.
    /// </summary>
    public byte[]? LatencyLog { get; set; }

    /// <summary>Latencies as state files written before <see cref="LatencyLog"/> kept them (a document per sample); moved there by the next <see cref="AddLatency"/>.</summary>
    [LiteDB.BsonField("Latencies")]
    [System.Text.Json.Serialization.JsonPropertyName("Latencies")]
    public List<LatencySample>? LegacyLatencies { get; set; }

    /// <summary>Adds a sample, keeping the latest <paramref name="keep"/>.</summary>
    public void AddLatency(long at, long milliseconds, int keep)
    {
        if (LegacyLatencies is { Count: > 0 } legacy)
        {
            // Moved into the binary log first, oldest first, then the new sample after them.
            byte[]? moved = null;
            foreach (var sample in legacy)
            {
                moved = LatencyLogs.Append(moved, sample.At, sample.Milliseconds, keep);
            }

            LatencyLog = LatencyLogs.Append(LatencyLogs.Append(moved, [.. LatencyLog ?? []], keep), at, milliseconds, keep);
        }
        else
        {
            LatencyLog = LatencyLogs.Append(LatencyLog, at, milliseconds, keep);
        }

        LegacyLatencies = null;
    }

    private const int LatencyBytes = LatencyLogs.SampleBytes;

    /// <summary>The engine's <c>MailboxSyncState</c> as <c>SyncStateJson</c>; null before the first sync.</summary>
    public string? SyncState { get; set; }
}

/// <summary>
/// A latency log as one binary value, <see cref="SampleBytes"/> a sample (time, then milliseconds; little-endian
/// longs), oldest first; appended to without decoding it.
/// </summary>
internal static class LatencyLogs
{
    public const int SampleBytes = 16;

    /// <summary>A new log: <paramref name="log"/> (may be null) with the sample appended, keeping the latest <paramref name="keep"/>.</summary>
    public static byte[] Append(byte[]? log, long at, long milliseconds, int keep)
    {
        Span<byte> sample = stackalloc byte[SampleBytes];
        BinaryPrimitives.WriteInt64LittleEndian(sample, at);
        BinaryPrimitives.WriteInt64LittleEndian(sample[8..], milliseconds);
        return Append(log, sample, keep);
    }

    /// <summary>A new log: <paramref name="log"/> with whole samples (<paramref name="samples"/>, oldest first) appended, keeping the latest <paramref name="keep"/>.</summary>
    public static byte[] Append(byte[]? log, ReadOnlySpan<byte> samples, int keep)
    {
        var old = (log ?? []).AsSpan(0, ((log?.Length ?? 0) / SampleBytes) * SampleBytes);
        var total = Math.Min((old.Length + samples.Length) / SampleBytes, keep) * SampleBytes;
        var result = new byte[total];
        var fromNew = Math.Min(samples.Length, total);
        var fromOld = total - fromNew;
        old[(old.Length - fromOld)..].CopyTo(result);
        samples[(samples.Length - fromNew)..].CopyTo(result.AsSpan(fromOld));
        return result;
    }
}

/// <summary>One sync's duration.</summary>
internal sealed class LatencySample
{
    public long At { get; set; }

    public long Milliseconds { get; set; }
}

/// <summary>The tenant's single row: kill switch and rule set in force.</summary>
internal sealed class TenantRow
{
    public const string SingleId = "tenant";

    public string Id { get; set; } = SingleId;

    public string? Tenant { get; set; }

    public bool KillSwitch { get; set; }

    public string? KillSwitchBy { get; set; }

    public string? KillSwitchReason { get; set; }

    public long? KillSwitchAt { get; set; }

    public string? RuleSource { get; set; }

    public string? RuleSetName { get; set; }

    public string? RuleSetHash { get; set; }

    public long? RulesLoadedAt { get; set; }

    public string? ShadowRuleSetHash { get; set; }

    public string? LastReloadError { get; set; }

    public long? LastReloadErrorAt { get; set; }

    public long Cycles { get; set; }

    public long? LastCycleAt { get; set; }

    /// <summary>The CRM poll's error in plain words while the CRM is unreachable (every mailbox waits); null when the last poll worked.</summary>
    public string? CrmError { get; set; }

    /// <summary>When the current CRM outage began (the first failed poll).</summary>
    public long? CrmErrorSince { get; set; }

    /// <summary>Cycles skipped since the outage began.</summary>
    public int CrmFailedPolls { get; set; }

    /// <summary>The CRM records quarantined as of the last poll ("Set('id'): field: problem"), and when they last changed.</summary>
    public List<string> CrmQuarantine { get; set; } = [];

    public long? CrmQuarantineAt { get; set; }

    /// <summary>
    /// Cluster mode: the rule set's hash operators put in force for the tenant (adopted by the first silo to run it,
    /// then only by <c>rulesync adopt-rules</c>); a silo whose rule files hash differently refuses to run the tenant.
    /// </summary>
    public string? RuleSetInForce { get; set; }

    /// <summary>Who put <see cref="RuleSetInForce"/> in force, and when.</summary>
    public string? RuleSetInForceBy { get; set; }

    public long? RuleSetInForceAt { get; set; }

    /// <summary>
    /// Cluster mode: the SHA-256 (hex) of the tenant's operator token, recorded by the silos that serve it, so operator
    /// commands against the cluster database apply the dashboard's token rules without the tenant's config. Null: no
    /// token, operators may only read.
    /// </summary>
    public string? OperatorTokenHash { get; set; }
}

/// <summary>One decision of the journal: the change, its facts, the decision and where it came from.</summary>
internal sealed class DecisionRow
{
    public long Id { get; set; }

    public long At { get; set; }

    public string Mailbox { get; set; } = string.Empty;

    public string MeetingKey { get; set; } = string.Empty;

    public string ChangeId { get; set; } = string.Empty;

    public string Source { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public string ReplicaId { get; set; } = string.Empty;

    /// <summary>The facts the rules saw, as <c>name=value</c> pairs.</summary>
    public string Facts { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    public string Rule { get; set; } = string.Empty;

    public string RuleSetHash { get; set; } = string.Empty;

    public string Explanation { get; set; } = string.Empty;

    /// <summary>Whose act the change was (<see cref="RulesSync.Engine.Sync.CauseKind"/>, lower case); empty in journals written before the intent guard.</summary>
    public string Cause { get; set; } = string.Empty;

    /// <summary>What shows the cause, in words.</summary>
    public string CauseDetail { get; set; } = string.Empty;

    /// <summary>Our own write that explains the change, when the cause is one (its idempotency key).</summary>
    public string? CauseEffect { get; set; }

    public bool DryRun { get; set; }

    /// <summary>planned, completed, failed or dry-run.</summary>
    public string Outcome { get; set; } = "planned";

    /// <summary>In cluster mode, the lease token (fencing token) of the activation that journaled it; null in the embedded runner.</summary>
    public long? Fence { get; set; }

    /// <summary>
    /// The fencing token of the meeting's lease the decision was taken under (cluster mode); null where meetings are
    /// serialized in one process. A store refuses to journal a decision whose token is older than the newest it knows
    /// for the meeting.
    /// </summary>
    public long? MeetingFence { get; set; }

    /// <summary>The ids of this decision's effect rows, in execution order.</summary>
    public List<string> Effects { get; set; } = [];
}

/// <summary>One effect of the journal, keyed by its idempotency key (dry-run effects by a key of their own).</summary>
internal sealed class EffectRow
{
    public string Id { get; set; } = string.Empty;

    public string IdempotencyKey { get; set; } = string.Empty;

    public long DecisionId { get; set; }

    public string Mailbox { get; set; } = string.Empty;

    public string MeetingKey { get; set; } = string.Empty;

    public string Rule { get; set; } = string.Empty;

    public string RuleSetHash { get; set; } = string.Empty;

    /// <summary>The effect type (CreateCrmRecord, CancelEvent, ...).</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>The event id or ObjectID the effect writes (<see cref="RulesSync.Engine.Sync.EffectTraits.Replica"/>); null for held effects.</summary>
    public string? Replica { get; set; }

    /// <summary>What it does, in words.</summary>
    public string Description { get; set; } = string.Empty;

    public bool Destructive { get; set; }

    /// <summary>Which guard held the effect for review: <c>intent</c> or <c>mass-change</c>; null when none did.</summary>
    public string? HeldBy { get; set; }

    /// <summary>The effect itself as JSON (EffectCodec), so a held effect can be carried out once approved.</summary>
    public string Payload { get; set; } = string.Empty;

    public EffectStatus Status { get; set; }

    /// <summary>Why held, how it failed, or what an approval/discard said.</summary>
    public string? Detail { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public string? ReviewedBy { get; set; }

    public long? ReviewedAt { get; set; }

    /// <summary>Sets the status (and who reviewed it, for approvals and discards); a null detail keeps the previous one.</summary>
    public void Mark(EffectStatus status, long at, string? detail, string? reviewedBy)
    {
        Status = status;
        UpdatedAt = at;
        Detail = detail ?? Detail;
        if (reviewedBy is not null)
        {
            ReviewedBy = reviewedBy;
            ReviewedAt = at;
        }
    }
}

/// <summary>A change the shadow (candidate) rule set decided differently from the live one.</summary>
internal sealed class ShadowRow
{
    public long Id { get; set; }

    public long At { get; set; }

    public string Mailbox { get; set; } = string.Empty;

    public string MeetingKey { get; set; } = string.Empty;

    public string ChangeId { get; set; } = string.Empty;

    public string Facts { get; set; } = string.Empty;

    public string Live { get; set; } = string.Empty;

    public string LiveRuleSetHash { get; set; } = string.Empty;

    public string Candidate { get; set; } = string.Empty;

    public string CandidateRuleSetHash { get; set; } = string.Empty;
}
