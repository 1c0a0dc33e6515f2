using System.CommandLine;
using RulesSync.Engine.Rules.Fixtures;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Cli.Authoring;

/// <summary><c>rulesync test FILE...</c>: runs each rule set's fixtures and lists the rules no fixture exercises.</summary>
internal static class TestCommand
{
    public static Command Create(CliConsole console)
    {
        var files = new Argument<string[]>("FILE") { Description = "Rule files (or embedded:NAME).", Arity = ArgumentArity.OneOrMore };
        var format = FormatOption.Create();
        var command = new Command("test", "Run the fixtures (tests:) of rule sets.") { files, format };
        command.SetAction(parse => Run(console, parse.GetValue(files)!, parse.GetValue(format)));
        return command;
    }

    private static int Run(CliConsole console, string[] files, OutputFormat format)
    {
        var reports = files.Select(f => (File: f, Report: FixtureRunner.Run(RuleSetInput.Compile(f)))).ToList();
        var failed = reports.Sum(r => r.Report.FailedCount);
        var total = reports.Sum(r => r.Report.Results.Length);
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new
            {
                passed = total - failed,
                failed,
                files = reports.Select(r => new
                {
                    file = r.File,
                    fixtures = r.Report.Results.Select(x => new
                    {
                        name = x.Name,
                        passed = x.Passed,
                        expected = x.Expected,
                        actual = x.Actual,
                        location = x.Location.ToString(),
                    }),
                    unexercisedRules = r.Report.UnexercisedRules,
                }),
            });
        }
        else
        {
            foreach (var (file, report) in reports)
            {
                foreach (var result in report.Results)
                {
                    console.Out.WriteLine(result.ToString());
                }

                if (report.UnexercisedRules.Length > 0)
                {
                    console.Out.WriteLine($"{file}: rules no fixture exercises: {string.Join(", ", report.UnexercisedRules)}");
                }
            }

            console.Out.WriteLine($"{total - failed} passed, {failed} failed");
        }

        return failed == 0 ? (int)ExitCode.Ok : (int)ExitCode.Findings;
    }
}
