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
    DateTimeOffset? ReviewedAt,
    MeetingLabel? Meeting = null,
    string? HeldBy = null);

/// <summary>A meeting as people know it: subject, start and organizer (from the sync state), and its UID for the journal.</summary>
internal sealed record MeetingLabel(string Uid, string Subject, DateTimeOffset? Start, string? Organizer)
{
    /// <summary>E.g. <c>"Account review 2", Wed 2026-12-09 10:00 UTC, organizer alice@contoso.example</c>; the UID alone when the state does not know the meeting.</summary>
    public override string ToString() => Start is { } start
        ? $"\"{Subject}\", {start.UtcDateTime.ToString("ddd yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC, organizer {Organizer ?? "unknown"}"
        : $"meeting {Uid}";
}

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
    IReadOnlyList<EffectView> Effects,
    string Cause = "",
    string CauseDetail = "");

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
    CrmOutage? CrmOutage = null,
    IReadOnlyList<string>? CrmQuarantine = null);

/// <summary>The CRM could not be polled: since when, how many cycles were skipped, and the last error in plain words. Every mailbox waits.</summary>
internal sealed record CrmOutage(DateTimeOffset Since, int FailedPolls, string Error);

/// <summary>A change the shadow rule set decided differently.</summary>
internal sealed record ShadowDiffView(DateTimeOffset At, string Mailbox, string MeetingKey, string Change, string Facts, string Live, string Candidate, string LiveHash, string CandidateHash);

