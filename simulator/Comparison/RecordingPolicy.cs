using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Simulator.Comparison;

/// <summary>
/// Wraps a policy and records every distinct fact combination it is asked to decide, so two rule sets can be
/// compared on exactly the changes an exploration produced, and those whose decision planned any effect (a write, a
/// link, or a held effect) at least once. Not thread-safe: one per simulation run.
/// </summary>
internal sealed class RecordingPolicy(IDecisionPolicy inner) : IDecisionPolicy
{
    public HashSet<ChangeFacts> Observed { get; } = [];

    /// <summary>Fact combinations whose decision planned at least one effect somewhere in the exploration (the world reports them).</summary>
    public HashSet<ChangeFacts> Effective { get; } = [];

    public string Hash => inner.Hash;

    public Decision Decide(in ChangeFacts facts)
    {
        Observed.Add(facts);
        return inner.Decide(facts);
    }
}
