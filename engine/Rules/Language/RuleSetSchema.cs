using System.Text.Json;
using Json.Schema;

namespace RulesSync.Engine.Rules.Language;

/// <summary>
/// rules.schema.json (embedded in the engine as <c>RulesSync.rules.schema.json</c>) and validation of a parsed
/// YAML tree against it with JsonSchema.Net; errors come back located at the YAML node their JSON pointer names.
/// </summary>
internal static class RuleSetSchema
{
    public const string ResourceName = "RulesSync.rules.schema.json";

    /// <summary>The schema's text, as embedded.</summary>
    public static string Text { get; } = ReadResource();

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(Text), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Schema errors as (JSON pointer, location, message), at most one per instance location.</summary>
    public static List<(string Pointer, SourceLocation Location, string Message)> Validate(YamlTreeNode root)
    {
        var json = YamlTree.ToJson(root);
        var element = JsonSerializer.SerializeToElement(json);
        var results = Schema.Value.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        var errors = new List<(string, SourceLocation, string)>();
        if (results.IsValid)
        {
            return errors;
        }

        var locations = YamlTree.Locations(root);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Walk only invalid nodes: a branch of a passing anyOf fails on purpose and is not an error.
        var work = new Stack<EvaluationResults>();
        work.Push(results);
        var failing = new List<EvaluationResults>();
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node.IsValid)
            {
                continue;
            }

            if (node.Errors is { Count: > 0 })
            {
                failing.Add(node);
            }

            foreach (var child in Enumerable.Reverse(node.Details ?? []))
            {
                work.Push(child);
            }
        }

        foreach (var detail in failing)
        {
            var pointer = detail.InstanceLocation.ToString();
            if (!seen.Add(pointer))
            {
                continue;
            }

            var at = Locate(locations, pointer, root.Location);
            var message = string.Join("; ", detail.Errors!.Values.Distinct(StringComparer.Ordinal));
            errors.Add((pointer, at, $"schema: {(pointer.Length == 0 ? "document" : pointer)}: {message}"));
        }

        return errors;
    }

    private static SourceLocation Locate(Dictionary<string, SourceLocation> locations, string pointer, SourceLocation fallback)
    {
        for (var p = pointer; ; p = p[..p.LastIndexOf('/')])
        {
            if (locations.TryGetValue(p, out var at))
            {
                return at;
            }

            if (p.Length == 0)
            {
                return fallback;
            }
        }
    }

    private static string ReadResource()
    {
        using var stream = typeof(RuleSetSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
