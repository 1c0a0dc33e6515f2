namespace RulesSync.Engine.Rules.Language;

/// <summary>A position in a rule file: the source name the caller gave, and a 1-based line and column. Immutable.</summary>
/// <param name="Source">The name the rule set was loaded under (usually its path).</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourceLocation(string Source, int Line, int Column)
{
    /// <summary>Renders as <c>source:line:col</c>, the form editors and CI logs link.</summary>
    public override string ToString() => $"{Source}:{Line}:{Column}";
}
