using System.Text.Json.Nodes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class YamlTreeTests
{
    private static YamlTreeNode Parse(string text)
    {
        var diagnostics = new List<RuleDiagnostic>();
        var root = YamlTree.Parse("y.yaml", text, 32, diagnostics);
        Assert.Empty(diagnostics);
        return root!;
    }

    [Fact]
    public void ToJson_PlainScalars_AreTypedQuotedStayStrings()
    {
        var json = YamlTree.ToJson(Parse("a: true\nb: \"true\"\nc: 42\nd: '42'\ne: ~\nf: v2\ng: [x, false]\n"))!;

        Assert.Equal("""{"a":true,"b":"true","c":42,"d":"42","e":null,"f":"v2","g":["x",false]}""", json.ToJsonString());
    }

    [Fact]
    public void Locations_MapJsonPointersToYamlPositions()
    {
        var locations = YamlTree.Locations(Parse("rules:\n  - name: a\n    when: { kind: deleted }\n"));

        Assert.Equal(new SourceLocation("y.yaml", 1, 1), locations[string.Empty]);
        Assert.Equal(new SourceLocation("y.yaml", 2, 5), locations["/rules/0"]);
        Assert.Equal(new SourceLocation("y.yaml", 3, 11), locations["/rules/0/when"]);
        Assert.Equal(new SourceLocation("y.yaml", 3, 19), locations["/rules/0/when/kind"]);
    }

    [Fact]
    public void Locations_EscapeSlashAndTildeInKeys()
    {
        var locations = YamlTree.Locations(Parse("\"a/b~c\": 1\n"));

        Assert.True(locations.ContainsKey("/a~1b~0c"));
    }

    [Fact]
    public void Parse_Tag_IsRefused()
    {
        var diagnostics = new List<RuleDiagnostic>();

        var root = YamlTree.Parse("y.yaml", "a: !!binary aGVsbG8=\n", 32, diagnostics);

        Assert.Null(root);
        Assert.Contains("tags are not supported", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ComplexKey_IsRefused()
    {
        var diagnostics = new List<RuleDiagnostic>();

        var root = YamlTree.Parse("y.yaml", "? [a, b]\n: c\n", 32, diagnostics);

        Assert.Null(root);
        Assert.Contains("complex", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExactlyAtDepthCap_IsAccepted()
    {
        var diagnostics = new List<RuleDiagnostic>();

        Assert.NotNull(YamlTree.Parse("y.yaml", new string('[', 4) + new string(']', 4), 4, diagnostics));
        Assert.Null(YamlTree.Parse("y.yaml", new string('[', 5) + new string(']', 5), 4, diagnostics));
        Assert.Equal(DiagnosticCodes.TooDeep, Assert.Single(diagnostics).Code);
    }
}
