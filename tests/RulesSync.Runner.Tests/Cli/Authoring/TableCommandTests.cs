using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Authoring;

public class TableCommandTests
{
    [Fact]
    public void Table_Default_HasOneRowPerRuleInOrder()
    {
        var run = CliRun.Of("table", "embedded:default");
        Assert.Equal(0, run.ExitCode);
        var rows = run.Out.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && char.IsDigit(l[2])).ToList();
        var compiled = RulesSync.Engine.Rules.Compilation.RuleSetCompiler
            .Load("d", File.ReadAllText(Path.Combine(RepoPaths.Root, "rules", "default.yaml"))).RuleSet!;
        Assert.Equal(compiled.Rules.Length, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Contains($" {compiled.Rules[i].Name} ", rows[i], StringComparison.Ordinal);
        }
    }
}
