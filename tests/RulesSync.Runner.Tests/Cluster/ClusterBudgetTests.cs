using RulesSync.Engine.Sync;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Guards;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// The mass-change budget shared by silos: two guards over two stores (as two silos' mailbox grains of one tenant)
/// counting the tenant's effects of one cycle in the real PostgreSQL (<see cref="ClusterBudget"/>).
/// </summary>
public sealed class ClusterBudgetTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob@contoso.example";

    private static readonly GuardOptions TenantOfTwo = new() { MaxDestructivePerMailbox = 10, MaxDestructivePerTenant = 2 };

    [Fact]
    public void Begin_TwoSilosPlansTogetherBeyondTenantBudget_SecondHeld()
    {
        using var silo1 = PostgresStateStore.Open(database.ConnectionString, "budget-plans");
        using var silo2 = PostgresStateStore.Open(database.ConnectionString, "budget-plans");
        var alice = new MassChangeGuard(TenantOfTwo, tenantMeetings: 0, new ClusterBudget(silo1, cycle: 7));
        var bob = new MassChangeGuard(TenantOfTwo, tenantMeetings: 0, new ClusterBudget(silo2, cycle: 7));

        Assert.Null(alice.Begin(Alice, meetings: 5, plannedDestructive: 2));
        var why = bob.Begin(Bob, meetings: 5, plannedDestructive: 1);

        Assert.Contains("would delete or cancel 3 meetings across the tenant (limit 2)", why, StringComparison.Ordinal);
        Assert.NotNull(bob.Check(Bob, new CancelEvent("k", "e")));
    }

    [Fact]
    public void Check_TwoSilosTakingAtOnce_NoMoreThanTheBudgetGoesOut()
    {
        using var silo1 = PostgresStateStore.Open(database.ConnectionString, "budget-takes");
        using var silo2 = PostgresStateStore.Open(database.ConnectionString, "budget-takes");
        var guards = new[] { (Alice, new MassChangeGuard(TenantOfTwo, 0, new ClusterBudget(silo1, 3))), (Bob, new MassChangeGuard(TenantOfTwo, 0, new ClusterBudget(silo2, 3))) };

        var allowed = guards.AsParallel().SelectMany(g => Enumerable.Range(0, 5).Select(i => g.Item2.Check(g.Item1, new CancelEvent($"{g.Item1}-{i}", $"e{i}")))).Count(v => v is null);

        Assert.Equal(2, allowed);
    }

    [Fact]
    public void Check_AnotherCycleOrTenant_CountsApart()
    {
        using var store = PostgresStateStore.Open(database.ConnectionString, "budget-apart");
        using var other = PostgresStateStore.Open(database.ConnectionString, "budget-apart-other");
        var cycle1 = new MassChangeGuard(TenantOfTwo, 0, new ClusterBudget(store, 1));
        Assert.Null(cycle1.Check(Alice, new CancelEvent("a", "e1")));
        Assert.Null(cycle1.Check(Alice, new CancelEvent("b", "e2")));
        Assert.NotNull(cycle1.Check(Alice, new CancelEvent("c", "e3")));

        store.ForgetBudgetsBefore(2);

        Assert.Null(new MassChangeGuard(TenantOfTwo, 0, new ClusterBudget(store, 2)).Check(Alice, new CancelEvent("d", "e4")));
        Assert.Null(new MassChangeGuard(TenantOfTwo, 0, new ClusterBudget(other, 1)).Check(Alice, new CancelEvent("e", "e5")));
        Assert.Equal((0, 0), store.AddToBudget(1, 0, 0));
        Assert.Equal((0, 1), store.AddToBudget(2, 0, 0));
    }
}
