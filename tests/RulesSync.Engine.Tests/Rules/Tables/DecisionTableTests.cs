using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Tables;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Tables;

public class DecisionTableTests
{
    [Fact]
    public void ToMarkdown_OneRowPerRule_OneColumnPerFactUsed()
    {
        var model = RuleSetLoader.Load("t.yaml", RuleSetLoaderTests.Header
            + "  - name: a\n    because: x\n    when: { kind: [deleted, missing], role: { not: attendee } }\n    decide: delete\n    target: crm\n"
            + "  - name: b\n    because: x\n    priority: 2\n    when: { ownsRecord: true }\n    expression: link == \"this\" || autoShare\n    decide: share\n"
            + "  - name: c\n    because: x\n    decide: ignore\n").Model!;

        var table = DecisionTable.ToMarkdown(model);

        var lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal("### t (hit policy: first)", lines[0]);
        Assert.Equal("| # | rule | priority | kind | role | ownsRecord | expression | decide | target |", lines[2]);
        Assert.Equal("| --- | --- | --- | --- | --- | --- | --- | --- | --- |", lines[3]);
        Assert.Equal("| 1 | b | 2 | - | - | true | `link == \"this\" \\|\\| autoShare` | share | opposite |", lines[4]);
        Assert.Equal("| 2 | a | 0 | deleted, missing | not attendee | - | - | delete | crm |", lines[5]);
        Assert.Equal("| 3 | c | 0 | - | - | - | - | ignore | opposite |", lines[6]);
        Assert.Equal(7, lines.Length);
    }

    [Fact]
    public void ToMarkdown_Default_HasARowForEveryRuleAndNoUnusedColumns()
    {
        var model = RuleSetLoader.Load("rules/default.yaml", RepoFiles.Read("rules/default.yaml")).Model!;

        var lines = DecisionTable.ToMarkdown(model).TrimEnd('\n').Split('\n');

        Assert.Equal(model.Rules.Length + 4, lines.Length);
        Assert.DoesNotContain("expression", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain("priority", lines[2], StringComparison.Ordinal);
        var used = model.Rules.SelectMany(r => r.When.Select(c => c.Fact.Name)).Distinct().Count();
        Assert.Equal(used + 4, lines[2].Split('|', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
