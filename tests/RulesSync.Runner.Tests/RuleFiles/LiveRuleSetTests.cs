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

        Assert.Throws<RuleFileException>(() => LiveRuleSet.Load(path));
    }

    [Fact]
    public void Load_RuleSetWithAGap_IsRefusedWithLintsDiagnostics()
    {
        using var files = new TempFiles();
        var path = files.Write("rules.yaml", "name: t\nhitPolicy: first\nrules:\n  - name: only-past\n    when: { timing: past }\n    because: x\n    decide: ignore\n");

        var e = Assert.Throws<RuleFileException>(() => LiveRuleSet.Load(path));

        Assert.Contains($"{path}:1:1: error: gap: no rule decides timing=future", e.Message, StringComparison.Ordinal);
        Assert.Contains("[RS0100]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_FileGrownPastTheCap_IsRefusedAndThePreviousRulesStay()
    {
        using var files = new TempFiles();
        var path = files.Write("rules.yaml", DefaultText);
        var live = LiveRuleSet.Load(path);
        var before = live.Current.Hash;
        File.WriteAllText(path, DefaultText + "\n#" + new string('x', (int)RuleFileReader.MaxBytes));

        var reload = live.Refresh();

        Assert.False(reload.Changed);
        Assert.Equal($"{path}:1:1: error: rule file is larger than 1,048,576 bytes (the limit); nothing was read past it", reload.Error);
        Assert.Equal(before, live.Current.Hash);
    }
}
