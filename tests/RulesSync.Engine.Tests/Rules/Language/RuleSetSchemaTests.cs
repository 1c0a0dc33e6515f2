using System.Text.Json.Nodes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class RuleSetSchemaTests
{
    private static readonly JsonNode Schema = JsonNode.Parse(RepoFiles.Read("rules.schema.json"))!;

    private static List<(string Pointer, SourceLocation Location, string Message)> Validate(string text)
    {
        var diagnostics = new List<RuleDiagnostic>();
        var root = YamlTree.Parse("s.yaml", text, RuleSetLoader.MaxDepth, diagnostics);
        Assert.Empty(diagnostics);
        return RuleSetSchema.Validate(root!);
    }

    [Fact]
    public void Schema_IsDraft202012AndEmbeddedCopyMatchesFile()
    {
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)Schema["$schema"]);
        Assert.Equal(RepoFiles.Read("rules.schema.json"), RuleSetSchema.Text);
    }

    [Fact]
    public void Schema_ListsEveryFactWithItsValuesAsEnum()
    {
        var defs = Schema["$defs"]!.AsObject();
        var when = Schema["$defs"]!["rule"]!["properties"]!["when"]!["properties"]!.AsObject();
        var given = Schema["$defs"]!["fixture"]!["properties"]!["given"]!["properties"]!.AsObject();
        foreach (var fact in FactCatalog.All)
        {
            var values = defs[$"value.{fact.Name}"]!["enum"]!.AsArray()
                .Select(v => v!.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? v.GetValue<bool>() ? "true" : "false" : v.GetValue<string>());
            Assert.Equal(fact.Values, values);
            Assert.Equal(fact.Description, (string?)defs[$"value.{fact.Name}"]!["description"]);
            Assert.True(when.ContainsKey(fact.Name), fact.Name);
            Assert.True(given.ContainsKey(fact.Name), fact.Name);
            Assert.True(defs.ContainsKey($"condition.{fact.Name}"), fact.Name);
        }

        Assert.Equal(FactCatalog.All.Select(f => f.Name).Order(), when.Select(p => p.Key).Order());
        Assert.Equal(FactCatalog.All.Select(f => f.Name).Order(), given.Select(p => p.Key).Order());
    }

    [Fact]
    public void Schema_ActionsAndTargetsMatchTheDecisionModel()
    {
        var actions = Schema["$defs"]!["action"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.Equal(Enum.GetValues<Decisions.DecisionAction>().Select(a => a.ToString().ToLowerInvariant()), actions);
        var targets = Schema["$defs"]!["rule"]!["properties"]!["target"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.Equal(Enum.GetValues<Decisions.DecisionTarget>().Select(a => a.ToString().ToLowerInvariant()), targets);
    }

    [Fact]
    public void Validate_EveryShippedFile_IsValid()
    {
        foreach (var file in RepoFiles.ShippedRuleFiles())
        {
            var diagnostics = new List<RuleDiagnostic>();
            var root = YamlTree.Parse(file, RepoFiles.Read(file), RuleSetLoader.MaxDepth, diagnostics);
            Assert.Empty(diagnostics);
            var errors = RuleSetSchema.Validate(root!);
            Assert.True(errors.Count == 0, file + ": " + string.Join("\n", errors.Select(e => $"{e.Location}: {e.Message}")));
        }
    }

    [Fact]
    public void Validate_ShippedFiles_DeclareTheSchemaForEditors()
    {
        foreach (var file in RepoFiles.ShippedRuleFiles())
        {
            var first = RepoFiles.Read(file).Split('\n')[0];
            Assert.StartsWith("# yaml-language-server: $schema=", first, StringComparison.Ordinal);
            var schemaPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepoFiles.PathOf(file))!, first["# yaml-language-server: $schema=".Length..].Trim()));
            Assert.Equal(RepoFiles.PathOf("rules.schema.json"), schemaPath);
        }
    }

    [Fact]
    public void Validate_WrongValueType_IsLocatedAtTheYamlNode()
    {
        var errors = Validate("name: t\nhitPolicy: first\nrules:\n  - name: a\n    because: x\n    priority: \"high\"\n    decide: ignore\n");

        var error = Assert.Single(errors);
        Assert.Equal("/rules/0/priority", error.Pointer);
        Assert.Equal(new SourceLocation("s.yaml", 6, 15), error.Location);
        Assert.Contains("integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownValueInList_IsLocatedAtTheCondition()
    {
        var errors = Validate("name: t\nhitPolicy: first\nrules:\n  - name: a\n    because: x\n    when: { kind: [created, nope] }\n    decide: ignore\n");

        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal(6, e.Location.Line));
        Assert.Contains(errors, e => e.Pointer.StartsWith("/rules/0/when/kind", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MissingRequired_IsReportedAtTheMap()
    {
        var errors = Validate("name: t\nrules: []\n");

        var error = Assert.Single(errors);
        Assert.Equal(string.Empty, error.Pointer);
        Assert.Contains("hitPolicy", error.Message, StringComparison.Ordinal);
    }
}
