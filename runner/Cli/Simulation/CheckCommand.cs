using System.CommandLine;
using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Fixtures;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;
using RulesSync.Simulator;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// <c>rulesync check [RULES]</c>: the release gate for a rule set, in one command — lint (with fact-space
/// analysis), fixtures, the exhaustive simulation at the acceptance scope, and random scenarios beyond it.
/// With no argument it checks the embedded default rule set. Exit 1 on any finding.
/// </summary>
internal static class CheckCommand
{
    /// <summary>Violation traces printed in full; the rest are counted.</summary>
    internal const int ShownTraces = 3;

    public static Command Create(CliConsole console)
    {
        var rules = new Argument<string>("RULES") { Description = "The rule file (default: the embedded default rule set).", DefaultValueFactory = _ => "embedded:default" };
        var format = FormatOption.Create();
        var scope = new SimulationScope(admitOptions: true);
        var command = new Command("check", "Release gate: lint, fixtures, exhaustive and random simulation of a rule set.") { rules, format };
        scope.AddTo(command);
        command.SetAction(parse => Run(console, parse.GetValue(rules)!, scope.Read(parse), parse.GetValue(format)));
        return command;
    }

    private static int Run(CliConsole console, string path, SimulationOptions scope, OutputFormat format)
    {
        var (file, lint) = RuleSetInput.Lint(path);
        var ruleSet = lint.RuleSet!;
        var table = format == OutputFormat.Table;
        Say(console, table, $"rule set {ruleSet.Name} ({file.SourceName}), hash {ruleSet.Hash[..12]}, {ruleSet.Rules.Length} rules");
        var lintErrors = lint.Diagnostics.Count(d => d.IsError);
        foreach (var d in lint.Diagnostics)
        {
            Say(console, table, "  " + d);
        }

        Say(console, table, $"lint: {lintErrors} error(s), {lint.Diagnostics.Length - lintErrors} warning(s); {lint.Analysis!.GapCount:N0} of {lint.Analysis.SpaceSize:N0} fact combinations undecided");
        var lintSummary = new { errors = lintErrors, warnings = lint.Diagnostics.Length - lintErrors, gaps = lint.Analysis.GapCount };
        if (lintErrors > 0)
        {
            // A gap or an overlap makes the simulation's decisions undefined: stop before simulating anything.
            return Verdict(
                console,
                table,
                passed: false,
                "check FAILED: lint errors; fixtures and simulation need a rule set that decides every change exactly once",
                new { ruleSet = ruleSet.Name, hash = ruleSet.Hash, passed = false, lint = lintSummary, diagnostics = lint.Diagnostics.Select(Authoring.LintCommand.Json) });
        }

        var fixtures = FixtureRunner.Run(ruleSet);
        foreach (var f in fixtures.Results.Where(r => !r.Passed))
        {
            Say(console, table, "  " + f);
        }

        Say(console, table, $"fixtures: {fixtures.Results.Length - fixtures.FailedCount} passed, {fixtures.FailedCount} failed; rules no fixture exercises: {(fixtures.UnexercisedRules.IsEmpty ? "none" : string.Join(", ", fixtures.UnexercisedRules))}");

        // The scope options shape both passes; --mode is ignored (check always runs both).
        var exhaustiveOptions = scope with { Mode = SimulationMode.Exhaustive };
        if (scope.Admit)
        {
            Say(console, table, SimulateCommand.AdmitLine(exhaustiveOptions) + " (exhaustive and random phases; the series phase runs bare)");
        }

        var exhaustive = SimulateCommand.WithProgress(console, table, exhaustiveOptions, p => RulesSync.Simulator.Simulation.Run(exhaustiveOptions, ruleSet, p));
        Say(console, table, $"exhaustive: {exhaustive.Scenarios:N0} scenarios (up to {scope.Employees} employees + {scope.ExternalAttendees} external, ≤{scope.MaxActions} actions, ≤{scope.MaxSyncsPerEmployee} syncs each; customers as organizers up to {scope.ExternalOrganizerEmployees}, visits up to {scope.VisitEmployees}, attendees removed and invited again up to {scope.AttendeeChangeEmployees} employees{(scope.WindowEdgeEmployees > 0 ? $", the window's edge crossed up to {scope.WindowEdgeEmployees} employees" : "")}{(scope.SecondMeetingEmployees > 0 ? $", a second meeting of the organizer up to {scope.SecondMeetingEmployees} employees" : "")}{(scope.CrmEditEmployees > 0 ? $", CRM edits of time and owner up to {scope.CrmEditEmployees} employees" : "")}{(scope.CrmStatusEditEmployees > 0 ? $", CRM edits of status and parties up to {scope.CrmStatusEditEmployees} employees" : "")}{(scope.BeyondWindowEmployees > 0 ? $", meetings created beyond the window up to {scope.BeyondWindowEmployees} employees" : "")}), {exhaustive.SchedulesExplored:N0} schedules, {exhaustive.DistinctStates:N0} distinct states, {exhaustive.Violations.Length} violation(s); goals {(exhaustive.GoalsMet ? "met" : "NOT met")}");

        var randomOptions = scope with { Mode = SimulationMode.Random, Employees = Math.Max(5, scope.Employees) };
        var random = SimulateCommand.WithProgress(console, table, randomOptions, p => RulesSync.Simulator.Simulation.Run(randomOptions, ruleSet, p));
        Say(console, table, $"random: {randomOptions.Runs:N0} scenarios of up to {randomOptions.Employees} employees, seed {random.Seed}, {random.Violations.Length} violation(s); same seed, same trace: {(random.DeterminismVerified == true ? "yes" : "NO")}");

        var series = SeriesPhase.Run(console, table, ruleSet, scope);
        var coverage = RuleReach.Of(ruleSet, exhaustive.Coverage, random.Coverage, series.Coverage);
        Say(console, table, $"rules that never fired: {(coverage.NeverFired.IsEmpty ? "none" : string.Join(", ", coverage.NeverFired))}");
        foreach (var (rule, reason) in coverage.ExpectedUnreachable)
        {
            Say(console, table, $"  {rule}: expected unreachable ({reason})");
        }

        foreach (var rule in coverage.Unexpected)
        {
            Say(console, table, $"  {rule}: never fired and not marked expectUnreachable — the simulated world never tests it");
        }

        foreach (var rule in coverage.MarkedButFired)
        {
            Say(console, table, $"  warning: {rule} is marked expectUnreachable but fired");
        }

        var violations = exhaustive.Violations.Concat(random.Violations).ToList();
        foreach (var v in violations.Take(ShownTraces))
        {
            Say(console, table, string.Empty);
            Say(console, table, v.Render());
        }

        if (violations.Count > ShownTraces)
        {
            Say(console, table, string.Empty);
            Say(console, table, $"{violations.Count - ShownTraces} more violation trace(s) left out ({ShownTraces} of {violations.Count} shown); see them all with 'rulesync simulate {path} --report report.html' (add --mode random for the random ones) or with --format json");
        }

        var ok = fixtures.AllPassed && exhaustive.Passed && exhaustive.GoalsMet && random.Passed && random.DeterminismVerified != false
            && series.Passed && coverage.Unexpected.IsEmpty;
        return Verdict(
            console,
            table,
            ok,
            ok ? "check passed: this rule set may ship" : "check FAILED: do not ship this rule set",
            new
            {
                ruleSet = ruleSet.Name,
                hash = ruleSet.Hash,
                passed = ok,
                lint = lintSummary,
                fixtures = new { passed = fixtures.Results.Length - fixtures.FailedCount, failed = fixtures.FailedCount, unexercised = fixtures.UnexercisedRules },
                neverFired = new { rules = coverage.NeverFired, expectedUnreachable = coverage.ExpectedUnreachable.Select(r => new { rule = r.Rule, reason = r.Reason }), unexpected = coverage.Unexpected, markedButFired = coverage.MarkedButFired },
                exhaustive,
                random,
                series = new { series.Exhaustive, series.Random },
            });
    }

    /// <summary>The last line (table) or the whole JSON document, and the exit code.</summary>
    private static int Verdict<T>(CliConsole console, bool table, bool passed, string line, T json)
    {
        if (table)
        {
            console.Out.WriteLine(line);
        }
        else
        {
            console.WriteJson(json);
        }

        return passed ? (int)ExitCode.Ok : (int)ExitCode.Findings;
    }

    /// <summary>
    /// Which rules never fired in either phase, split into those marked <c>expectUnreachable</c> (with their reason)
    /// and the rest (which fail the gate); and marked rules that fired after all.
    /// </summary>
    internal sealed record RuleReach(
        System.Collections.Immutable.ImmutableArray<string> NeverFired,
        System.Collections.Immutable.ImmutableArray<(string Rule, string Reason)> ExpectedUnreachable,
        System.Collections.Immutable.ImmutableArray<string> Unexpected,
        System.Collections.Immutable.ImmutableArray<string> MarkedButFired)
    {
        public static RuleReach Of(RulesSync.Engine.Rules.Compilation.CompiledRuleSet ruleSet, params RulesSync.Simulator.Reports.RuleCoverage[] phases)
        {
            var fired = phases.SelectMany(p => p.Fired).ToHashSet(StringComparer.Ordinal);
            var rules = ruleSet.Model.Rules;
            return new(
                [.. rules.Where(r => !fired.Contains(r.Name)).Select(r => r.Name)],
                [.. rules.Where(r => !fired.Contains(r.Name) && r.ExpectUnreachable).Select(r => (r.Name, r.UnreachableReason!))],
                [.. rules.Where(r => !fired.Contains(r.Name) && !r.ExpectUnreachable).Select(r => r.Name)],
                [.. rules.Where(r => fired.Contains(r.Name) && r.ExpectUnreachable).Select(r => r.Name)]);
        }
    }

    private static void Say(CliConsole console, bool table, string line)
    {
        if (table)
        {
            console.Out.WriteLine(line);
        }
    }
}
