namespace RulesSync.Runner.Configuration;

/// <summary>
/// A <c>rulesync.yaml</c> (or its secrets from the environment) that cannot be used: every problem, one per line, as
/// <c>file:line:col: error: text</c>. Nothing was applied; the CLI exits 2.
/// </summary>
internal sealed class ConfigurationException(string message) : Exception(message);
