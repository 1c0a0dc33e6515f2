using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Decisions;

/// <summary>
/// Decides one observed change: the port between the reconciliation step and a rule set. A compiled YAML
/// rule set implements it; so can a hand-written policy (benchmarks, tests). Implementations are pure and
/// thread-safe: the same facts always give the same decision.
/// </summary>
public interface IDecisionPolicy
{
    /// <summary>The SHA-256 content hash of the policy's rule set (lowercase hex).</summary>
    string Hash { get; }

    /// <summary>Decides the change described by <paramref name="facts"/>; the target is resolved.</summary>
    Decision Decide(in ChangeFacts facts);
}
