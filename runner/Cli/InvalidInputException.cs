namespace RulesSync.Runner.Cli;

/// <summary>Thrown by a command when its input is unusable; the CLI prints the message and exits 2.</summary>
internal sealed class InvalidInputException(string message) : Exception(message);
