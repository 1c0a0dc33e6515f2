using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class RuleDiagnosticTests
{
    [Fact]
    public void ToString_Error_UsesCompilerFormat()
    {
        var d = RuleDiagnostic.Error(new SourceLocation("rules/a.yaml", 3, 7), DiagnosticCodes.UnknownFact, "unknown fact 'x'");

        Assert.Equal("rules/a.yaml:3:7: error: unknown fact 'x' [RS0020]", d.ToString());
        Assert.True(d.IsError);
        Assert.Equal(new SourceLocation("rules/a.yaml", 3, 7), d.Location);
    }

    [Fact]
    public void ToString_Warning_SaysWarning()
    {
        var d = RuleDiagnostic.Warning(new SourceLocation("a.yaml", 1, 2), DiagnosticCodes.Shadowed, "never fires");

        Assert.Equal("a.yaml:1:2: warning: never fires [RS0102]", d.ToString());
        Assert.False(d.IsError);
    }

    [Fact]
    public void SourceLocation_ToString_IsFileLineColumn()
    {
        Assert.Equal("x.yaml:10:4", new SourceLocation("x.yaml", 10, 4).ToString());
    }
}
