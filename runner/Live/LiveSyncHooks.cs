using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Guards;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Live;

/// <summary>
/// The runner's hooks on one mailbox's sync (<see cref="SyncCycle.RunAsync"/>). They never decide; they serialize
/// decisions per meeting across mailboxes, journal each decision (with its change's cause) and its effects before any
/// runs, hold what the intent guard (<see cref="IntentGuard"/>) and the mass-change guard hold, run the shadow rule set on the same facts, refuse any cancellation not decided as one,
/// and save progress after each decision so a crash resumes without duplicates or loss. One instance per mailbox
/// sync attempt; not thread-safe (one sync is one sequential flow).
/// </summary>
internal sealed class LiveSyncHooks(
    string mailbox,
    StateStore store,
    MeetingLocks locks,
    MassChangeGuard guard,
    IDecisionPolicy? shadow,
    bool dryRun,
    SyncAttempt attempt,
    TimeProvider time,
    ILogger? logger = null) : ISyncHooks
{
    private readonly HashSet<string> guardHeld = new(StringComparer.Ordinal);
    private readonly Queue<Effect> inFlight = new();
    private long decisionId;
    private DecisionTelemetry? telemetry;

    /// <summary>Effects the guard held in this sync, as journaled.</summary>
    public List<EffectRow> Held { get; } = [];

    public int Decisions { get; private set; }

    public async ValueTask<IAsyncDisposable?> EnterMeetingAsync(string meetingKey, CancellationToken cancellationToken) =>
        await locks.EnterAsync(meetingKey, cancellationToken).ConfigureAwait(false);

    public ValueTask<ImmutableArray<Effect>> AdmitAsync(SyncDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        AssertCancellationsAreDecided(decision);
        Decisions++;
        telemetry?.End("abandoned");
        telemetry = DecisionTelemetry.Begin(logger, mailbox, decision.Change.MeetingKey, decision.Change.Id, decision.Decision.Action.ToString().ToLowerInvariant(), decision.Decision.Rule);
        var now = Now;
        var facts = decision.Facts;
        var factsText = EffectCodec.Facts(in facts);
        if (shadow is not null)
        {
            var candidate = shadow.Decide(in facts);
            if (candidate.Action != decision.Decision.Action || candidate.Target != decision.Decision.Target)
            {
                store.RecordShadow(new ShadowRow
                {
                    At = now,
                    Mailbox = mailbox,
                    MeetingKey = decision.Change.MeetingKey,
                    ChangeId = decision.Change.Id,
                    Facts = factsText,
                    Live = decision.Decision.ToString(),
                    LiveRuleSetHash = decision.Decision.RuleSetHash,
                    Candidate = candidate.ToString(),
                    CandidateRuleSetHash = candidate.RuleSetHash,
                });
            }
        }

        var cause = IntentCauses.Of(store, decision);
        var planned = new List<Effect>(decision.Effects.Length);
        var rows = new List<EffectRow>(decision.Effects.Length);
        foreach (var effect in decision.Effects)
        {
            // The intent guard first: an effect it holds is no mass change of this cycle.
            var intent = IntentGuard.Check(effect, cause);
            var heldBy = intent ?? (dryRun ? null : guard.Check(mailbox, effect));
            var row = Row(decision, effect, now);
            if (dryRun)
            {
                row.Id = $"dry-run/{now}/{effect.IdempotencyKey}";
                row.Status = EffectStatus.DryRun;
                row.Detail = intent is null ? null : $"would be held: {intent}";
                row.HeldBy = intent is null ? null : HeldByIntent;
                planned.Add(effect);
            }
            else if (heldBy is not null)
            {
                row.Status = EffectStatus.Held;
                row.Detail = heldBy;
                row.HeldBy = intent is null ? HeldByMassChange : HeldByIntent;
                guardHeld.Add(effect.IdempotencyKey);
                planned.Add(new HeldEffect(effect.IdempotencyKey, EffectTraits.Describe(effect), heldBy, Destructive: true));
            }
            else
            {
                planned.Add(effect);
            }

            rows.Add(row);
        }

        var (id, journaled) = store.Journal(
            new DecisionRow
            {
                At = now,
                Mailbox = mailbox,
                MeetingKey = decision.Change.MeetingKey,
                ChangeId = decision.Change.Id,
                Source = decision.Change.Source.ToString().ToLowerInvariant(),
                Kind = decision.Change.Kind.ToString().ToLowerInvariant(),
                ReplicaId = decision.Change.ReplicaId,
                Facts = factsText,
                Action = decision.Decision.Action.ToString().ToLowerInvariant(),
                Target = decision.Decision.Target.ToString().ToLowerInvariant(),
                Rule = decision.Decision.Rule,
                RuleSetHash = decision.Decision.RuleSetHash,
                Explanation = decision.Decision.Explanation,
                Cause = CauseName(cause.Kind),
                CauseDetail = cause.Detail,
                CauseEffect = cause.OwnEffect,
                DryRun = dryRun,
                Outcome = dryRun ? "dry-run" : "planned",
            },
            rows);
        decisionId = id;
        var admitted = ImmutableArray.CreateBuilder<Effect>(planned.Count);
        for (var i = 0; i < journaled.Count; i++)
        {
            var row = journaled[i];
            var effect = planned[i];
            if (row.DecisionId != id && row.Status is EffectStatus.Planned or EffectStatus.Failed or EffectStatus.Applied)
            {
                // Journaled by an earlier attempt that did not finish: the effect may have happened.
                attempt.MarkMaybeDone(row.IdempotencyKey);
            }
            else if (row.DecisionId != id && row.Status is EffectStatus.Held or EffectStatus.Approved or EffectStatus.Discarded && effect is not HeldEffect)
            {
                // Decided again after an interruption, but already in an operator's hands: the review decides.
                guardHeld.Add(row.IdempotencyKey);
                effect = new HeldEffect(row.IdempotencyKey, row.Description, $"already {row.Status.ToString().ToLowerInvariant()} by review", Destructive: true);
            }
            else if (row.Status == EffectStatus.Held && row.DecisionId == id)
            {
                Held.Add(row);
            }

            admitted.Add(effect);
        }

        if (dryRun)
        {
            return ValueTask.FromResult(ImmutableArray<Effect>.Empty);
        }

        inFlight.Clear();
        foreach (var e in admitted)
        {
            inFlight.Enqueue(e);
        }

        CrashPoints.Reach($"journaled decision {id} ({admitted.Count} effects) for {mailbox}, before its effects");

        return ValueTask.FromResult(admitted.ToImmutable());
    }

    public ValueTask EffectAppliedAsync(SyncDecision decision, Effect effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(effect);
        inFlight.TryDequeue(out _);
        CrashPoints.Reach($"effect {effect.IdempotencyKey} ran, before it is marked applied");
        if (!guardHeld.Contains(effect.IdempotencyKey))
        {
            store.MarkEffect(effect.IdempotencyKey, EffectStatus.Applied, Now, effect is HeldEffect h ? $"not carried out: {h.Reason}" : null);
            CrashPoints.Reach($"effect {effect.IdempotencyKey} marked applied");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DecisionSupersededAsync(SyncDecision decision, CrmConflictException conflict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        FailInFlight($"superseded: {conflict.Message}");
        telemetry?.End("superseded");
        store.CompleteDecision(decisionId, "superseded", mailbox, progress: null);
        CrashPoints.Reach($"decision {decisionId} superseded");
        return ValueTask.CompletedTask;
    }

    public ValueTask DecisionCompletedAsync(SyncDecision decision, MailboxSyncState progress, CancellationToken cancellationToken)
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

    /// <summary>
    /// The runner's own check of the engine's guarantee: the only effect that notifies attendees of a cancellation
    /// (<see cref="CancelEvent"/>) comes only from a decided cancel. Anything else stops the sync before the journal.
    /// </summary>
    internal static void AssertCancellationsAreDecided(SyncDecision decision)
    {
        if (decision.Decision.Action != DecisionAction.Cancel && decision.Effects.Any(EffectPlanner.NotifiesCancellation))
        {
            throw new InvalidOperationException(
                $"refusing to notify attendees: decision '{decision.Decision}' about {decision.Change.MeetingKey} is not a cancel but plans a cancellation");
        }
    }

    private void FailInFlight(string detail)
    {
        while (inFlight.TryDequeue(out var e))
        {
            if (!guardHeld.Contains(e.IdempotencyKey))
            {
                store.MarkEffect(e.IdempotencyKey, EffectStatus.Failed, Now, detail);
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

    internal const string HeldByIntent = "intent";

    internal const string HeldByMassChange = "mass-change";
}
