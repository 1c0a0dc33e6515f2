using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Compilation;

/// <summary>No rule of a rule set decides a change (a gap; <c>rulesync lint</c> reports gaps before they ship).</summary>
public sealed class NoRuleMatchedException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NoRuleMatchedException()
        : base("no rule matched")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public NoRuleMatchedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and an inner exception.</summary>
    public NoRuleMatchedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal NoRuleMatchedException(string ruleSet, in ChangeFacts facts)
        : base($"no rule of rule set '{ruleSet}' decides this change: {FactCatalog.Describe(facts)}")
    {
        RuleSet = ruleSet;
        Facts = facts;
    }

    /// <summary>The rule set's name.</summary>
    public string RuleSet { get; } = string.Empty;

    /// <summary>The undecided facts.</summary>
    public ChangeFacts Facts { get; }
}

/// <summary>Under hit policy <c>unique</c>, two rules match the same change.</summary>
public sealed class RuleConflictException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public RuleConflictException()
        : base("two rules matched")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public RuleConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and an inner exception.</summary>
    public RuleConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal RuleConflictException(string ruleSet, string first, string second, in ChangeFacts facts)
        : base($"rule set '{ruleSet}' has hit policy unique, but rules '{first}' and '{second}' both match: {FactCatalog.Describe(facts)}")
    {
        FirstRule = first;
        SecondRule = second;
        Facts = facts;
    }

    /// <summary>The first matching rule in evaluation order.</summary>
    public string FirstRule { get; } = string.Empty;

    /// <summary>The second matching rule.</summary>
    public string SecondRule { get; } = string.Empty;

    /// <summary>The facts both rules match.</summary>
    public ChangeFacts Facts { get; }
}

/// <summary>A rule set model that cannot be compiled (only models built in code; loaded models are checked).</summary>
public sealed class RuleSetInvalidException : ArgumentException
{
    /// <summary>Creates the exception with a default message.</summary>
    public RuleSetInvalidException()
        : base("invalid rule set")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public RuleSetInvalidException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and an inner exception.</summary>
    public RuleSetInvalidException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
