using RulesSync.Engine.Rules.Compilation;
using RulesSync.Runner.Cli;
using RulesSync.Simulator;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Reports;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// <c>check</c>'s recurring-series phase: the simulated weekly series (docs/simulator.md, "Recurring series"),
/// exhaustively over its scope (2 employees, up to 2 series actions) and over 1,000 random schedules from the check's
/// seed. Its violations fail the gate; the rules it fires count for the never-fired check.
/// </summary>
internal sealed record SeriesPhase(SeriesReport Exhaustive, SeriesReport Random, RuleCoverage Coverage)
{
    public const int RandomRuns = 10_000;

    public bool Passed => Exhaustive.Passed && Random.Passed;

    public static SeriesPhase Run(CliConsole console, bool table, CompiledRuleSet ruleSet, SimulationOptions scope)
    {
        var exhaustive = SeriesExplorer.Exhaustive(ruleSet, new SeriesScope(Employees: 2, MaxActions: 2), scope.Now);
        var random = SeriesExplorer.Random(ruleSet, RandomRuns, unchecked((int)scope.Seed), scope.Now);
        var fired = exhaustive.FiredRules.Union(random.FiredRules, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rules = ruleSet.Rules.Select(r => r.Name).ToList();
        var coverage = new RuleCoverage([.. rules], [.. fired], [.. rules.Where(r => !fired.Contains(r, StringComparer.Ordinal))]);
        if (table)
        {
            console.Out.WriteLine($"series: {exhaustive.Scenarios:N0} scenarios (2 employees, a weekly series of 3 and a single meeting beside it, ≤2 series actions), {exhaustive.Schedules:N0} schedules, {exhaustive.Violations.Length} violation(s); random: {RandomRuns:N0} schedules (≤6 actions, up to 3 employees), {random.Violations.Length} violation(s)");
            foreach (var v in exhaustive.Violations.Concat(random.Violations).DistinctBy(v => v.Invariant))
            {
                console.Out.WriteLine($"  series invariant violated: {v.Invariant} [{v.Scenario}]");
                console.Out.WriteLine($"    {string.Join(" → ", v.Steps)}");
                console.Out.WriteLine($"    {v.Detail}");
            }
        }

        return new SeriesPhase(exhaustive, random, coverage);
    }
}
