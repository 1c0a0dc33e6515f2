using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;

namespace RulesSync.Bench;

/// <summary>Finds the checkout's rules/ folder and compiles shipped rule sets for the benchmarks.</summary>
internal static class ShippedRules
{
    public static string RulesFolder { get; } = Find();

    public static CompiledRuleSet Compile(string relativePath)
    {
        var path = Path.Combine(RulesFolder, relativePath);
        var result = RuleSetCompiler.Load(path, File.ReadAllText(path));
        return result.RuleSet ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics));
    }

    /// <summary>Refuses to benchmark two policies that do not decide the whole fact space alike.</summary>
    public static void AssertAgree(IDecisionPolicy expected, IDecisionPolicy actual)
    {
        foreach (var facts in FactCatalog.EnumerateSpace())
        {
            var e = expected.Decide(facts);
            var a = actual.Decide(facts);
            if (e.Action != a.Action || e.Target != a.Target || e.Rule != a.Rule)
            {
                throw new InvalidOperationException($"policies disagree on {FactCatalog.Describe(facts)}: {e} vs {a}");
            }
        }
    }

    private static string Find() =>
        Path.Combine(
            typeof(ShippedRules).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
            "rules");
}
