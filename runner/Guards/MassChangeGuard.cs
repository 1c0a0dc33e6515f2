using System.Globalization;
using RulesSync.Engine.Decisions;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Guards;

/// <summary>
/// The mass-change guard of one cycle: counts the destructive effects (delete or cancel, CRM or mailbox) each
/// mailbox and the whole tenant would apply, and holds every one beyond a limit — a count, or a share of the
/// meetings known (checked from <see cref="GuardOptions.ShareMinimumMeetings"/> on). The count includes held effects,
/// so once a mailbox trips the guard the rest of its destructive effects in the cycle are held too. One instance per
/// cycle; thread-safe (mailboxes sync in parallel).
/// </summary>
internal sealed class MassChangeGuard(GuardOptions options, int tenantMeetings)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (int Meetings, int Count)> mailboxes = new(StringComparer.Ordinal);
    private int tenantCount;

    /// <summary>Registers a mailbox's meeting count (from its state at the start of its sync).</summary>
    public void Begin(string mailbox, int meetings)
    {
        lock (gate)
        {
            mailboxes[mailbox] = (meetings, mailboxes.TryGetValue(mailbox, out var m) ? m.Count : 0);
        }
    }

    /// <summary>Null when <paramref name="effect"/> may run; otherwise why it is held.</summary>
    public string? Check(string mailbox, Effect effect)
    {
        if (!EffectCodec.IsDestructive(effect))
        {
            return null;
        }

        lock (gate)
        {
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
