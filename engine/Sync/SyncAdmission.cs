using System.Collections.Immutable;
using System.Globalization;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>How the admit stage treated one planned effect.</summary>
public enum AdmissionVerdict : byte
{
    /// <summary>Carried out as planned.</summary>
    Run,

    /// <summary>Held: its change is not a person's act licensing it (<see cref="IntentGuard"/>).</summary>
    HeldByIntent,

    /// <summary>Held: the sync would delete or cancel more than the mass-change budget allows.</summary>
    HeldByMassChange,

    /// <summary>Held: an earlier decision's identical effect is in an operator's hands (held, approved or discarded).</summary>
    InReview,

    /// <summary>Not carried out: a dry run (journaled only).</summary>
    DryRun,
}

/// <summary>One planned effect and what the admit stage made of it. Immutable.</summary>
/// <param name="Planned">The effect as the engine planned it.</param>
/// <param name="Verdict">The admit stage's verdict.</param>
/// <param name="Reason">Why it is not carried out as planned (for dry runs: why it would be held), or null.</param>
public readonly record struct AdmittedEffect(Effect Planned, AdmissionVerdict Verdict, string? Reason)
{
    /// <summary>What carry-out runs: the planned effect, or a <see cref="HeldEffect"/> in its place; null for a dry run.</summary>
    public Effect? ToCarryOut => Verdict switch
    {
        AdmissionVerdict.Run => Planned,
        AdmissionVerdict.DryRun => null,
        _ => new HeldEffect(Planned.IdempotencyKey, EffectTraits.Describe(Planned), Reason ?? string.Empty, Destructive: true),
    };
}

/// <summary>A decision after the admit stage: the cause of its change, each effect's verdict, and the shadow rule set's different answer. Immutable.</summary>
/// <param name="Decision">The decision as planned.</param>
/// <param name="Cause">The cause of its change (the intent guard's input).</param>
/// <param name="Effects">Each planned effect with its verdict, in order.</param>
/// <param name="Shadow">The shadow rule set's decision on the same facts when it differs from the live one; else null.</param>
public sealed record AdmittedDecision(SyncDecision Decision, ChangeCause Cause, ImmutableArray<AdmittedEffect> Effects, Decision? Shadow)
{
    /// <summary>The decision as carried out: each effect replaced by what carry-out runs (none in a dry run).</summary>
    public SyncDecision Taken()
    {
        var run = ImmutableArray.CreateBuilder<Effect>(Effects.Length);
        foreach (var e in Effects)
        {
            if (e.ToCarryOut is { } effect)
            {
                run.Add(effect);
            }
        }

        return Decision with { Effects = run.Count == Decision.Effects.Length && Unchanged() ? Decision.Effects : run.ToImmutable() };
    }

