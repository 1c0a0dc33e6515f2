namespace RulesSync.Runner.Configuration;

/// <summary>
/// An input file or environment value that cannot be used: missing, a directory, larger than its cap, unreadable,
/// not UTF-8. The message names it (<c>file:line:col: error: text</c> where there is a place) and never shows a
/// secret's content. Whoever asked for the file decides what it means: the CLI exits 2, a hot reload keeps the rule
/// set in force.
/// </summary>
internal sealed class InputFileException(string message) : Exception(message);
