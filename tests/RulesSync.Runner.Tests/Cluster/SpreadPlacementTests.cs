using System.Net;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using RulesSync.Runner.Cluster;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// <see cref="SpreadPlacementDirector"/>: each grain type is spread over the compatible silos on its own, so tenant
/// grains interleaved with their mailbox grains (as a tenant's cycle activates them) still spread evenly.
/// </summary>
public sealed class SpreadPlacementTests
{
    private static readonly SiloAddress[] Silos = [.. Enumerable.Range(0, 3).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1))];

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(3)]
    public async Task OnAddActivation_TenantsEachFollowedByTheirMailboxes_TenantsAndMailboxesEachSpreadEvenly(int mailboxesPerTenant)
    {
        var director = new SpreadPlacementDirector();
        var context = new Context(Silos);
        var tenants = new Dictionary<SiloAddress, int>();
        var mailboxes = new Dictionary<SiloAddress, int>();

        for (var t = 0; t < 30; t++)
        {
            Count(tenants, await director.OnAddActivation(SpreadPlacement.Instance, Target("tenantgrain", $"t{t}"), context));
            for (var m = 0; m < mailboxesPerTenant; m++)
            {
                Count(mailboxes, await director.OnAddActivation(SpreadPlacement.Instance, Target("mailboxgrain", $"t{t}/m{m}"), context));
            }
        }

        // One counter over both types put every tenant on one silo whenever mailboxesPerTenant + 1 was a multiple of 3.
        Assert.All(Silos, s => Assert.Equal(10, tenants.GetValueOrDefault(s)));
        Assert.All(Silos, s => Assert.Equal(10 * mailboxesPerTenant, mailboxes.GetValueOrDefault(s)));
    }

    [Fact]
    public async Task OnAddActivation_SilosListedInAnyOrder_TurnGoesByAddress()
    {
        var director = new SpreadPlacementDirector();
        var placed = new List<SiloAddress>();
        for (var i = 0; i < 6; i++)
        {
            // The context lists the silos in a different order each time: the turn does not follow the listing.
            var listed = i % 2 == 0 ? Silos : [.. Silos.Reverse()];
            placed.Add(await director.OnAddActivation(SpreadPlacement.Instance, Target("tenantgrain", $"t{i}"), new Context(listed)));
        }

        var byAddress = Silos.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        Assert.Equal([.. byAddress, .. byAddress], placed);
    }

    private static void Count(Dictionary<SiloAddress, int> counts, SiloAddress silo) => counts[silo] = counts.GetValueOrDefault(silo) + 1;

    private static PlacementTarget Target(string type, string key) => new(GrainId.Create(type, key), [], default, 0);

    private sealed class Context(SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos[0];

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) => new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }
}
