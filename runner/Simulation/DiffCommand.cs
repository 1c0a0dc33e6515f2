using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;
using RulesSync.Simulator.Comparison;

namespace RulesSync.Runner.Simulation;

/// <summary>
/// <c>rulesync diff OLD NEW [scope options]</c>: over the same explored space, where two rule sets decide
/// differently and how deletions, cancellations and shares change. With <c>--fail-on-new-violations</c>, exit 1
/// when NEW breaks an invariant OLD held.
/// </summary>
internal static class DiffCommand
{
    public static Command Create(CliConsole console)
    {
        var oldRules = new Argument<string>("OLD") { Description = "The rule set in production (file or embedded:NAME)." };
        var newRules = new Argument<string>("NEW") { Description = "The candidate rule set." };
        var failOnNew = new Option<bool>("--fail-on-new-violations") { Description = "Exit 1 when NEW violates an invariant OLD held." };
        var format = FormatOption.Create();
        var scope = new SimulationScope();
        var command = new Command("diff", "Compare two rule sets over the same simulated space.") { oldRules, newRules, failOnNew, format };
        scope.AddTo(command);
        command.SetAction(parse =>
        {
            var before = RuleSetInput.Compile(parse.GetValue(oldRules)!);
            var after = RuleSetInput.Compile(parse.GetValue(newRules)!);
            var options = scope.Read(parse);
            var diff = RuleSetComparison.Compare(options, before, after);
            if (parse.GetValue(format) == OutputFormat.Json)
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

            return parse.GetValue(failOnNew) && !diff.NewViolations.IsEmpty ? (int)ExitCode.Findings : (int)ExitCode.Ok;
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

        console.Out.WriteLine($"violations: old {diff.Old.Violations.Length}, new {diff.New.Violations.Length}, introduced by NEW {diff.NewViolations.Length}");
        foreach (var v in diff.NewViolations)
        {
            console.Out.WriteLine();
            console.Out.WriteLine(v.Render());
        }
    }
}
