using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Tests.RuleFiles;

public sealed class LiveRuleSetTests
{
    private static string DefaultText => RuleFileReader.Read("embedded:default").Text;

    [Fact]
    public void Refresh_BrokenFile_KeepsThePreviousRulesAndReportsOnce()
    {
        using var files = new TempFiles();
        var path = files.Write("rules.yaml", DefaultText);
        var live = LiveRuleSet.Load(path);
        var before = live.Current.Hash;
        File.WriteAllText(path, DefaultText.Replace("rules:", "rulez:", StringComparison.Ordinal));

        var first = live.Refresh();
        var second = live.Refresh();

        Assert.False(first.Changed);
        Assert.StartsWith(path + ":", first.Error, StringComparison.Ordinal);
        Assert.Equal(default, second);
        Assert.Equal(before, live.Current.Hash);
    }

    [Fact]
    public void Refresh_ValidChange_SwapsTheRuleSet()
    {
        using var files = new TempFiles();
        var path = files.Write("rules.yaml", DefaultText);
        var live = LiveRuleSet.Load(path);
        var before = live.Current.Hash;

        File.WriteAllText(path, RuleFileReader.Read("embedded:regressions/2020-02-ordering").Text);
        var reload = live.Refresh();

        Assert.True(reload.Changed);
        Assert.NotEqual(before, live.Current.Hash);
        Assert.Equal(default, live.Refresh());
    }

    [Fact]
    public void Load_InvalidFile_IsInvalidInput()
    {
        using var files = new TempFiles();
        var path = files.Write("rules.yaml", "name: x\nrules: 3\n");

        Assert.Throws<InvalidInputException>(() => LiveRuleSet.Load(path));
    }
}
