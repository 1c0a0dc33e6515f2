using System.CommandLine;

namespace RulesSync.Runner.Cli;

/// <summary>
/// The <c>rulesync</c> command tree. Every command returns an <see cref="ExitCode"/>: 0 ok, 1 findings,
/// 2 invalid input (including unparseable arguments). Commands write results to <see cref="CliConsole.Out"/>
/// and diagnostics to <see cref="CliConsole.Error"/>, so tests run them in-process.
/// </summary>
internal static class RulesyncCli
{
    public static int Run(string[] args) => Run(args, new CliConsole(Console.Out, Console.Error));

    public static int Run(string[] args, CliConsole console)
    {
        var root = Build(console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.Error.WriteLine($"error: {error.Message}");
            }

            console.Error.WriteLine("Run 'rulesync --help' for usage.");
            return (int)ExitCode.InvalidInput;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (InvalidInputException e)
        {
            console.Error.WriteLine(e.Message);
            return (int)ExitCode.InvalidInput;
        }
    }

    internal static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("rulesync: author, test and simulate calendar-sync rule sets; run the live sync.");
        foreach (var command in CommandCatalog.Create(console))
        {
            root.Add(command);
        }

        return root;
    }
}
