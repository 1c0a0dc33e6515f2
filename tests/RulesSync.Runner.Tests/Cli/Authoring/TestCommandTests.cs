using System.Text.Json;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Authoring;

public class TestCommandTests
{
    [Fact]
    public void Test_ShippedFixtures_Pass()
    {
        var run = CliRun.Of("test", "embedded:default", "embedded:regressions/2020-02-ordering");
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("FAIL", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"\d+ passed, 0 failed", run.Out);
    }

    [Fact]
    public void Test_FailingFixture_ExitsOneWithExpectedAndActual()
    {
        using var temp = new TempFiles();
        var path = temp.Write("f.yaml", """
            name: t
            hitPolicy: first
            rules:
              - name: share-all
                when: {}
                because: everything is shared
                decide: share
            tests:
              - name: wants-ignore
                given: { kind: deleted }
                expect: { decide: ignore }
            """);
        var run = CliRun.Of("test", path, "--format", "json");
        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(1, doc.RootElement.GetProperty("failed").GetInt32());
        var fixture = doc.RootElement.GetProperty("files")[0].GetProperty("fixtures")[0];
        Assert.False(fixture.GetProperty("passed").GetBoolean());
        Assert.StartsWith("share", fixture.GetProperty("actual").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Test_InvalidRuleFile_ExitsTwo()
    {
        using var temp = new TempFiles();
        var path = temp.Write("broken.yaml", "name: [unclosed\n");
        var run = CliRun.Of("test", path);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{path}:", run.Error, StringComparison.Ordinal);
    }
}
