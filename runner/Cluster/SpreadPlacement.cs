using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// Places each new activation on the next compatible silo in turn (by address), as the placing silo counts: a tenant
/// grain's mailbox grains spread over the cluster rather than following the tenant (Orleans' default placement may
/// keep them together on a quiet cluster).
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

/// <summary>The director of <see cref="SpreadPlacement"/>: a counter per silo, over the compatible silos in address order.</summary>
internal sealed class SpreadPlacementDirector : IPlacementDirector
{
    private int next = -1;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var turn = (Interlocked.Increment(ref next) & int.MaxValue) % silos.Length;
        return Task.FromResult(silos[turn]);
    }
}
