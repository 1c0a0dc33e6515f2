using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

if (args is ["live-cycles", ..])
{
    // Outside BenchmarkDotNet, for a profiler to attach to: settle the live world, then run no-change cycles,
    // printing time, allocation and working set per cycle (see docs/benchmarks.md, "Live runner").
    return await RulesSync.Bench.Live.LiveCycleLoop.RunAsync(args[1..]).ConfigureAwait(false);
}

// The generated benchmark project builds the runner with its SDKs: on this machine kind (2 cores) that can take
// longer than BenchmarkDotNet's default 2-minute build timeout.
BenchmarkSwitcher.FromAssembly(typeof(RulesSync.Bench.ShippedRules).Assembly)
    .Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
return 0;
