using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator;
using RulesSync.Simulator.Exploration;

namespace RulesSync.Bench.Simulation;

/// <summary>
/// <c>rulesync check</c>'s two exploration phases on rules/default.yaml, timed apart: the single-meeting exhaustive
/// phase at the acceptance scope (<see cref="SimulationOptions"/>' defaults) and the series phase (exhaustive: 2
/// employees, ≤ 2 series actions; random: 10,000 schedules from check's seed). One cold iteration each, in process;
/// each prints the process's CPU time (user + sys) for the iteration and the counts, since wall times on a shared
/// machine are noisy. The file compiles against the build before issue 12's second session too, so the two builds
/// can be run side by side.
/// </summary>
[Config(typeof(OneShot))]
public class AcceptancePhaseBenchmarks
{
    private CompiledRuleSet _rules = null!;
    private TimeSpan _cpu;

    [GlobalSetup]
    public void Setup() => _rules = ShippedRules.Compile("default.yaml");

    [IterationSetup]
    public void Before() => _cpu = Process.GetCurrentProcess().TotalProcessorTime;

    [Benchmark(Baseline = true)]
    public long SingleMeetings()
    {
        var report = RulesSync.Simulator.Simulation.Run(new SimulationOptions(), _rules);
        Console.WriteLine($"// single meetings: cpu {Cpu():F1} s, {report.Scenarios} scenarios, {report.SchedulesExplored} schedules, {report.DistinctStates} states, {report.Violations.Length} violations");
        return report.DistinctStates;
    }

    [Benchmark]
    public long Series()
    {
        var now = new SimulationOptions().Now;
        var exhaustive = SeriesExplorer.Exhaustive(_rules, new SeriesScope(Employees: 2, MaxActions: 2), now);
        var random = SeriesExplorer.Random(_rules, 10_000, unchecked((int)new SimulationOptions().Seed), now);
        Console.WriteLine($"// series: cpu {Cpu():F1} s, {exhaustive.Scenarios} scenarios, {exhaustive.Schedules} exhaustive schedules, {random.Schedules} random, {exhaustive.Violations.Length + random.Violations.Length} violations");
        return exhaustive.Schedules + random.Schedules;
    }

    private double Cpu() => (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds;

    /// <summary>One cold iteration each, in process: one invocation is a whole phase.</summary>
    private sealed class OneShot : ManualConfig
    {
        public OneShot() => AddJob(Job.Dry.WithStrategy(RunStrategy.Monitoring).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true)));
    }
}
