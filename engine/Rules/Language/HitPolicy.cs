namespace RulesSync.Engine.Rules.Language;

/// <summary>How a rule set picks the one rule that decides a change.</summary>
public enum HitPolicy
{
    /// <summary>The first matching rule in priority order (higher priority first, ties in file order) decides.</summary>
    First,

    /// <summary>At most one rule may match any change; two matching rules are an error.</summary>
    Unique,
}
