namespace RulesSync.Engine.Rules.Language;

/// <summary>How bad a finding is: errors make a rule set unusable (or make it throw at run time); warnings do not.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Worth a look, but the rule set still loads and decides.</summary>
    Warning,

    /// <summary>The rule set is invalid, or would fail on some change.</summary>
    Error,
}

/// <summary>
/// One finding about a rule file, located by source name, line and column, with a stable code. Formats as
/// <c>file:line:col: error: text</c>, the form compilers use so editors and CI logs link to it. Immutable.
/// </summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Source">The source name the rule set was loaded under.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Message">What is wrong and, where possible, how to fix it.</param>
/// <param name="Code">A stable code (see <see cref="DiagnosticCodes"/>).</param>
public sealed record RuleDiagnostic(DiagnosticSeverity Severity, string Source, int Line, int Column, string Message, string Code)
{
    /// <summary>Creates an error at <paramref name="at"/>.</summary>
    public static RuleDiagnostic Error(SourceLocation at, string code, string message) =>
        new(DiagnosticSeverity.Error, at.Source, at.Line, at.Column, message, code);

    /// <summary>Creates a warning at <paramref name="at"/>.</summary>
    public static RuleDiagnostic Warning(SourceLocation at, string code, string message) =>
        new(DiagnosticSeverity.Warning, at.Source, at.Line, at.Column, message, code);

    /// <summary>The location as a value.</summary>
    public SourceLocation Location => new(Source, Line, Column);

    /// <summary>Whether this is an error.</summary>
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>
    /// Renders as <c>file:line:col: error|warning: text [CODE]</c>, on one line, with control characters escaped
    /// (<see cref="TerminalText"/>): the source name and message may echo text from the file.
    /// </summary>
    public override string ToString() =>
        $"{TerminalText.Escape(Source)}:{Line}:{Column}: {(IsError ? "error" : "warning")}: {TerminalText.Escape(Message)} [{Code}]";
}

/// <summary>The stable codes of rule diagnostics.</summary>
public static class DiagnosticCodes
{
    /// <summary>The text is not well-formed YAML (or uses anchors, aliases, tags or complex keys).</summary>
    public const string YamlSyntax = "RS0001";

    /// <summary>The document is larger than <see cref="RuleSetLoader.MaxDocumentChars"/>.</summary>
    public const string TooLarge = "RS0002";

    /// <summary>The document nests deeper than <see cref="RuleSetLoader.MaxDepth"/>.</summary>
    public const string TooDeep = "RS0003";

    /// <summary>The document does not match rules.schema.json.</summary>
    public const string Schema = "RS0010";

    /// <summary>A key is missing, unknown, or its value has the wrong type.</summary>
    public const string Structure = "RS0011";

    /// <summary>A fact name is not in the fact catalog.</summary>
    public const string UnknownFact = "RS0020";

    /// <summary>A value is not in the fact's domain.</summary>
    public const string UnknownValue = "RS0021";

    /// <summary>Two rules or two fixtures share a name, or a fact appears twice.</summary>
    public const string Duplicate = "RS0022";

    /// <summary>A fixture names a rule that does not exist.</summary>
    public const string UnknownRule = "RS0023";

    /// <summary>An expression does not parse or is not boolean.</summary>
    public const string Expression = "RS0030";

    /// <summary>An expression uses something outside the sandbox.</summary>
    public const string Sandbox = "RS0031";

    /// <summary>Some fact combinations are decided by no rule.</summary>
    public const string Gap = "RS0100";

    /// <summary>Under <c>unique</c>, two rules match the same fact combination.</summary>
    public const string Overlap = "RS0101";

    /// <summary>Under <c>first</c>, a rule never fires because earlier rules decide all its cases.</summary>
    public const string Shadowed = "RS0102";

    /// <summary>A rule matches no fact combination at all.</summary>
    public const string NeverMatches = "RS0103";
}
