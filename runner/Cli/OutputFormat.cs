namespace RulesSync.Runner.Cli;

/// <summary>How a reporting command prints its result.</summary>
internal enum OutputFormat
{
    /// <summary>Human-readable text and tables.</summary>
    Table,

    /// <summary>One JSON document on standard output.</summary>
    Json,
}