/// <summary>
/// The read side of the state file: everything <c>rulesync status|journal|held</c> print and the dashboard
/// (issue 6) shows, as immutable records. Reads only; safe while <c>rulesync run</c> writes (shared mode).
/// </summary>
internal sealed class StateQueries(IStateStore store)
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

    /// <summary>Effects held for review (oldest first), with the rule that decided them and the meeting by subject, time and organizer.</summary>
    public IReadOnlyList<EffectView> HeldEffects()
    {
        var states = new Dictionary<string, MailboxSyncState>(StringComparer.Ordinal);
        return [.. store.Effects(EffectStatus.Held).Select(e => View(e) with { Meeting = Meeting(states, e.Mailbox, e.MeetingKey) })];
    }

    /// <summary>
    /// A meeting's subject, start and organizer as the sync state knows them: first from <paramref name="mailbox"/>'s
    /// own state, then from any other mailbox's; just the UID when no state knows it. <paramref name="states"/> caches
    /// the states read during one query.
    /// </summary>
    internal MeetingLabel Meeting(Dictionary<string, MailboxSyncState> states, string? mailbox, string meetingKey)
    {
        var order = mailbox is null ? store.Mailboxes().Select(m => m.Id) : new[] { mailbox }.Concat(store.Mailboxes().Select(m => m.Id).Where(id => id != mailbox));
        foreach (var id in order)
        {
            if (!states.TryGetValue(id, out var state))
            {
                state = store.SyncState(id);
                states[id] = state;
            }

            foreach (var (_, snap) in state.Events)
            {
                if (snap.Item.Uid.Value == meetingKey && snap.Item.Subject.Length > 0)
                {
                    return new MeetingLabel(meetingKey, snap.Item.Subject, snap.Item.Start, snap.Item.Organizer);
                }
            }

            foreach (var (objectId, snap) in state.Records)
            {
                if (snap.Latest.Uid?.Value == meetingKey || ReconciliationStep.RecordKey(objectId) == meetingKey)
                {
                    return new MeetingLabel(meetingKey, snap.Latest.Subject, snap.Latest.Start, snap.Latest.Organizer);
                }
            }
        }

        return new MeetingLabel(meetingKey, meetingKey, null, null);
    }

    /// <summary>One effect by its idempotency key.</summary>
    public EffectView? Effect(string key) => store.Effect(key) is { } row ? View(row) : null;

    /// <summary>A meeting's decision history (oldest first), each decision with its effects as they now stand.</summary>
    public IReadOnlyList<DecisionView> MeetingHistory(string meetingKey)
    {
        var effects = store.EffectsOfMeeting(meetingKey).ToDictionary(e => e.Id, StringComparer.Ordinal);
        return [.. store.DecisionsOfMeeting(meetingKey).Select(d => View(d, effects))];
    }

    /// <summary>The key under which <see cref="DecisionsPerAction"/> counts decisions whose effects the guard held.</summary>
    public const string HeldAction = "held";

    /// <summary>
    /// Decisions per action (lower case, as journaled) in buckets of <paramref name="bucket"/> from <paramref name="from"/>
    /// to <paramref name="to"/>. A decision the mass-change guard held an effect of (held still, or since approved or
    /// discarded) counts under <see cref="HeldAction"/> instead of its action, so the counts add up to the decisions.
    /// </summary>
    public IReadOnlyList<DecisionBucket> DecisionsPerAction(DateTimeOffset from, DateTimeOffset to, TimeSpan bucket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        var start = from.ToUnixTimeMilliseconds();
        var size = (long)bucket.TotalMilliseconds;
        var rows = store.Decisions(start, to.ToUnixTimeMilliseconds());
        var held = new[] { EffectStatus.Held, EffectStatus.Approved, EffectStatus.Discarded, EffectStatus.Applied, EffectStatus.Failed }
            .SelectMany(s => store.Effects(s))
            .Where(e => e.Status is EffectStatus.Held or EffectStatus.Approved or EffectStatus.Discarded || e.ReviewedBy is not null)
            .Select(e => e.Id)
            .ToHashSet(StringComparer.Ordinal);
        var buckets = new List<DecisionBucket>();
        for (var b = start; b < to.ToUnixTimeMilliseconds(); b += size)
        {
            var end = b + size;
            var counts = rows.Where(d => d.At >= b && d.At < end)
                .GroupBy(d => d.Effects.Any(held.Contains) ? HeldAction : d.Action.ToLowerInvariant())
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
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
            t.KillSwitch, t.KillSwitchBy, t.KillSwitchReason, t.Cycles, Time(t.LastCycleAt),
            t.CrmError is null ? null : new CrmOutage(Time(t.CrmErrorSince) ?? DateTimeOffset.UnixEpoch, t.CrmFailedPolls, t.CrmError),
            t.CrmQuarantine);
    }

    /// <summary>The latest shadow differences (newest first).</summary>
    public IReadOnlyList<ShadowDiffView> ShadowDiffs(int limit = 100) =>
        [.. store.Shadow(limit).Select(s => new ShadowDiffView(
            DateTimeOffset.FromUnixTimeMilliseconds(s.At), s.Mailbox, s.MeetingKey, s.ChangeId, s.Facts, s.Live, s.Candidate, s.LiveRuleSetHash, s.CandidateRuleSetHash))];

    internal static EffectView View(EffectRow e) => new(
        e.IdempotencyKey, e.Mailbox, e.MeetingKey, e.Kind, e.Description, e.Destructive, e.Status, e.Detail, e.Rule, e.RuleSetHash,
        DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(e.UpdatedAt), e.ReviewedBy, Time(e.ReviewedAt), HeldBy: e.HeldBy);

    private static DecisionView View(DecisionRow d, Dictionary<string, EffectRow> effects) => new(
        d.Id, DateTimeOffset.FromUnixTimeMilliseconds(d.At), d.Mailbox, d.MeetingKey, $"{d.Source} {d.Kind} {d.ReplicaId}", d.Facts,
        $"{d.Action} {d.Target}", d.Rule, d.RuleSetHash, d.Explanation, d.Outcome, d.DryRun,
        [.. d.Effects.Where(effects.ContainsKey).Select(id => View(effects[id]))], d.Cause, d.CauseDetail);

    /// <summary>The meetings a mailbox's state knows: live replicas and records.</summary>
    internal static int Meetings(MailboxSyncState state) => state.MeetingCount();

    private static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}
