using RulesSync.Engine.Sync;

namespace RulesSync.Runner.State;

/// <summary>A mailbox as operators see it.</summary>
internal sealed record MailboxSummary(
    string Mailbox,
    string Provider,
    MailboxStatus Status,
    string? SuspendedBy,
    string? SuspendedReason,
    DateTimeOffset? SuspendedAt,
    int ConsecutiveFailures,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastSync,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int Meetings,
    int PendingEffects,
    int HeldEffects,
    long? LatencyMedianMs,
    long? LatencyMaxMs);

/// <summary>One effect of the journal, with the decision it came from.</summary>
internal sealed record EffectView(
    string Key,
    string Mailbox,
    string MeetingKey,
    string Kind,
    string Description,
    bool Destructive,
    EffectStatus Status,
    string? Detail,
    string Rule,
    string RuleSetHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ReviewedBy,
    DateTimeOffset? ReviewedAt);

/// <summary>One decision of the journal with its effects.</summary>
internal sealed record DecisionView(
    long Id,
    DateTimeOffset At,
    string Mailbox,
    string MeetingKey,
    string Change,
    string Facts,
    string Decision,
    string Rule,
    string RuleSetHash,
    string Explanation,
    string Outcome,
    bool DryRun,
    IReadOnlyList<EffectView> Effects);

/// <summary>How many decisions of each action were taken in one time bucket.</summary>
internal sealed record DecisionBucket(DateTimeOffset From, IReadOnlyDictionary<string, int> ByAction);

/// <summary>One sync's latency.</summary>
internal sealed record LatencyPoint(DateTimeOffset At, long Milliseconds);

/// <summary>The rule set in force, the shadow candidate, the last reload error, and the kill switch.</summary>
internal sealed record RuleSetInfo(
    string? Tenant,
    string? Source,
    string? Name,
    string? Hash,
    DateTimeOffset? LoadedAt,
    string? ShadowHash,
    string? LastReloadError,
    DateTimeOffset? LastReloadErrorAt,
    bool KillSwitch,
    string? KillSwitchBy,
    string? KillSwitchReason,
    long Cycles,
    DateTimeOffset? LastCycleAt,
    IReadOnlyList<string>? CrmQuarantine = null);

/// <summary>A change the shadow rule set decided differently.</summary>
internal sealed record ShadowDiffView(DateTimeOffset At, string Mailbox, string MeetingKey, string Change, string Facts, string Live, string Candidate, string LiveHash, string CandidateHash);

/// <summary>
/// The read side of the state file: everything <c>rulesync status|journal|held</c> print and the dashboard
/// (issue 6) shows, as immutable records. Reads only; safe while <c>rulesync run</c> writes (shared mode).
/// </summary>
internal sealed class StateQueries(StateStore store)
{
    /// <summary>Every mailbox with its health, pending and held effects, and latency.</summary>
    public IReadOnlyList<MailboxSummary> Mailboxes()
    {
        var pending = store.Effects(EffectStatus.Planned).Concat(store.Effects(EffectStatus.Approved)).Concat(store.Effects(EffectStatus.Failed))
            .GroupBy(e => e.Mailbox).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var held = store.Effects(EffectStatus.Held).GroupBy(e => e.Mailbox).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return [.. store.Mailboxes().Select(m =>
        {
            var samples = m.Latencies.Select(l => l.Milliseconds).Order().ToArray();
            var meetings = m.SyncState is { } json ? Meetings(SyncStateJson.Deserialize(json)) : 0;
            return new MailboxSummary(
                m.Id, m.Provider, m.Status, m.SuspendedBy, m.SuspendedReason, Time(m.SuspendedAt), m.ConsecutiveFailures, Time(m.NextAttemptAt),
                Time(m.LastSyncAt), m.LastError, Time(m.LastErrorAt), meetings, pending.GetValueOrDefault(m.Id), held.GetValueOrDefault(m.Id),
                samples.Length == 0 ? null : samples[samples.Length / 2], samples.Length == 0 ? null : samples[^1]);
        })];
    }

    /// <summary>Effects held for review (oldest first), with the rule that decided them and the meeting.</summary>
    public IReadOnlyList<EffectView> HeldEffects() => [.. store.Effects(EffectStatus.Held).Select(View)];

