using System.CommandLine;

namespace RulesSync.Runner.Cli;

/// <summary>Every command of the CLI, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        yield return Simulation.CheckCommand.Create(console);
        yield return Authoring.LintCommand.Create(console);
        yield return Authoring.TestCommand.Create(console);
        yield return Authoring.ExplainCommand.Create(console);
        yield return Authoring.TableCommand.Create(console);
        yield return Simulation.SimulateCommand.Create(console);
        yield return Simulation.DiffCommand.Create(console);
        yield return Simulation.MutateCommand.Create(console);
        yield return Operations.RunCommand.Create(console);
        yield return Demo.DemoCommand.Create(console);
        yield return Demo.EmulatorsCommand.Create(console);
        yield return Operations.StatusCommand.Create(console);
        yield return Operations.CrmCheckCommand.Create(console);
        foreach (var command in Operations.SuspendCommands.Create(console))
        {
            yield return command;
        }

        yield return Operations.JournalCommand.Create(console);
        yield return Operations.AdoptRulesCommand.Create(console);
        foreach (var command in Operations.HeldCommands.Create(console))
        {
            yield return command;
        }
    }
}