    private bool Unchanged()
    {
        foreach (var e in Effects)
        {
            if (e.Verdict != AdmissionVerdict.Run)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The mass-change guard's limits (the runner's <c>guards:</c> section). Immutable.</summary>
/// <param name="MaxDestructivePerMailbox">Destructive effects one mailbox may apply per cycle.</param>
/// <param name="MaxDestructiveSharePerMailbox">Share of a mailbox's meetings one cycle may delete or cancel.</param>
/// <param name="MaxDestructivePerTenant">Destructive effects the whole tenant may apply per cycle.</param>
/// <param name="MaxDestructiveSharePerTenant">Share of the tenant's meetings one cycle may delete or cancel.</param>
/// <param name="ShareMinimumMeetings">Shares are checked only from this many meetings on.</param>
public sealed record GuardLimits(
    int MaxDestructivePerMailbox,
    double MaxDestructiveSharePerMailbox,
    int MaxDestructivePerTenant,
    double MaxDestructiveSharePerTenant,
    int ShareMinimumMeetings)
{
    /// <summary>The documented defaults (docs/operations.md): 10 and 25% per mailbox, 100 and 10% per tenant, shares from 20 meetings.</summary>
    public static GuardLimits Defaults { get; } = new(10, 0.25, 100, 0.1, 20);

    /// <summary>
    /// Null when <paramref name="mailboxCount"/> destructive effects of <paramref name="mailbox"/> (of its
    /// <paramref name="mailboxMeetings"/> meetings) and <paramref name="tenantCount"/> across the tenant (of its
    /// <paramref name="tenantMeetings"/>) are within the limits; otherwise why not, naming the limit. Pure.
    /// </summary>
    public string? Exceeded(string mailbox, int mailboxCount, int mailboxMeetings, int tenantCount, int tenantMeetings) =>
        mailboxCount > MaxDestructivePerMailbox
            ? $"mass-change guard: this cycle would delete or cancel {mailboxCount} meetings of {mailbox} (limit {MaxDestructivePerMailbox} per mailbox)"
            : mailboxMeetings >= ShareMinimumMeetings && mailboxCount > MaxDestructiveSharePerMailbox * mailboxMeetings
                ? $"mass-change guard: this cycle would delete or cancel {mailboxCount} of {mailbox}'s {mailboxMeetings} meetings (limit {Percent(MaxDestructiveSharePerMailbox)})"
                : tenantCount > MaxDestructivePerTenant
                    ? $"mass-change guard: this cycle would delete or cancel {tenantCount} meetings across the tenant (limit {MaxDestructivePerTenant})"
                    : tenantMeetings >= ShareMinimumMeetings && tenantCount > MaxDestructiveSharePerTenant * tenantMeetings
                        ? $"mass-change guard: this cycle would delete or cancel {tenantCount} of the tenant's {tenantMeetings} meetings (limit {Percent(MaxDestructiveSharePerTenant)})"
                        : null;

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}

/// <summary>
/// The mass-change budget of one cycle, shared by every mailbox's sync in it: the one input of the admit stage that
/// other syncs change. The arithmetic is <see cref="GuardLimits.Exceeded"/>; an implementation only keeps the counts
/// (the runner's <c>MassChangeGuard</c>, under a lock; a cluster's, in a tenant grain).
/// </summary>
public interface IAdmissionBudget
{
    /// <summary>
    /// A mailbox's sync begins: its state at the start and the destructive effects its whole plan would carry out
    /// (after the intent guard). Returns why the sync's destructive effects are all held, or null.
    /// </summary>
    string? Reserve(MailboxSyncState state, int plannedDestructive);

    /// <summary>A destructive effect is about to be carried out (counted as it comes): null when it may, else why it is held.</summary>
    string? Take(string mailbox, Effect effect);
}

/// <summary>
/// The admit stage: from a planned decision, its change's cause, the operator's state (dry run, reviews) and the
/// budget's answer to what is carried out, held (and why) or only journaled. Decides nothing of its own beyond
/// holding: it never adds or alters an effect. Pure but for the budget's counts.
/// </summary>
public static class SyncAdmission
{
    /// <summary>The cause of <paramref name="decision"/>'s change, asking the journal only when a write of ours could explain it.</summary>
    public static ChangeCause CauseOf(SyncDecision decision, ISyncJournal journal)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(journal);
        var ours = IntentGuard.CouldBeOwnEffect(decision.Change) ? journal.OwnWriteBehind(decision) : null;
        var facts = decision.Facts;
        return IntentGuard.CauseOf(decision.Change, in facts, ours);
    }

    /// <summary>The destructive effects of <paramref name="plan"/> the intent guard lets through: what the mass-change budget is asked for.</summary>
    public static int Destructive(SyncPlan plan, ISyncJournal journal)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var n = 0;
        foreach (var d in plan.Decisions)
        {
            ChangeCause? cause = null;
            foreach (var e in d.Effects)
            {
                if (EffectTraits.IsDestructive(e) && IntentGuard.Check(e, cause ??= CauseOf(d, journal)) is null)
                {
                    n++;
                }
            }
        }

        return n;
    }

    /// <summary>
    /// Admits one decision. The intent guard first (an effect it holds is no mass change of this cycle), then the
    /// budget; an effect an earlier decision put in review stays with the review. In a dry run nothing is carried out
    /// and nothing is counted.
    /// </summary>
    public static AdmittedDecision Admit(SyncDecision decision, ChangeCause cause, ISyncJournal journal, IAdmissionBudget? budget, bool dryRun, IDecisionPolicy? shadow)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(journal);
        AssertCancellationsAreDecided(decision);
        Decision? candidate = null;
        if (shadow is not null)
        {
            var facts = decision.Facts;
            var c = shadow.Decide(in facts);
            candidate = c.Action != decision.Decision.Action || c.Target != decision.Decision.Target ? c : null;
        }

        var effects = ImmutableArray.CreateBuilder<AdmittedEffect>(decision.Effects.Length);
        foreach (var effect in decision.Effects)
        {
            var intent = IntentGuard.Check(effect, cause);
            if (dryRun)
            {
                effects.Add(new AdmittedEffect(effect, AdmissionVerdict.DryRun, intent));
                continue;
            }

            var verdict = intent is not null ? new AdmittedEffect(effect, AdmissionVerdict.HeldByIntent, intent)
                : budget?.Take(decision.EmployeeId, effect) is { } mass ? new AdmittedEffect(effect, AdmissionVerdict.HeldByMassChange, mass)
                : new AdmittedEffect(effect, AdmissionVerdict.Run, null);
            if (verdict.Verdict == AdmissionVerdict.Run && effect is not HeldEffect && journal.ReviewOf(effect.IdempotencyKey) is { } review)
            {
                // Decided again after an interruption, but already in an operator's hands: the review decides.
                verdict = new AdmittedEffect(effect, AdmissionVerdict.InReview, $"already {review} by review");
            }

            effects.Add(verdict);
        }

        return new AdmittedDecision(decision, cause, effects.MoveToImmutable(), candidate);
    }

    /// <summary>
    /// A check of the planner's guarantee before anything is journaled: the only effect that notifies attendees of a
    /// cancellation (<see cref="CancelEvent"/>) comes only from a decided cancel. Anything else stops the sync.
    /// </summary>
    public static void AssertCancellationsAreDecided(SyncDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Decision.Action == DecisionAction.Cancel)
        {
            return;
        }

        foreach (var e in decision.Effects)
        {
            if (EffectTraits.NotifiesCancellation(e))
            {
                throw new InvalidOperationException(
                    $"refusing to notify attendees: decision '{decision.Decision}' about {decision.Change.MeetingKey} is not a cancel but plans a cancellation");
            }
        }
    }
}