    /// <summary>One effect by its idempotency key.</summary>
    public EffectView? Effect(string key) => store.Effect(key) is { } row ? View(row) : null;

    /// <summary>A meeting's decision history (oldest first), each decision with its effects as they now stand.</summary>
    public IReadOnlyList<DecisionView> MeetingHistory(string meetingKey)
    {
        var effects = store.EffectsOfMeeting(meetingKey).ToDictionary(e => e.Id, StringComparer.Ordinal);
        return [.. store.DecisionsOfMeeting(meetingKey).Select(d => View(d, effects))];
    }

    /// <summary>Decisions per action in buckets of <paramref name="bucket"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public IReadOnlyList<DecisionBucket> DecisionsPerAction(DateTimeOffset from, DateTimeOffset to, TimeSpan bucket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        var start = from.ToUnixTimeMilliseconds();
        var size = (long)bucket.TotalMilliseconds;
        var rows = store.Decisions(start, to.ToUnixTimeMilliseconds());
        var buckets = new List<DecisionBucket>();
        for (var b = start; b < to.ToUnixTimeMilliseconds(); b += size)
        {
            var end = b + size;
            var counts = rows.Where(d => d.At >= b && d.At < end).GroupBy(d => d.Action)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            buckets.Add(new DecisionBucket(DateTimeOffset.FromUnixTimeMilliseconds(b), counts));
        }

        return buckets;
    }

    /// <summary>The latest sync latencies of a mailbox (oldest first).</summary>
    public IReadOnlyList<LatencyPoint> Latency(string mailbox) =>
        store.Mailbox(mailbox) is { } m ? [.. m.Latencies.Select(l => new LatencyPoint(DateTimeOffset.FromUnixTimeMilliseconds(l.At), l.Milliseconds))] : [];

    /// <summary>The rule set in force and the tenant's switches.</summary>
    public RuleSetInfo RuleSet()
    {
        var t = store.Tenant();
        return new RuleSetInfo(
            t.Tenant, t.RuleSource, t.RuleSetName, t.RuleSetHash, Time(t.RulesLoadedAt), t.ShadowRuleSetHash, t.LastReloadError, Time(t.LastReloadErrorAt),
            t.KillSwitch, t.KillSwitchBy, t.KillSwitchReason, t.Cycles, Time(t.LastCycleAt), t.CrmQuarantine);
    }

    /// <summary>The latest shadow differences (newest first).</summary>
    public IReadOnlyList<ShadowDiffView> ShadowDiffs(int limit = 100) =>
        [.. store.Shadow(limit).Select(s => new ShadowDiffView(
            DateTimeOffset.FromUnixTimeMilliseconds(s.At), s.Mailbox, s.MeetingKey, s.ChangeId, s.Facts, s.Live, s.Candidate, s.LiveRuleSetHash, s.CandidateRuleSetHash))];

    internal static EffectView View(EffectRow e) => new(
        e.IdempotencyKey, e.Mailbox, e.MeetingKey, e.Kind, e.Description, e.Destructive, e.Status, e.Detail, e.Rule, e.RuleSetHash,
        DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(e.UpdatedAt), e.ReviewedBy, Time(e.ReviewedAt));

    private static DecisionView View(DecisionRow d, Dictionary<string, EffectRow> effects) => new(
        d.Id, DateTimeOffset.FromUnixTimeMilliseconds(d.At), d.Mailbox, d.MeetingKey, $"{d.Source} {d.Kind} {d.ReplicaId}", d.Facts,
        $"{d.Action} {d.Target}", d.Rule, d.RuleSetHash, d.Explanation, d.Outcome, d.DryRun,
        [.. d.Effects.Where(effects.ContainsKey).Select(id => View(effects[id]))]);

    /// <summary>The meetings a mailbox's state knows: live replicas and records.</summary>
    internal static int Meetings(MailboxSyncState state) =>
        state.Events.Values.Where(e => !e.Item.Removed).Select(e => e.Item.Uid.Value)
            .Concat(state.Records.Values.Select(r => r.Latest.Uid?.Value ?? "record:" + r.Latest.ObjectId))
            .Distinct(StringComparer.Ordinal).Count();

    private static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}
