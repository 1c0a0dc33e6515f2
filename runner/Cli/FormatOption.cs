using System.CommandLine;

namespace RulesSync.Runner.Cli;

/// <summary>The <c>--format</c> option every reporting command takes.</summary>
internal static class FormatOption
{
    public static Option<OutputFormat> Create(string description = "Output format: table or json.") => new("--format")
    {
        Description = description,
        DefaultValueFactory = _ => OutputFormat.Table,
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "table" : r.Tokens[0].Value;
            if (Enum.TryParse<OutputFormat>(text, ignoreCase: true, out var f) && !int.TryParse(text, out _))
            {
                return f;
            }

            r.AddError($"--format: '{text}' is not one of table, json");
            return OutputFormat.Table;
        },
    };
}
