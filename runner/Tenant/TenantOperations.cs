using RulesSync.Runner.State;

namespace RulesSync.Runner.Tenant;

/// <summary>
/// The operator's operations on one tenant's state file: suspend and resume a mailbox, set and lift the kill switch,
/// approve and discard held effects. The CLI (<c>rulesync suspend|resume|approve|discard</c>) and the dashboard
/// (<see cref="StoreOperatorConsole"/>) both go through here; each maps the errors to its own contract (exit 2,
/// HTTP 404/409). A running runner picks the changes up at its next cycle. Thread-safe as the store is.
/// </summary>
internal sealed class TenantOperations(IStateStore store, TimeProvider time)
{
    /// <summary>Suspends <paramref name="mailbox"/>, or sets the kill switch when it is null. Suspending a suspended mailbox changes only who and why.</summary>
    /// <exception cref="OperatorConsoleNotFoundException">No such mailbox in the state file.</exception>
    public MailboxRow? Suspend(string? mailbox, string by, string reason) =>
        Switch(mailbox, on: true, by, reason);

    /// <summary>Resumes <paramref name="mailbox"/> (whoever suspended it), or lifts the kill switch when it is null.</summary>
    /// <exception cref="OperatorConsoleNotFoundException">No such mailbox in the state file.</exception>
    public MailboxRow? Resume(string? mailbox, string by) =>
        Switch(mailbox, on: false, by, string.Empty);

    /// <summary>
    /// Approves (the runner carries them out at its next cycle, under the meeting's lock) or discards the held effects
    /// <paramref name="keys"/>, or every held effect when null, in order; returns the keys reviewed. Who and when are
    /// recorded on each effect.
    /// </summary>
    /// <exception cref="OperatorConsoleNotFoundException">A key the journal does not know (earlier keys stay reviewed).</exception>
    /// <exception cref="EffectNotHeldException">An effect already approved, discarded or carried out (earlier keys stay reviewed).</exception>
    public IReadOnlyList<string> Review(IReadOnlyList<string>? keys, bool approve, string by)
    {
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var targets = keys ?? [.. store.Effects(EffectStatus.Held).Select(e => e.Id)];
        var done = new List<string>();
        foreach (var key in targets)
        {
            var row = store.Effect(key) ?? throw new OperatorConsoleNotFoundException(OperatorConsoleSubject.HeldEffect, key);
            if (row.Status != EffectStatus.Held)
            {
                throw new EffectNotHeldException(key, row.Status);
            }

            store.MarkEffect(key, approve ? EffectStatus.Approved : EffectStatus.Discarded, at, approve ? "approved; carried out at the next cycle" : "discarded", reviewedBy: by);
            done.Add(key);
        }

        return done;
    }

    /// <summary>
    /// Cluster mode: puts the rule set with <paramref name="hash"/> in force for the tenant (a rolling upgrade's last
    /// step, once every silo has the new rule files); silos whose files hash differently refuse to run the tenant from
    /// their next cycle on. Returns the hash that was in force before (null: none yet).
    /// </summary>
    public string? AdoptRuleSet(string hash, string by)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hash);
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        string? before = null;
        store.UpdateTenant(t =>
        {
            before = t.RuleSetInForce;
            t.RuleSetInForce = hash;
            t.RuleSetInForceBy = by;
            t.RuleSetInForceAt = at;
        });
        return before;
    }

    /// <summary>
    /// Cluster mode: records the tenant's operator token (its hash only) for operator commands against the cluster
    /// database; a silo serving the tenant does it at start, from the tenant's config. Null: no token, read-only.
    /// </summary>
    public void RecordOperatorToken(string? token)
    {
        var hash = OperatorTokens.HashHex(token);
        if (store.Tenant().OperatorTokenHash != hash)
        {
            store.UpdateTenant(t => t.OperatorTokenHash = hash);
        }
    }

    private MailboxRow? Switch(string? mailbox, bool on, string by, string reason)
    {
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (mailbox is null)
        {
            store.UpdateTenant(t => MailboxLifecycle.KillSwitch(t, on, by, reason, at));
            return null;
        }

        return store.UpdateMailbox(mailbox, m =>
        {
            if (on)
            {
                MailboxLifecycle.Suspend(m, by, reason, at);
            }
            else
            {
                MailboxLifecycle.Resume(m);
            }
        }) ?? throw new OperatorConsoleNotFoundException(OperatorConsoleSubject.Mailbox, mailbox);
    }
}
