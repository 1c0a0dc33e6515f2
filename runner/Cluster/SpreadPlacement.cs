using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// Places each new activation on the next compatible silo in turn (by address), as the placing silo counts per grain
/// type: tenant grains spread evenly over the cluster, and a tenant grain's mailbox grains too rather than following the
/// tenant (Orleans' default placement, resource-optimized since 9.2, keeps activations on the calling silo while the
/// silos' resource scores are close, as on a quiet cluster).
/// </summary>
[GenerateSerializer]
[Immutable]
[SuppressReferenceTracking]
public sealed class SpreadPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static SpreadPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class for <see cref="SpreadPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute : PlacementAttribute
{
    /// <summary>The attribute.</summary>
    public SpreadPlacementAttribute()
        : base(SpreadPlacement.Instance)
    {
    }
}

/// <summary>
/// The director of <see cref="SpreadPlacement"/>: a counter per silo and grain type, over the compatible silos in
/// address order. Per grain type, because one counter for every type would interleave them: a tenant activating and
/// then ordering its k mailboxes' grains moves one counter k + 1 steps per tenant, so with k + 1 a multiple of the silo
/// count every tenant would land on the same silo.
/// </summary>
internal sealed class SpreadPlacementDirector : IPlacementDirector
{
    private readonly ConcurrentDictionary<GrainType, StrongBox<int>> next = new();

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var counter = next.GetOrAdd(target.GrainIdentity.Type, _ => new StrongBox<int>(-1));
        var turn = (Interlocked.Increment(ref counter.Value) & int.MaxValue) % silos.Length;
        return Task.FromResult(silos[turn]);
    }
}
