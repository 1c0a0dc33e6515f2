namespace RulesSync.Runner.Cli;

/// <summary>Thrown by a command that found something before it could start (a gap in a rule set it must simulate); the CLI prints the message and exits 1.</summary>
internal sealed class FindingsException(string message) : Exception(message);
