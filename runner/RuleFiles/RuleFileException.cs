namespace RulesSync.Runner.RuleFiles;

/// <summary>
/// A rule set that cannot be used: it does not load (its diagnostics as <c>file:line:col: error: text</c>), an
/// embedded name that does not exist, or, for the live runner, lint errors. Nothing ran; the CLI exits 2.
/// </summary>
internal sealed class RuleFileException(string message) : Exception(message);
