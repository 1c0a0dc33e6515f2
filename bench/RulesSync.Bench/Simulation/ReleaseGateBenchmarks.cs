using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator;

namespace RulesSync.Bench.Simulation;

/// <summary>
/// The release gate's exhaustive phase (<c>rulesync check</c>'s scope on rules/default.yaml: up to 3 employees + 1
/// external, ≤ 3 actions, ≤ 2 syncs each) with and without the partial-order reduction, on one thread and on two
/// (scenarios in parallel). The baseline is the full exploration on one thread, in the same run. Wall times on a shared
/// machine are noisy: each iteration also prints the process's CPU time (user + sys) and the counts.
/// </summary>
[Config(typeof(OneShot))]
public class ReleaseGateBenchmarks
{
    /// <summary>One cold iteration each, in process: one invocation is a whole exploration (tens of seconds).</summary>
    private sealed class OneShot : ManualConfig
    {
        // The in-process toolchain's default timeout (5 minutes) is shorter than one full exploration on a loaded machine.
        public OneShot() => AddJob(Job.Dry.WithStrategy(RunStrategy.Monitoring).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true)));
    }

    private CompiledRuleSet _rules = null!;
    private TimeSpan _cpu;

    [Params(false, true)]
    public bool Reduction { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>3: the acceptance scope; 4: the next population (set by a filter on the parameter).</summary>
    [Params(3)]
    public int Employees { get; set; }

    private SimulationOptions Options => new() { Employees = Employees, Reduction = Reduction, MaxDegreeOfParallelism = Threads };

    [GlobalSetup]
    public void Setup() => _rules = ShippedRules.Compile("default.yaml");

    [IterationSetup]
    public void Before() => _cpu = Process.GetCurrentProcess().TotalProcessorTime;

    [Benchmark]
    public long Exhaustive()
    {
        var report = RulesSync.Simulator.Simulation.Run(Options, _rules);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
        Console.WriteLine($"// reduction={Reduction} threads={Threads} employees={Employees}: cpu {cpu.TotalSeconds:F1} s, {report.Scenarios} scenarios, {report.SchedulesExplored} schedules, {report.DistinctStates} states, {report.Violations.Length} violations, never fired: {string.Join(" ", report.Coverage.NeverFired)}");
        return report.DistinctStates;
    }
}
