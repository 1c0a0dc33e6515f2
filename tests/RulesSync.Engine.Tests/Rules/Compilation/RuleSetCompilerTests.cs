using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Compilation;

public class RuleSetCompilerTests
{
    [Fact]
    public void Load_DefaultRuleSet_Compiles()
    {
        var result = RuleSetCompiler.Load("rules/default.yaml", RepoFiles.Read("rules/default.yaml"));
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal("default", result.RuleSet!.Name);
    }
}
