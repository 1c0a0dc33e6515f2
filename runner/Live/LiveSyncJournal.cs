using Microsoft.Extensions.Logging;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Guards;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Live;

/// <summary>
/// The live runner's journal port (<see cref="ISyncJournal"/>) for one mailbox's sync attempt, over the state file:
/// each admitted decision (with its change's cause, the shadow rule set's different answer, and each effect's verdict)
/// is journaled before any of its effects runs; each effect is marked applied after it ran; the decision completes
/// with the mailbox's progress, so a crash resumes without duplicates or loss. Effects an earlier attempt journaled
/// and may have carried out are handed to the idempotent ports (<see cref="SyncAttempt"/>). Decides nothing: every
/// verdict comes from the engine's admit stage. One instance per mailbox sync attempt; not thread-safe (one sync is
/// one sequential flow).
/// </summary>
internal sealed class LiveSyncJournal(string mailbox, IStateStore store, bool dryRun, SyncAttempt attempt, TimeProvider time, ILogger? logger = null) : ISyncJournal
{
    private DecisionTelemetry? telemetry;
    private readonly HashSet<string> notRun = new(StringComparer.Ordinal);
    private readonly Queue<string> inFlight = new();
    private long decisionId;

    /// <summary>Effects the guards held in this sync, as journaled.</summary>
    public List<EffectRow> Held { get; } = [];

    public int Decisions { get; private set; }

    public OwnWrite? OwnWriteBehind(SyncDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var change = decision.Change;
        return store.OwnRemoval(change.ReplicaId, change.Source == Engine.Changes.ChangeSource.Mailbox ? change.MeetingKey : null, $"{decision.EmployeeId}/{change.Id}/") is { } row
            ? new OwnWrite(row.IdempotencyKey, row.Description)
            : null;
    }

    public string? ReviewOf(string idempotencyKey) =>
        store.Effect(idempotencyKey) is { Status: EffectStatus.Held or EffectStatus.Approved or EffectStatus.Discarded } row
            ? row.Status.ToString().ToLowerInvariant()
            : null;

