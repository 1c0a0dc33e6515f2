using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using RulesSync.Engine.Rules.Language;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Cli;

/// <summary>
/// The <c>rulesync</c> command tree and its one exit-code contract: 0 ok, 1 findings (violations, lint findings on a
/// valid file, failed fixtures, held effects), 2 invalid input (bad arguments; unreadable, oversized or malformed
/// files; schema, sandbox or config errors). No command ends with an unhandled exception: whatever escapes a
/// command is reported in one line, without a stack trace. Commands write results to <see cref="CliConsole.Out"/>
/// and diagnostics to <see cref="CliConsole.Error"/>, both with control characters escaped, so tests run them
/// in-process.
/// </summary>
internal static partial class RulesyncCli
{
    public static int Run(string[] args) => Run(args, new CliConsole(Console.Out, Console.Error)
    {
        Progress = Console.IsErrorRedirected ? null : Console.Error,
    });

    public static int Run(string[] args, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        console = console with { Out = new TerminalWriter(console.Out), Error = new TerminalWriter(console.Error) };
        try
        {
            return Invoke(args, console);
        }
        catch (Exception e) when (e is InvalidInputException or InputFileException or ConfigurationException or RuleFileException)
        {
            // Unusable input, whoever found it (the CLI's arguments, a file, the config, a rule set): exit 2.
            console.Error.WriteLine(e.Message);
            return (int)ExitCode.InvalidInput;
        }
        catch (Exception e) when (e is FindingsException or UndecidableRuleSetException)
        {
            console.Error.WriteLine(e.Message);
            return (int)ExitCode.Findings;
        }
#pragma warning disable CA1031 // The last line of defence of the contract: a one-line message, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            console.Error.WriteLine($"error: the command failed unexpectedly: {e.Message}");
            console.Error.WriteLine("Nothing more was done. This is a bug in rulesync; please report it with the command line.");
            return (int)ExitCode.InvalidInput;
        }
        finally
        {
            console.Out.Flush();
            console.Error.Flush();
        }
    }

    internal static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("rulesync: author, test and simulate calendar-sync rule sets; run the live sync.\n"
            + "Exit codes: 0 ok, 1 findings (violations, lint errors on a valid file, failed fixtures), 2 invalid input.");
        foreach (var command in CommandCatalog.Create(console))
        {
            root.Add(command);
        }

        return root;
    }

    private static int Invoke(string[] args, CliConsole console)
    {
        var root = Build(console);
        if (Misuse(root, args) is { } misuse)
        {
            console.Error.WriteLine($"error: {misuse}");
            console.Error.WriteLine(args.Length > 0 && root.Subcommands.Any(c => c.Name == args[0])
                ? $"Run 'rulesync {args[0]} --help' for its options."
                : "Run 'rulesync --help' for the list of commands.");
            return (int)ExitCode.InvalidInput;
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var message in parse.Errors.Select(e => Plain(e.Message)).Distinct(StringComparer.Ordinal))
            {
                console.Error.WriteLine($"error: {message}");
            }

            console.Error.WriteLine("Run 'rulesync --help' for usage.");
            return (int)ExitCode.InvalidInput;
        }

        return parse.Invoke(new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
        });
    }

    /// <summary>A missing or mistyped command, or an option the command does not have, as one message with a suggestion.</summary>
    private static string? Misuse(RootCommand root, string[] args)
    {
        if (args.Length == 0)
        {
            return "no command given";
        }

        var first = args[0];
        if (first.StartsWith('-'))
        {
            return IsHelpOrVersion(first) ? null : $"unknown option '{first}'; options come after a command";
        }

        var command = root.Subcommands.FirstOrDefault(c => c.Name == first);
        if (command is null)
        {
            return $"'{first}' is not a rulesync command" + NameSuggestion.DidYouMean(first, root.Subcommands.Select(c => c.Name));
        }

        // Descend into subcommands (`crm check`): options belong to the innermost command named.
        var consumed = 1;
        while (consumed < args.Length && command.Subcommands.FirstOrDefault(c => c.Name == args[consumed]) is { } sub)
        {
            command = sub;
            consumed++;
        }

        if (command.Subcommands.Count > 0 && consumed < args.Length && !args[consumed].StartsWith('-'))
        {
            return $"'{args[consumed]}' is not a '{command.Name}' command" + NameSuggestion.DidYouMean(args[consumed], command.Subcommands.Select(c => c.Name));
        }

        var known = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var token in args.Skip(consumed).TakeWhile(t => t != "--"))
        {
            var name = token.Split('=', 2)[0];
            if (name.Length > 1 && name.StartsWith('-') && !IsNumber(name) && !IsHelpOrVersion(name) && !known.Contains(name))
            {
                var hint = command.Name == "check" && name is "--fast" or "--quick"
                    ? "; for a quicker check, narrow the scope (for example --employees 2 --max-actions 2 --runs 100)"
                    : NameSuggestion.DidYouMean(name, known.Where(k => k.StartsWith("--", StringComparison.Ordinal)));
                return $"'{command.Name}' has no option '{name}'{hint}";
            }
        }

        return null;
    }

    private static bool IsHelpOrVersion(string token) => token is "--help" or "-h" or "-?" or "/?" or "/h" or "--version";

    private static bool IsNumber(string token) => double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>A parser message in plain words: no .NET type names (<c>System.Int32</c> becomes "a whole number").</summary>
    internal static string Plain(string message)
    {
        if (CannotParse().Match(message) is { Success: true } m)
        {
            return $"{m.Groups["name"].Value}: '{m.Groups["value"].Value}' is not {PlainTypeName.Of(m.Groups["type"].Value)}";
        }

        return TypeName().Replace(message, t => PlainTypeName.Of(t.Groups[1].Value));
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument|command) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?", RegexOptions.CultureInvariant)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"'?((?:System|RulesSync)\.[A-Za-z0-9_.`\[\]]+)'?", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
