using System.CommandLine;

namespace RulesSync.Runner.Cli;

/// <summary>Every command of the CLI, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        yield return Authoring.TestCommand.Create(console);
    }
}
