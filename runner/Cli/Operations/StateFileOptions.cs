using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// How an operator command finds the state file: <c>--state PATH</c>, or the <c>stateFile</c> of <c>--config</c>
/// (default <c>rulesync.yaml</c>). The file is opened shared, so the commands work while <c>rulesync run</c> runs.
/// </summary>
internal sealed class StateFileOptions
{
    public Option<string> Config { get; } = new("--config") { Description = "The runner's config file (its stateFile is used).", DefaultValueFactory = _ => "rulesync.yaml" };

    public Option<string?> State { get; } = new("--state") { Description = "The state file itself (instead of --config)." };

    public void AddTo(Command command)
    {
        command.Add(Config);
        command.Add(State);
    }

    /// <summary>Opens the existing state file; a missing or unreadable one is invalid input (exit 2).</summary>
    public StateStore Open(ParseResult parse)
    {
        var path = parse.GetValue(State) ?? RunnerConfigurationLoader.Load(parse.GetValue(Config)!).StatePath;
        try
        {
            return StateStore.Open(path, create: false);
        }
        catch (StateFileException e)
        {
            throw new InvalidInputException(e.Message);
        }
    }

    /// <summary>Who is acting: <c>--by</c>, or the OS user.</summary>
    public static Option<string> By() => new("--by") { Description = "Who is acting (recorded).", DefaultValueFactory = _ => Environment.UserName };

    internal static string When(DateTimeOffset? at) => at is { } t ? t.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "-";
}
