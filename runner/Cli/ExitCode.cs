namespace RulesSync.Runner.Cli;

/// <summary>Exit codes shared by every <c>rulesync</c> command.</summary>
internal enum ExitCode
{
    /// <summary>Everything checked out.</summary>
    Ok = 0,

    /// <summary>The command ran and found something: a failed fixture, a lint error, an invariant violation.</summary>
    Findings = 1,

    /// <summary>The input could not be used: bad arguments, unreadable or invalid files. Nothing was applied.</summary>
    InvalidInput = 2,
}

/// <summary>Thrown by a command when its input is unusable; the CLI prints the message and exits 2.</summary>
internal sealed class InvalidInputException(string message) : Exception(message);

/// <summary>Thrown by a command that found something before it could start (a gap in a rule set it must simulate); the CLI prints the message and exits 1.</summary>
internal sealed class FindingsException(string message) : Exception(message);
