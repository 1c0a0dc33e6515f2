using System.Reflection;
using RulesSync.Runner.Connectors.ArchitectureSelfTest;

namespace RulesSync.Runner.Tests.Architecture;

/// <summary>Layers only point down (docs/architecture.md): checked over the compiled assemblies, IL included.</summary>
public sealed class LayersTests
{
    private static readonly Assembly Engine = typeof(Engine.Meetings.MeetingUid).Assembly;
    private static readonly Assembly Simulator = typeof(Simulator.World.SimWorld).Assembly;
    private static readonly Assembly Emulators = typeof(Emulators.Hosting.EmulatorHost).Assembly;
    private static readonly Assembly Runner = typeof(Runner.State.StateStore).Assembly;

    [Fact]
    public void Engine_DependsOnNothingOfOurs()
    {
        Assert.Empty(Ours(Engine));
        NoViolations(Layers.RulesSync.Violations(TypeDependencies.Of(Engine)));
    }

    [Fact]
    public void Simulator_DependsOnTheEngineOnly()
    {
        Assert.Equal(["RulesSync.Engine"], Ours(Simulator));
        NoViolations(Layers.RulesSync.Violations(TypeDependencies.Of(Simulator)));
    }

    [Fact]
    public void Emulators_DependOnNothingOfOurs()
    {
        Assert.Empty(Ours(Emulators));
        NoViolations(Layers.RulesSync.Violations(TypeDependencies.Of(Emulators)));
    }

    [Fact]
    public void Runner_EveryLayerDependsOnlyOnLayersBelowIt()
    {
        Assert.Equal(["RulesSync.Emulators", "RulesSync.Engine", "RulesSync.Simulator"], Ours(Runner));
        NoViolations(Layers.RulesSync.Violations(TypeDependencies.Of(Runner)));
    }

    [Fact]
    public void Runner_UsesTheSimulatorAndEmulatorsOnlyThroughTheAllowedEdges()
    {
        var edges = TypeDependencies.Of(Runner);

        Assert.All(
            edges.Where(e => e.To.StartsWith("RulesSync.Simulator.", StringComparison.Ordinal)),
            e => Assert.StartsWith("RulesSync.Runner.Cli.Simulation.", e.From, StringComparison.Ordinal));
        Assert.All(
            edges.Where(e => e.To.StartsWith("RulesSync.Emulators.", StringComparison.Ordinal)),
            e => Assert.Matches(@"^RulesSync\.Runner\.(Cli\.)?Demo\.", e.From));
        Assert.Contains(edges, e => e.To.StartsWith("RulesSync.Simulator.", StringComparison.Ordinal));
    }

    [Fact]
    public void Order_EveryLayerNamespaceHasTypes()
    {
        var names = new[] { Engine, Simulator, Emulators, Runner }
            .SelectMany(a => a.GetTypes())
            .Select(t => t.Namespace is null && t.Name == "Program" ? "RulesSync.Runner.Program" : t.FullName ?? string.Empty)
            .ToList();

        Assert.All(
            Layers.RulesSync.Order.SelectMany(l => l.Namespaces),
            n => Assert.Contains(names, t => t == n || t.StartsWith(n + ".", StringComparison.Ordinal)));
    }

    [Fact]
    public void Violations_ConnectorCallingTheCliInAMethodBody_IsReported()
    {
        // The synthetic type below names the CLI only inside a method body: the IL scan must see it.
        var edges = TypeDependencies.Of(typeof(LayersTests).Assembly, "RulesSync.Runner.Connectors.ArchitectureSelfTest");

        Assert.Contains(new TypeEdge(typeof(CallsTheCli).FullName!, "RulesSync.Runner.Cli.RulesyncCli"), edges);
        Assert.All(edges, e => Assert.StartsWith("RulesSync.Runner.Cli.", e.To, StringComparison.Ordinal));
        var violation = Assert.Single(Layers.RulesSync.Violations(edges));
        Assert.StartsWith("connectors may not depend on cli, a layer above it: ", violation, StringComparison.Ordinal);
        Assert.Equal(1, CallsTheCli.Run());
    }

    [Theory]
    [InlineData("RulesSync.Runner.Live.LiveRunner", "RulesSync.Runner.Tenant.TenantOperations", "live may not depend on tenant, a layer above it")]
    [InlineData("RulesSync.Runner.Dashboard.DashboardApi", "RulesSync.Runner.Cli.CliConsole", "dashboard may not depend on cli, a layer above it")]
    [InlineData("RulesSync.Engine.Sync.SyncCycle", "RulesSync.Runner.State.StateStore", "engine may not depend on state, a layer above it")]
    [InlineData("RulesSync.Runner.Live.LiveRunner", "RulesSync.Emulators.Hosting.EmulatorHost", "live may not use emulators (only through an allowed edge)")]
    [InlineData("RulesSync.Runner.Cli.Operations.RunCommand", "RulesSync.Simulator.Exploration.ExhaustiveExplorer", "cli may not use simulator (only through an allowed edge)")]
    [InlineData("RulesSync.Runner.Elsewhere.Thing", "RulesSync.Engine.Sync.SyncCycle", "namespace RulesSync.Runner.Elsewhere is in no layer")]
    public void Violations_SyntheticBadEdge_IsReported(string from, string to, string expected)
    {
        var violation = Assert.Single(Layers.RulesSync.Violations([new TypeEdge(from, to)]));

        Assert.StartsWith(expected, violation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RulesSync.Runner.Cli.Operations.SuspendCommand", "RulesSync.Runner.Tenant.TenantOperations")]
    [InlineData("RulesSync.Runner.Live.LiveRunner", "RulesSync.Runner.Connectors.Crm.ODataCrmConnector")]
    [InlineData("RulesSync.Runner.Cli.Simulation.CheckCommand", "RulesSync.Simulator.Exploration.ExhaustiveExplorer")]
    [InlineData("RulesSync.Runner.Demo.DemoStory", "RulesSync.Emulators.Hosting.EmulatorHost")]
    [InlineData("RulesSync.Simulator.Exploration.ExhaustiveExplorer", "RulesSync.Engine.Sync.SyncCycle")]
    public void Violations_DownwardOrAllowedEdge_IsNone(string from, string to) =>
        NoViolations(Layers.RulesSync.Violations([new TypeEdge(from, to)]));

    private static void NoViolations(IReadOnlyList<string> violations) =>
        Assert.True(violations.Count == 0, $"{violations.Count} layer violation(s), see docs/architecture.md:\n{string.Join('\n', violations)}");

    private static string[] Ours(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("RulesSync", StringComparison.Ordinal) || n == "rulesync")
            .Order(StringComparer.Ordinal)];
}
