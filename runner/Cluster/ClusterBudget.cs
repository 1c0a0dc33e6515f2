using RulesSync.Runner.Guards;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// The tenant's side of a cycle's mass-change budget in the cluster database (<see cref="PostgresStateStore.AddToBudget"/>),
/// so mailbox grains of one tenant on different silos count against one budget: each silo's
/// <see cref="MassChangeGuard"/> keeps its mailbox's own counts and asks the database for the tenant's. One database
/// round trip per destructive effect (planned or taken); non-destructive effects cost nothing.
/// </summary>
internal sealed class ClusterBudget(PostgresStateStore store, long cycle) : ITenantBudgetCounts
{
    public int AddPlanned(int count) => store.AddToBudget(cycle, count, 0).Planned;

    public int AddTaken() => store.AddToBudget(cycle, 0, 1).Taken;
}
