using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RulesSync.Runner.Cli;

/// <summary>How a reporting command prints its result.</summary>
internal enum OutputFormat
{
    /// <summary>Human-readable text and tables.</summary>
    Table,

    /// <summary>One JSON document on standard output.</summary>
    Json,
}

/// <summary>The console a command writes to: standard output for results, standard error for diagnostics.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>Where progress bars go: the raw terminal behind standard error when a person watches it, else null (no progress).</summary>
    public TextWriter? Progress { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <paramref name="value"/> as one indented JSON document.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, Json));
}

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
