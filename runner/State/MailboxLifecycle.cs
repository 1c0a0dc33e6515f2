namespace RulesSync.Runner.State;

/// <summary>
/// The transitions of a mailbox's lifecycle (<see cref="MailboxStatus"/>) and of the tenant's kill switch, defined
/// once: the operator's suspend and resume (runner/Tenant) and the circuit breaker's suspension (runner/Live) apply
/// the same change to the row. A suspended mailbox keeps its cursors and links, so resuming loses nothing.
/// </summary>
internal static class MailboxLifecycle
{
    /// <summary>Marks <paramref name="m"/> suspended by <paramref name="by"/> (an operator, or "circuit breaker").</summary>
    public static void Suspend(MailboxRow m, string by, string reason, long at)
    {
        ArgumentNullException.ThrowIfNull(m);
        m.Status = MailboxStatus.Suspended;
        m.SuspendedBy = by;
        m.SuspendedReason = reason;
        m.SuspendedAt = at;
        m.NextAttemptAt = null;
    }

    /// <summary>Makes <paramref name="m"/> active again with a clean failure count; it continues from its saved state.</summary>
    public static void Resume(MailboxRow m)
    {
        ArgumentNullException.ThrowIfNull(m);
        m.Status = MailboxStatus.Active;
        m.ConsecutiveFailures = 0;
        m.NextAttemptAt = null;
        m.SuspendedBy = null;
        m.SuspendedReason = null;
        m.SuspendedAt = null;
    }

    /// <summary>
    /// A finished sync: its state (as <c>SyncStateJson</c>) and time; the failure count cleared, a failing mailbox active
    /// again. Its latency is the store's to keep (in the row, <see cref="MailboxRow.AddLatency"/>, or apart from it).
    /// </summary>
    public static void Synced(MailboxRow m, string syncState, long at)
    {
        ArgumentNullException.ThrowIfNull(m);
        m.SyncState = syncState;
        m.LastSyncAt = at;
        m.ConsecutiveFailures = 0;
        m.NextAttemptAt = null;
        if (m.Status == MailboxStatus.Failing)
        {
            m.Status = MailboxStatus.Active;
        }
    }

    /// <summary>The detail of an effect settled as interrupted after its mailbox's next whole sync.</summary>
    public const string InterruptedDetail = "interrupted: the runner stopped before confirming this effect; its change was decided again after the restart";

    /// <summary>
    /// After a whole sync of <paramref name="mailbox"/> that began at <paramref name="attemptStarted"/>: an effect of
    /// that mailbox journaled before it and still <c>planned</c> was announced by a process that was killed before
    /// confirming it. Every change since the saved cursor has just been decided again (an effect with the same
    /// idempotency key would have been re-admitted and marked), so it is settled: failed as interrupted, not left
    /// pending forever. True when <paramref name="e"/> was settled.
    /// </summary>
    public static bool SettleInterrupted(EffectRow e, string mailbox, long attemptStarted, long at)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Status != EffectStatus.Planned || e.Mailbox != mailbox || e.CreatedAt >= attemptStarted)
        {
            return false;
        }

        e.Mark(EffectStatus.Failed, at, InterruptedDetail, reviewedBy: null);
        return true;
    }

    /// <summary>Sets or lifts the tenant's kill switch; lifting it leaves individually suspended mailboxes suspended.</summary>
    public static void KillSwitch(TenantRow t, bool on, string by, string reason, long at)
    {
        ArgumentNullException.ThrowIfNull(t);
        t.KillSwitch = on;
        t.KillSwitchBy = on ? by : null;
        t.KillSwitchReason = on ? reason : null;
        t.KillSwitchAt = on ? at : null;
    }
}