    public ValueTask RecordAsync(AdmittedDecision decision, IMeetingLease? lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Decisions++;
        var d = decision.Decision;
        // Synchronous on purpose: the decision's span and meeting scope stay current while its effects run.
        telemetry?.End("abandoned");
        telemetry = DecisionTelemetry.Begin(logger, mailbox, d.Change.MeetingKey, d.Change.Id, d.Decision.Action.ToString().ToLowerInvariant(), d.Decision.Rule);
        var now = Now;
        var facts = d.Facts;
        var factsText = EffectCodec.Facts(in facts);
        if (decision.Shadow is { } candidate)
        {
            store.RecordShadow(new ShadowRow
            {
                At = now,
                Mailbox = mailbox,
                MeetingKey = d.Change.MeetingKey,
                ChangeId = d.Change.Id,
                Facts = factsText,
                Live = d.Decision.ToString(),
                LiveRuleSetHash = d.Decision.RuleSetHash,
                Candidate = candidate.ToString(),
                CandidateRuleSetHash = candidate.RuleSetHash,
            });
        }

        var rows = new List<EffectRow>(decision.Effects.Length);
        foreach (var admitted in decision.Effects)
        {
            var row = Row(d, admitted.Planned, now);
            switch (admitted.Verdict)
            {
                case AdmissionVerdict.DryRun:
                    row.Id = $"dry-run/{now}/{admitted.Planned.IdempotencyKey}";
                    row.Status = EffectStatus.DryRun;
                    row.Detail = admitted.Reason is null ? null : $"would be held: {admitted.Reason}";
                    row.HeldBy = admitted.Reason is null ? null : HeldByIntent;
                    break;
                case AdmissionVerdict.HeldByIntent or AdmissionVerdict.HeldByMassChange:
                    row.Status = EffectStatus.Held;
                    row.Detail = admitted.Reason;
                    row.HeldBy = admitted.Verdict == AdmissionVerdict.HeldByIntent ? HeldByIntent : HeldByMassChange;
                    break;
            }

            if (admitted.Verdict != AdmissionVerdict.Run)
            {
                notRun.Add(admitted.Planned.IdempotencyKey);
            }

            rows.Add(row);
        }

        var cause = decision.Cause;
        var (id, journaled) = store.Journal(
            new DecisionRow
            {
                At = now,
                Mailbox = mailbox,
                MeetingKey = d.Change.MeetingKey,
                ChangeId = d.Change.Id,
                Source = d.Change.Source.ToString().ToLowerInvariant(),
                Kind = d.Change.Kind.ToString().ToLowerInvariant(),
                ReplicaId = d.Change.ReplicaId,
                Facts = factsText,
                Action = d.Decision.Action.ToString().ToLowerInvariant(),
                Target = d.Decision.Target.ToString().ToLowerInvariant(),
                Rule = d.Decision.Rule,
                RuleSetHash = d.Decision.RuleSetHash,
                Explanation = d.Decision.Explanation,
                Cause = CauseName(cause.Kind),
                CauseDetail = cause.Detail,
                CauseEffect = cause.OwnEffect,
                DryRun = dryRun,
                Outcome = dryRun ? "dry-run" : "planned",
                MeetingFence = lease is { FencingToken: > 0 and var token } ? token : null,
            },
            rows);
        decisionId = id;
        foreach (var row in journaled)
        {
            if (row.DecisionId != id && row.Status is EffectStatus.Planned or EffectStatus.Failed or EffectStatus.Applied)
            {
                // Journaled by an earlier attempt that did not finish: the effect may have happened.
                attempt.MarkMaybeDone(row.IdempotencyKey);
            }
            else if (row.Status == EffectStatus.Held && row.DecisionId == id)
            {
                Held.Add(row);
            }
        }

        if (!dryRun)
        {
            inFlight.Clear();
            foreach (var e in decision.Effects)
            {
                inFlight.Enqueue(e.Planned.IdempotencyKey);
            }

            CrashPoints.Reach($"journaled decision {id} ({decision.Effects.Length} effects) for {mailbox}, before its effects");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CarriedOutAsync(AdmittedDecision decision, AdmittedEffect effect, CancellationToken cancellationToken)
    {
        var key = effect.Planned.IdempotencyKey;
        inFlight.TryDequeue(out _);
        CrashPoints.Reach($"effect {key} ran, before it is marked applied");
        if (!notRun.Contains(key))
        {
            store.MarkEffect(key, EffectStatus.Applied, Now, effect.Planned is HeldEffect h ? $"not carried out: {h.Reason}" : null);
            CrashPoints.Reach($"effect {key} marked applied");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SupersededAsync(AdmittedDecision decision, CrmConflictException conflict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        FailInFlight($"{Superseded}{conflict.Message}");
        telemetry?.End("superseded");
        store.CompleteDecision(decisionId, "superseded", mailbox, progress: null);
        CrashPoints.Reach($"decision {decisionId} superseded");
        return ValueTask.CompletedTask;
    }

    public ValueTask CompletedAsync(AdmittedDecision decision, MailboxSyncState progress, CancellationToken cancellationToken)
    {
        telemetry?.End(dryRun ? "dry-run" : "completed");
        if (!dryRun)
        {
            store.CompleteDecision(decisionId, "completed", mailbox, progress);
            CrashPoints.Reach($"decision {decisionId} completed, progress of {mailbox} saved");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The sync failed: the effects of the decision in flight did not (all) run; they are decided again next time.</summary>
    public void Failed(Exception error)
    {
        telemetry?.End("failed");
        if (inFlight.Count > 0)
        {
            FailInFlight(MailboxBreaker.PlainWords(error));
            store.CompleteDecision(decisionId, "failed", mailbox, progress: null);
        }
    }

    private void FailInFlight(string detail)
    {
        while (inFlight.TryDequeue(out var key))
        {
            if (!notRun.Contains(key))
            {
                store.MarkEffect(key, EffectStatus.Failed, Now, detail);
            }
        }
    }

    private EffectRow Row(SyncDecision decision, Effect effect, long now) => new()
    {
        Id = effect.IdempotencyKey,
        IdempotencyKey = effect.IdempotencyKey,
        Mailbox = mailbox,
        MeetingKey = decision.Change.MeetingKey,
        Rule = decision.Decision.Rule,
        RuleSetHash = decision.Decision.RuleSetHash,
        Kind = EffectCodec.Kind(effect),
        Replica = EffectTraits.Replica(effect),
        Description = EffectTraits.Describe(effect),
        Destructive = EffectTraits.IsDestructive(effect) || effect is HeldEffect { Destructive: true },
        Payload = EffectCodec.Encode(effect),
        Status = EffectStatus.Planned,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The journal's name of a cause: <c>person</c>, <c>own-effect</c> or <c>no-act</c>.</summary>
    internal static string CauseName(CauseKind kind) => kind switch
    {
        CauseKind.PersonsAct => "person",
        CauseKind.OwnEffect => "own-effect",
        _ => "no-act",
    };

    /// <summary>How the detail of an effect superseded before it ran begins (the CRM record changed; decided again).</summary>
    internal const string Superseded = "superseded: ";

    internal const string HeldByIntent = "intent";

    internal const string HeldByMassChange = "mass-change";
}
