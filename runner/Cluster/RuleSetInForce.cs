using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// The rolling-upgrade guard: a silo runs a tenant only under the rule set in force for it (its hash in the tenant's
/// row, <see cref="TenantRow.RuleSetInForce"/>). While silos are upgraded one by one, some have the new rule files and
/// some the old: without the guard the tenant would be decided by one rule set or the other depending on where Orleans
/// placed it. The first silo to run a tenant puts its rule set in force; after that only an operator does
/// (<c>rulesync adopt-rules</c>, once every silo has the new files). Pure apart from the store it is given.
/// </summary>
internal static class RuleSetInForce
{
    /// <summary>Null when a silo whose rule files hash to <paramref name="hash"/> may run the tenant; else why not, in plain words.</summary>
    public static string? Refusal(IStateStore store, string hash, string silo, long at)
    {
        ArgumentNullException.ThrowIfNull(store);
        var inForce = store.Tenant().RuleSetInForce;
        if (inForce is null)
        {
            // The tenant's first run: its rule set goes in force (a concurrent first run of another silo wins the row).
            inForce = store.UpdateTenant(t =>
            {
                if (t.RuleSetInForce is null)
                {
                    t.RuleSetInForce = hash;
                    t.RuleSetInForceBy = silo;
                    t.RuleSetInForceAt = at;
                }
            }).RuleSetInForce;
        }

        return inForce == hash
            ? null
            : $"rule set {Short(hash)} on silo {silo} is not the one in force ({Short(inForce!)}): the tenant is not run here; finish the rolling upgrade and run 'rulesync adopt-rules', or give this silo the rules in force";
    }

    private static string Short(string hash) => hash[..Math.Min(12, hash.Length)];
}
