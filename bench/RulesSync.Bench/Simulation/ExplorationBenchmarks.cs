using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator;

namespace RulesSync.Bench.Simulation;

/// <summary>
/// The simulator's throughput on rules/default.yaml: the exhaustive acceptance scope (3 employees + 1 external,
/// up to 3 actions and 2 syncs each, every API version × auto-share × provider × origin) and a smaller scope,
/// and random scenarios. One invocation is one whole simulation, so each is run a few times, not millions;
/// schedules and states per second are the report's counts divided by the mean (printed by <see cref="Setup"/>).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class ExplorationBenchmarks
{
    private CompiledRuleSet _rules = null!;

    [Params("2 employees", "3 employees (acceptance)")]
    public string Scope { get; set; } = string.Empty;

    private SimulationOptions Options => Scope.StartsWith('2')
        ? new SimulationOptions { Employees = 2 }
        : new SimulationOptions();

    [GlobalSetup]
    public void Setup()
    {
        _rules = ShippedRules.Compile("default.yaml");
        var report = RulesSync.Simulator.Simulation.Run(Options, _rules);
        Console.WriteLine($"// scope {Scope}: {report.Scenarios} scenarios, {report.SchedulesExplored} schedules, {report.DistinctStates} distinct states, {report.Violations.Length} violations");
    }

    [Benchmark(Baseline = true)]
    public long Exhaustive() => RulesSync.Simulator.Simulation.Run(Options, _rules).DistinctStates;

    /// <summary>1,000 random scenarios of up to 5 employees (divide by 1,000 for one scenario).</summary>
    [Benchmark]
    public int Random1000() => RulesSync.Simulator.Simulation.Run(
        new SimulationOptions { Mode = SimulationMode.Random, Runs = 1000, Employees = 5, Seed = 20200222 }, _rules).Violations.Length;
}
