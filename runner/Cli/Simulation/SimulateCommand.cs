using System.CommandLine;
using System.Globalization;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;
using RulesSync.Simulator;
using RulesSync.Simulator.Reports;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// <c>rulesync simulate RULES [scope options] [--format table|json|junit] [--report FILE.html]</c>: replays
/// multi-employee meeting orderings against a rule set; exit 1 when an invariant fails or a coverage goal is unmet.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create(CliConsole console)
    {
        var rules = new Argument<string>("RULES") { Description = "The rule file (or embedded:NAME)." };
        var scope = new SimulationScope(admitOptions: true);
        var format = new Option<string>("--format") { Description = "table, json or junit.", DefaultValueFactory = _ => "table" }
            .AcceptOnlyFromAmong("table", "json", "junit");
        var report = new Option<FileInfo?>("--report") { Description = "Also write a self-contained HTML report (with sequence diagrams) here." };
        var command = new Command("simulate", "Simulate participant orderings, API versions, providers and tenant flags against a rule set.") { rules, format, report };
        scope.AddTo(command);
        command.SetAction(parse =>
        {
            var ruleSet = RuleSetInput.CompileDecidable(parse.GetValue(rules)!);
            var options = scope.Read(parse);
            var fmt = parse.GetValue(format)!;
            var result = WithProgress(console, fmt == "table", options, p => RulesSync.Simulator.Simulation.Run(options, ruleSet, p));
            if (parse.GetValue(report) is { } html)
            {
                WriteReport(html, result, parse.GetValue(rules)!);
            }

            switch (fmt)
            {
                case "json":
                    console.Out.WriteLine(result.ToJson());
                    break;
                case "junit":
                    console.Out.Write(JUnitReport.Render(result, parse.GetValue(rules)!));
                    break;
                default:
                    PrintTable(console, result, options);
                    break;
            }

            return result.Passed && result.GoalsMet ? (int)ExitCode.Ok : (int)ExitCode.Findings;
        });
        return command;
    }

    /// <summary>Runs a simulation with a progress bar where a person watches (never in JSON or JUnit output).</summary>
    internal static SimulationReport WithProgress(CliConsole console, bool interactive, SimulationOptions options, Func<IProgress<SimulationProgress>?, SimulationReport> run) =>
        CliProgress.Run(console, interactive, options.Mode == SimulationMode.Exhaustive ? "simulating scenarios" : "simulating random runs", p => run(Adapt(p)));

    /// <summary>The simulator's progress as the CLI's, with the violations found so far as its note.</summary>
    internal static IProgress<SimulationProgress>? Adapt(IProgress<CliProgressStep>? progress) =>
        progress is null ? null : new Progress(progress);

    internal static void WriteReport(FileInfo html, SimulationReport result, string title)
    {
        try
        {
            File.WriteAllText(html.FullName, HtmlReport.Render(result, title));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"{html.FullName}: error: cannot write report: {e.Message}");
        }
    }

    private static void PrintTable(CliConsole console, SimulationReport r, SimulationOptions o)
    {
        var n = CultureInfo.InvariantCulture;
        console.Out.WriteLine(r.Mode == "random"
            ? string.Create(n, $"mode random: {r.Scenarios:N0} scenarios, {r.SchedulesExplored:N0} steps")
            : string.Create(n, $"mode {r.Mode}: {r.Scenarios:N0} scenarios, {r.SchedulesExplored:N0} schedules, {r.DistinctStates:N0} distinct states"));
        if (o.Admit)
        {
            console.Out.WriteLine(AdmitLine(o));
        }

        if (r.Seed is { } seed)
        {
            console.Out.WriteLine(string.Create(n, $"seed {seed} (replay: --mode random --runs {o.Runs} --seed {seed}); determinism self-check: {(r.DeterminismVerified == true ? "same seed, same trace" : "NOT verified")}"));
        }

        console.Out.WriteLine($"rule set hash {r.RuleSetHash}");
        foreach (var g in r.Goals)
        {
            console.Out.WriteLine($"goal {g.Name}: {(g.Reached ? "reached" : "NOT reached")}");
        }

        console.Out.WriteLine(r.Coverage.NeverFired.IsEmpty
            ? "rule coverage: every rule fired"
            : $"rules that never fired: {string.Join(", ", r.Coverage.NeverFired)}");
        foreach (var v in r.Violations)
        {
            console.Out.WriteLine();
            console.Out.WriteLine(v.Render());
        }

        console.Out.WriteLine();
        console.Out.WriteLine(r.Passed
            ? "no invariant violated"
            : string.Create(n, $"{r.Violations.Length} violation(s): {string.Join(", ", r.Violations.GroupBy(v => v.Invariant).Select(g => $"{g.Key} x{g.Count()}"))}"));
    }

    /// <summary>What <c>--admit</c> adds, stated (table output only).</summary>
    internal static string AdmitLine(SimulationOptions o) => string.Create(
        CultureInfo.InvariantCulture,
        $"admit stage: on (intent guard, mass-change budget of {o.AdmitLimits.MaxDestructivePerMailbox} destructive effects per mailbox sync, the journal in memory){(o.Mode == SimulationMode.Exhaustive ? "; each sync may crash at the journal boundary and resume" : "")}; invariant admitted-within-budget checked");

    private sealed class Progress(IProgress<CliProgressStep> sink) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) =>
            sink.Report(new CliProgressStep(value.Done, value.Total, value.Violations == 0 ? null : $"{value.Violations} violations"));
    }
}
