using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Guards;

/// <summary>
/// The mass-change budget of one cycle (<see cref="IAdmissionBudget"/>): it only keeps the counts; the limits'
/// arithmetic is the engine's (<see cref="GuardLimits.Exceeded"/>). Before a mailbox's sync carries anything out, its
/// whole plan's destructive effects (delete or cancel, CRM or mailbox) are reserved (<see cref="Begin"/>); if that
/// exceeds a limit — a count, or a share of the mailbox's meetings (from <see cref="GuardOptions.ShareMinimumMeetings"/>
/// on), or the tenant's budget for the cycle together with what the mailboxes before it planned — every destructive
/// effect of that sync is held, none goes out. While the sync runs, the effects are counted again as they come (a
/// sync may decide differently from its plan when its own writes change a meeting, or another mailbox wrote in
/// between), and any beyond a limit is held too. One instance per cycle; thread-safe (mailboxes sync in parallel).
/// The tenant's counts live in <paramref name="tenant"/>: in this process by default (every mailbox of the cycle syncs
/// here), or in the cluster database when a tenant's mailboxes sync on several silos (each silo's guard then sees the
/// others' counts, <see cref="Cluster.ClusterBudget"/>).
/// </summary>
internal sealed class MassChangeGuard(GuardOptions options, int tenantMeetings, ITenantBudgetCounts? tenant = null) : IAdmissionBudget
{
    private readonly GuardLimits limits = Limits(options);
    private readonly Lock gate = new();
    private readonly Dictionary<string, (int Meetings, int Count)> mailboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> tripped = new(StringComparer.Ordinal);
    private readonly ITenantBudgetCounts counts = tenant ?? new LocalBudgetCounts();

    /// <summary>The engine's limits for the runner's <c>guards:</c> options.</summary>
    public static GuardLimits Limits(GuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new GuardLimits(
            options.MaxDestructivePerMailbox, options.MaxDestructiveSharePerMailbox, options.MaxDestructivePerTenant, options.MaxDestructiveSharePerTenant, options.ShareMinimumMeetings);
    }

    /// <summary>Registers a mailbox's meeting count (from its state at the start of its sync) and what its sync would delete or cancel; returns why it is held, or null.</summary>
    public string? Begin(string mailbox, int meetings, int plannedDestructive = 0)
    {
        lock (gate)
        {
            mailboxes[mailbox] = (meetings, mailboxes.TryGetValue(mailbox, out var m) ? m.Count : 0);
            tripped.Remove(mailbox);
            if (plannedDestructive <= 0)
            {
                return null;
            }

            var tenantPlanned = counts.AddPlanned(plannedDestructive);
            var why = limits.Exceeded(mailbox, plannedDestructive, meetings, tenantPlanned, tenantMeetings);
            if (why is not null)
            {
                tripped[mailbox] = why;
            }

            return why;
        }
    }

    /// <summary>Null when <paramref name="effect"/> may run; otherwise why it is held.</summary>
    public string? Check(string mailbox, Effect effect)
    {
        if (!EffectTraits.IsDestructive(effect))
        {
            return null;
        }

        lock (gate)
        {
            if (tripped.TryGetValue(mailbox, out var planned))
            {
                counts.AddTaken();
                return planned;
            }

            var (meetings, count) = mailboxes.TryGetValue(mailbox, out var m) ? m : (0, 0);
            count++;
            var tenantCount = counts.AddTaken();
            mailboxes[mailbox] = (meetings, count);
            return limits.Exceeded(mailbox, count, meetings, tenantCount, tenantMeetings);
        }
    }

    string? IAdmissionBudget.Reserve(MailboxSyncState state, int plannedDestructive) =>
        Begin(state.EmployeeId, StateQueries.Meetings(state), plannedDestructive);

    string? IAdmissionBudget.Take(string mailbox, Effect effect) => Check(mailbox, effect);
}

/// <summary>
/// The tenant's side of a cycle's mass-change budget: destructive effects planned (reserved before a sync) and taken
/// (counted as they come) by every mailbox of the cycle so far. Each call adds and returns the new total atomically.
/// </summary>
internal interface ITenantBudgetCounts
{
    /// <summary>Adds <paramref name="count"/> planned destructive effects; returns the tenant's planned total this cycle.</summary>
    int AddPlanned(int count);

    /// <summary>Adds one destructive effect taken; returns the tenant's total taken this cycle.</summary>
    int AddTaken();
}

/// <summary>The counts in this process (the embedded runner, and a tenant whose mailboxes all sync in one activation).</summary>
internal sealed class LocalBudgetCounts : ITenantBudgetCounts
{
    private int planned;
    private int taken;

    public int AddPlanned(int count) => Interlocked.Add(ref planned, count);

    public int AddTaken() => Interlocked.Increment(ref taken);
}
