using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;
using RulesSync.Simulator.Comparison;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// <c>rulesync diff OLD NEW [scope options]</c>: over the same explored space, where two rule sets decide
/// differently and how deletions, cancellations and shares change. Exit 1 when NEW breaks an invariant OLD held
/// (a finding, like every other command's), unless <c>--ignore-new-violations</c> says the comparison is only for reading.
/// </summary>
internal static class DiffCommand
{
    public static Command Create(CliConsole console)
    {
        var oldRules = new Argument<string>("OLD") { Description = "The rule set in production (file or embedded:NAME)." };
        var newRules = new Argument<string>("NEW") { Description = "The candidate rule set." };
        var ignoreNew = new Option<bool>("--ignore-new-violations") { Description = "Exit 0 even when NEW violates an invariant OLD held (default: exit 1)." };
        // Accepted for scripts written before exit 1 became the default; it changes nothing.
        var failOnNew = new Option<bool>("--fail-on-new-violations") { Description = "The default; accepted for older scripts.", Hidden = true };
        var format = FormatOption.Create();
        var scope = new SimulationScope();
        var command = new Command("diff", "Compare two rule sets over the same simulated space; exit 1 when NEW adds violations.") { oldRules, newRules, ignoreNew, failOnNew, format };
        scope.AddTo(command);
        command.SetAction(parse =>
        {
            var before = RuleSetInput.CompileDecidable(parse.GetValue(oldRules)!);
            var after = RuleSetInput.CompileDecidable(parse.GetValue(newRules)!);
            var options = scope.Read(parse);
            var json = parse.GetValue(format) == OutputFormat.Json;
            var diff = CliProgress.Run(console, !json, "comparing (old, then new)", p => RuleSetComparison.Compare(options, before, after, SimulateCommand.Adapt(p)));
            if (json)
            {
                console.WriteJson(new
                {
                    old = new { file = parse.GetValue(oldRules), hash = before.Hash, violations = diff.Old.Violations.Length },
                    @new = new { file = parse.GetValue(newRules), hash = after.Hash, violations = diff.New.Violations.Length },
                    factsCompared = diff.FactsCompared,
                    factsDiffering = diff.FactsDiffering,
                    outcomes = diff.Outcomes,
                    changes = diff.Changes,
                    newViolations = diff.NewViolations,
                });
            }
            else
            {
                Print(console, diff);
            }

            return !parse.GetValue(ignoreNew) && !diff.NewViolations.IsEmpty ? (int)ExitCode.Findings : (int)ExitCode.Ok;
        });
        return command;
    }

    private static void Print(CliConsole console, RuleSetDiff diff)
    {
        console.Out.WriteLine($"{diff.FactsCompared:N0} observed changes compared; {diff.FactsDiffering:N0} decided differently");
        foreach (var o in diff.Outcomes)
        {
            var delta = o.New - o.Old;
            console.Out.WriteLine($"  {o.Action,-7} {o.Old,7:N0} -> {o.New,7:N0} ({(delta >= 0 ? "+" : string.Empty)}{delta:N0})");
        }

        foreach (var c in diff.Changes)
        {
            console.Out.WriteLine($"{c.Count,6:N0} x  {c.From} (rule {c.OldRule}) -> {c.To} (rule {c.NewRule})");
            console.Out.WriteLine($"          e.g. {c.Example}");
        }

        console.Out.WriteLine($"violations: old {diff.Old.Violations.Length}, new {diff.New.Violations.Length}, introduced by NEW {diff.NewViolations.Length}{(diff.NewViolations.IsEmpty ? string.Empty : " (exit 1; --ignore-new-violations to exit 0)")}");
        foreach (var v in diff.NewViolations)
        {
            console.Out.WriteLine();
            console.Out.WriteLine(v.Render());
        }
    }
}
