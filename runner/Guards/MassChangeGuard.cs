using System.Globalization;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Guards;

/// <summary>
/// The mass-change guard of one cycle. Before a mailbox's sync carries anything out, the guard is told how many
/// destructive effects (delete or cancel, CRM or mailbox) the sync would make (<see cref="DestructivePlan"/>); if
/// that exceeds a limit — a count, or a share of the mailbox's meetings (checked from
/// <see cref="GuardOptions.ShareMinimumMeetings"/> on), or the tenant's budget for the cycle together with what the
/// mailboxes before it planned — every destructive effect of that sync is held, none goes out. While the sync runs,
/// the effects are counted again as they come (a sync may decide differently from its plan when another mailbox
/// wrote in between), and any beyond a limit is held too. One instance per cycle; thread-safe (mailboxes sync in
/// parallel).
/// </summary>
internal sealed class MassChangeGuard(GuardOptions options, int tenantMeetings)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (int Meetings, int Count)> mailboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> tripped = new(StringComparer.Ordinal);
    private int tenantCount;
    private int tenantPlanned;

    /// <summary>Registers a mailbox's meeting count (from its state at the start of its sync) and what its sync would delete or cancel.</summary>
    public void Begin(string mailbox, int meetings, int plannedDestructive = 0)
    {
        lock (gate)
        {
            mailboxes[mailbox] = (meetings, mailboxes.TryGetValue(mailbox, out var m) ? m.Count : 0);
            tripped.Remove(mailbox);
            if (plannedDestructive <= 0)
            {
                return;
            }

            tenantPlanned += plannedDestructive;
            var why = plannedDestructive > options.MaxDestructivePerMailbox
                ? $"mass-change guard: this cycle would delete or cancel {plannedDestructive} meetings of {mailbox} (limit {options.MaxDestructivePerMailbox} per mailbox)"
                : meetings >= options.ShareMinimumMeetings && plannedDestructive > options.MaxDestructiveSharePerMailbox * meetings
                    ? $"mass-change guard: this cycle would delete or cancel {plannedDestructive} of {mailbox}'s {meetings} meetings (limit {Percent(options.MaxDestructiveSharePerMailbox)})"
                    : tenantPlanned > options.MaxDestructivePerTenant
                        ? $"mass-change guard: this cycle would delete or cancel {tenantPlanned} meetings across the tenant (limit {options.MaxDestructivePerTenant})"
                        : tenantMeetings >= options.ShareMinimumMeetings && tenantPlanned > options.MaxDestructiveSharePerTenant * tenantMeetings
                            ? $"mass-change guard: this cycle would delete or cancel {tenantPlanned} of the tenant's {tenantMeetings} meetings (limit {Percent(options.MaxDestructiveSharePerTenant)})"
                            : null;
            if (why is not null)
            {
                tripped[mailbox] = why;
            }
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
                tenantCount++;
                return planned;
            }

            var (meetings, count) = mailboxes.TryGetValue(mailbox, out var m) ? m : (0, 0);
            count++;
            tenantCount++;
            mailboxes[mailbox] = (meetings, count);
            if (count > options.MaxDestructivePerMailbox)
            {
                return $"mass-change guard: this cycle would delete or cancel {count} meetings of {mailbox} (limit {options.MaxDestructivePerMailbox} per mailbox)";
            }

            if (meetings >= options.ShareMinimumMeetings && count > options.MaxDestructiveSharePerMailbox * meetings)
            {
                return $"mass-change guard: this cycle would delete or cancel {count} of {mailbox}'s {meetings} meetings (limit {Percent(options.MaxDestructiveSharePerMailbox)})";
            }

            if (tenantCount > options.MaxDestructivePerTenant)
            {
                return $"mass-change guard: this cycle would delete or cancel {tenantCount} meetings across the tenant (limit {options.MaxDestructivePerTenant})";
            }

            if (tenantMeetings >= options.ShareMinimumMeetings && tenantCount > options.MaxDestructiveSharePerTenant * tenantMeetings)
            {
                return $"mass-change guard: this cycle would delete or cancel {tenantCount} of the tenant's {tenantMeetings} meetings (limit {Percent(options.MaxDestructiveSharePerTenant)})";
            }

            return null;
        }
    }

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
