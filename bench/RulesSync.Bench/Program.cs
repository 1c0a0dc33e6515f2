using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// The generated benchmark project builds the runner with its SDKs: on this machine kind (2 cores) that can take
// longer than BenchmarkDotNet's default 2-minute build timeout.
BenchmarkSwitcher.FromAssembly(typeof(RulesSync.Bench.ShippedRules).Assembly)
    .Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
