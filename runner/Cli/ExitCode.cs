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
