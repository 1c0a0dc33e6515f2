using System.Reflection;
using System.Text;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Tests.Rules;

/// <summary>Keeps docs/rules.md in step with the engine: facts, defaults, actions, functions, diagnostic codes.</summary>
public class RulesDocTests
{
    private static readonly string Doc = RepoFiles.Read("docs/rules.md");

    internal static string FactTable()
    {
        var b = new StringBuilder("| fact | values | default in `given` | meaning |\n| --- | --- | --- | --- |\n");
        foreach (var fact in FactCatalog.All)
        {
            b.Append($"| `{fact.Name}` | {string.Join(", ", fact.Values.Select(v => $"`{v}`"))} | `{fact.ValueOf(ChangeFacts.Default)}` | {fact.Description.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        return b.ToString();
    }

    [Fact]
    public void FactTable_MatchesFactCatalogAndDefaults()
    {
        var begin = Doc.IndexOf("<!-- facts:begin -->\n", StringComparison.Ordinal);
        var end = Doc.IndexOf("<!-- facts:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "facts markers missing");

        var table = Doc[(begin + "<!-- facts:begin -->\n".Length)..end];

        Assert.Equal(FactTable(), table);
    }

    [Fact]
    public void Doc_NamesEveryActionTargetAndRuleFunction()
    {
        foreach (var action in Enum.GetValues<DecisionAction>())
        {
            Assert.Contains($"| `{action.ToString().ToLowerInvariant()}` |", Doc, StringComparison.Ordinal);
        }

        foreach (var target in Enum.GetValues<DecisionTarget>())
        {
            Assert.Contains($"`{target.ToString().ToLowerInvariant()}`", Doc, StringComparison.Ordinal);
        }

        foreach (var method in typeof(RuleFunctions).GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            Assert.Contains($"`RuleFunctions.{method.Name}(", Doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Doc_ListsEveryDiagnosticCode()
    {
        var codes = typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();

        Assert.NotEmpty(codes);
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        foreach (var code in codes)
        {
            Assert.Contains($"| {code} |", Doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Doc_ExampleRuleSet_LoadsAndPassesItsFixture()
    {
        var start = Doc.IndexOf("```yaml\n# yaml-language-server", StringComparison.Ordinal) + "```yaml\n".Length;
        var example = Doc[start..Doc.IndexOf("```", start, StringComparison.Ordinal)];

        var result = Engine.Rules.Compilation.RuleSetCompiler.Load("docs/rules.md", example);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.True(Engine.Rules.Fixtures.FixtureRunner.Run(result.RuleSet!).AllPassed);
    }

    [Fact]
    public void Doc_StatesTheLimitsTheLoaderEnforces()
    {
        Assert.Equal(1 << 20, RuleSetLoader.MaxDocumentChars);
        Assert.Contains("at most 1 MiB", Doc, StringComparison.Ordinal);
        Assert.Contains($"nests at most {RuleSetLoader.MaxDepth} levels", Doc, StringComparison.Ordinal);
        Assert.Contains($"at most {ExpressionSandbox.MaxLength:N0} characters", Doc, StringComparison.Ordinal);
        Assert.Contains($"at most\n{ExpressionSandbox.MaxNesting} deep", Doc, StringComparison.Ordinal);
    }
}
