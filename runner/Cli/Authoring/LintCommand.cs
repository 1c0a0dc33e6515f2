using System.CommandLine;
using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Language;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Cli.Authoring;

/// <summary>
/// <c>rulesync lint FILE...</c>: YAML syntax, schema, unknown facts and values, expressions and the sandbox,
/// duplicate names, and analysis over the whole fact space (gaps, overlaps, shadowed rules). Exit 2 when a file
/// does not load (it is invalid input), 1 on analysis errors of a file that loads (or warnings with
/// <c>--warnings-as-errors</c>), 0 otherwise.
/// </summary>
internal static class LintCommand
{
    public static Command Create(CliConsole console)
    {
        var files = new Argument<string[]>("FILE") { Description = "Rule files (or embedded:NAME).", Arity = ArgumentArity.OneOrMore };
        var format = FormatOption.Create();
        var strict = new Option<bool>("--warnings-as-errors") { Description = "Exit 1 on warnings too." };
        var command = new Command("lint", "Check rule sets: syntax, schema, facts, sandbox, gaps, overlaps, shadowed rules.") { files, format, strict };
        command.SetAction(parse => Run(console, parse.GetValue(files)!, parse.GetValue(format), parse.GetValue(strict)));
        return command;
    }

    private static int Run(CliConsole console, string[] paths, OutputFormat format, bool strict)
    {
        var results = paths.Select(p =>
        {
            var file = RuleFileReader.Read(p);
            return (File: file.SourceName, Result: RuleSetLinter.Lint(file.SourceName, file.Text));
        }).ToList();
        var diagnostics = results.SelectMany(r => r.Result.Diagnostics).ToList();
        var errors = diagnostics.Count(d => d.IsError);
        var warnings = diagnostics.Count - errors;

        if (format == OutputFormat.Json)
        {
            console.WriteJson(new
            {
                errors,
                warnings,
                files = results.Select(r => new
                {
                    file = r.File,
                    ruleSet = r.Result.RuleSet?.Name,
                    hash = r.Result.RuleSet?.Hash,
                    factSpace = r.Result.Analysis?.SpaceSize,
                    gaps = r.Result.Analysis?.GapCount,
                    diagnostics = r.Result.Diagnostics.Select(Json),
                }),
            });
        }
        else
        {
            foreach (var d in diagnostics)
            {
                console.Out.WriteLine(d.ToString());
            }

            foreach (var (file, result) in results.Where(r => r.Result.Analysis is not null))
            {
                var a = result.Analysis!;
                console.Out.WriteLine(
                    $"{file}: {result.RuleSet!.Rules.Length} rules, hit policy {result.RuleSet.HitPolicy.ToString().ToLowerInvariant()}, " +
                    $"{a.SpaceSize:N0} fact combinations, {a.GapCount:N0} undecided");
            }

            console.Out.WriteLine($"{errors} error(s), {warnings} warning(s)");
        }

        // A file that does not load (malformed YAML, schema, unknown facts or values, sandbox) is invalid input; errors
        // of the analysis of a file that loads (gaps, overlaps) are findings.
        if (results.Any(r => r.Result.RuleSet is null))
        {
            return (int)ExitCode.InvalidInput;
        }

        return errors > 0 || (strict && warnings > 0) ? (int)ExitCode.Findings : (int)ExitCode.Ok;
    }

    internal static object Json(RuleDiagnostic d) => new
    {
        severity = d.IsError ? "error" : "warning",
        file = d.Source,
        line = d.Line,
        column = d.Column,
        code = d.Code,
        message = d.Message,
    };
}
