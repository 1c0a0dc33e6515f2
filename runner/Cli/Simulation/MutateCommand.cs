using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;
using RulesSync.Simulator.Mutation;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// <c>rulesync mutate RULES [scope options]</c>: mutation testing of a rule set. Every single-rule mutant is run
/// against the fixtures and the simulator; survivors are listed, and exit 1 when a survivor changes a deletion or
/// cancellation outcome in the explored space (the safety net has a hole).
/// </summary>
internal static class MutateCommand
{
    public static Command Create(CliConsole console)
    {
        var rules = new Argument<string>("RULES") { Description = "The rule file (or embedded:NAME)." };
        var noFixtures = new Option<bool>("--no-fixtures") { Description = "Do not run the fixtures: judge every mutant by the simulator's invariants alone." };
        // --threads as in check and simulate (each mutant's exploration runs on one thread); --parallel is its older name.
        var parallel = new Option<int>("--threads", "--parallel") { Description = "Mutants simulated at once (0, the default: one per core).", DefaultValueFactory = _ => 0 };
        var format = FormatOption.Create();
        // The default scope is check's: a mutant the release gate's exploration would catch counts as caught.
        var scope = new SimulationScope();
        var command = new Command("mutate", "Mutation-test a rule set: which single-rule changes do no fixture or invariant catch?") { rules, parallel, noFixtures, format };
        scope.AddTo(command);
        command.SetAction(parse =>
        {
            var ruleSet = RuleSetInput.CompileDecidable(parse.GetValue(rules)!);
            var options = scope.Read(parse);
            var degree = parse.GetValue(parallel);
            if (degree < 0)
            {
                throw new InvalidInputException("error: --threads must be 0 (one per core) or more");
            }

            degree = degree == 0 ? Environment.ProcessorCount : degree;

            var json = parse.GetValue(format) == OutputFormat.Json;
            var report = CliProgress.Run(console, !json, "mutants", p => MutationTesting.Run(
                ruleSet, options, degree, CliProgress.Counting(p), fixtures: !parse.GetValue(noFixtures)));
            if (json)
            {
                console.WriteJson(new
                {
                    ruleSetHash = report.RuleSetHash,
                    mutants = report.Results.Length,
                    caught = report.Caught,
                    survivors = report.Survivors,
                    dangerous = report.Dangerous.Length,
                    outcomeChanging = report.OutcomeChanging,
                    caughtBySimulator = report.CaughtBySimulator,
                    simulatorScore = report.SimulatorScore,
                    results = report.Results,
                });
            }
            else
            {
                console.Out.WriteLine($"{report.Results.Length} mutants: {report.Caught} caught, {report.Survivors.Length} survived, {report.Dangerous.Length} dangerous");
                console.Out.WriteLine($"outcome-changing mutants: {report.OutcomeChanging}, caught by the simulator: {report.CaughtBySimulator} ({report.SimulatorScore:P0}){(parse.GetValue(noFixtures) ? " (fixtures not run)" : "; fixture-caught mutants are not classified — --no-fixtures judges all by invariants alone")}");
                foreach (var g in report.Results.Where(r => r.Caught).GroupBy(r => CaughtBy(r.CaughtBy!)).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    console.Out.WriteLine($"  {g.Key}: {g.Count()}");
                }

                foreach (var s in report.Survivors)
                {
                    console.Out.WriteLine(s.Dangerous
                        ? $"DANGEROUS {s.Mutant}: {s.Description} — changes delete/cancel on {s.DestructiveDifferences} observed change(s), yet nothing caught it"
                        : $"survivor  {s.Mutant}: {s.Description} — no delete/cancel outcome changes in the explored space");
                }
            }

            return report.Dangerous.IsEmpty ? (int)ExitCode.Ok : (int)ExitCode.Findings;
        });
        return command;
    }

    /// <summary>What kind of check caught a mutant, in words ("no decision ..." is a mutant that leaves changes undecided).</summary>
    internal static string CaughtBy(string caughtBy) => caughtBy.Split(' ')[0] switch
    {
        "fixture" => "caught by a fixture",
        "invariant" => "caught by an invariant",
        "no" => "caught because the mutant leaves a change undecided",
        var other => $"caught by {other}",
    };
}
