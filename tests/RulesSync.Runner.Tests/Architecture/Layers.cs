namespace RulesSync.Runner.Tests.Architecture;

/// <summary>One layer: a name and the namespaces it owns (a namespace owns its sub-namespaces unless a more specific one is listed).</summary>
internal sealed record Layer(string Name, params string[] Namespaces);

/// <summary>An edge the order alone would forbid, allowed on purpose, with the reason docs/architecture.md gives.</summary>
internal sealed record AllowedEdge(string From, string To, string Why);

/// <summary>
/// The layers of RulesSync, highest first, as docs/architecture.md draws them. A type may depend on types of its own
/// layer and of the layers below it, never above. A restricted layer (the simulator, the emulators) is reachable only
/// through an <see cref="AllowedEdge"/>, wherever it stands in the order.
/// </summary>
internal sealed class Layers(IReadOnlyList<Layer> order, IReadOnlySet<string> restricted, IReadOnlyList<AllowedEdge> allowed)
{
    /// <summary>The layering as it is: engine at the bottom; in the runner, CLI → tenant → live → connectors.</summary>
    public static Layers RulesSync { get; } = new(
        [
            new("cli", "RulesSync.Runner.Cli", "RulesSync.Runner.Program"),
            new("demo", "RulesSync.Runner.Demo"),
            new("dashboard", "RulesSync.Runner.Dashboard"),
            new("tenant", "RulesSync.Runner.Tenant"),
            new("cluster", "RulesSync.Runner.Cluster"),
            new("push", "RulesSync.Runner.Push"),
            new("live", "RulesSync.Runner.Live", "RulesSync.Runner.Guards"),
            new("notifications", "RulesSync.Runner.Notifications"),
            new("rule files", "RulesSync.Runner.RuleFiles"),
            new("configuration", "RulesSync.Runner.Configuration"),
            new("connectors", "RulesSync.Runner.Connectors"),
            new("state", "RulesSync.Runner.State"),
            new("diagnostics", "RulesSync.Runner.Diagnostics"),
            new("simulator", "RulesSync.Simulator"),
            new("emulators", "RulesSync.Emulators"),
            new("engine", "RulesSync.Engine"),
        ],
        new HashSet<string>(StringComparer.Ordinal) { "simulator", "emulators" },
        [
            new("RulesSync.Runner.Cli.Simulation", "simulator", "rulesync check, simulate, diff and mutate run the simulator: the CLI is its second shell"),
            new("RulesSync.Runner.Cli.Demo", "emulators", "rulesync emulators starts the loopback emulators for a person to try the runner against"),
            new("RulesSync.Runner.Demo", "emulators", "rulesync demo runs the live runner against the emulators, in process"),
        ]);

    public IReadOnlyList<Layer> Order => order;

    /// <summary>The layer owning a type (by the longest namespace prefix), or null when none does.</summary>
    public Layer? LayerOf(string typeName) => order
        .SelectMany(l => l.Namespaces.Select(n => (Layer: l, Namespace: n)))
        .Where(x => typeName == x.Namespace || typeName.StartsWith(x.Namespace + ".", StringComparison.Ordinal))
        .OrderByDescending(x => x.Namespace.Length)
        .Select(x => x.Layer)
        .FirstOrDefault();

    /// <summary>Every edge that points up, into a restricted layer without leave, or from or to a type no layer owns; one line each, grouped by the pair of layers.</summary>
    public IReadOnlyList<string> Violations(IEnumerable<TypeEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var found = new List<(string Key, TypeEdge Edge)>();
        foreach (var edge in edges)
        {
            var from = LayerOf(edge.From);
            var to = LayerOf(edge.To);
            if ((from is null ? edge.From : to is null ? edge.To : null) is { } orphan)
            {
                found.Add(($"namespace {orphan[..Math.Max(0, orphan.LastIndexOf('.'))]} is in no layer (add it to {nameof(Layers)} and docs/architecture.md)", edge));
                continue;
            }

            if (from is null || to is null || from == to || allowed.Any(a => a.To == to.Name && (edge.From == a.From || edge.From.StartsWith(a.From + ".", StringComparison.Ordinal))))
            {
                continue;
            }

            if (restricted.Contains(to.Name))
            {
                found.Add(($"{from.Name} may not use {to.Name} (only through an allowed edge)", edge));
            }
            else if (Rank(from) > Rank(to))
            {
                found.Add(($"{from.Name} may not depend on {to.Name}, a layer above it", edge));
            }
        }

        return [.. found
            .GroupBy(f => f.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {string.Join("; ", g.Select(x => x.Edge.ToString()).Take(5))}{(g.Count() > 5 ? $" (+{g.Count() - 5} more)" : string.Empty)}")];
    }

    private int Rank(Layer layer)
    {
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i] == layer)
            {
                return i;
            }
        }

        throw new ArgumentException($"{layer.Name} is not a layer", nameof(layer));
    }
}
