using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Sandbox;

/// <summary>
/// The only methods a rule <c>expression</c> may call (as <c>RuleFunctions.Name(...)</c>). Every helper is pure,
/// total and allocation-free, so the sandbox can allow them without reasoning about side effects.
/// </summary>
public static class RuleFunctions
{
    /// <summary>Logical implication: false only when <paramref name="condition"/> holds and <paramref name="consequence"/> does not.</summary>
    public static bool Implies(bool condition, bool consequence) => !condition || consequence;

    /// <summary>Whether exactly one of the two holds.</summary>
    public static bool ExactlyOne(bool first, bool second) => first ^ second;

    /// <summary>Whether the change takes a replica away: deleted, cancelled, declined, or missing from a full listing.</summary>
    public static bool IsRemoval(ChangeKind kind) =>
        kind is ChangeKind.Deleted or ChangeKind.Cancelled or ChangeKind.Declined or ChangeKind.Missing;
}
