using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class TerminalTextTests
{
    [Theory]
    [InlineData("plain name", "plain name")]
    [InlineData("a\x1b]0;owned\ab", @"a\e]0;owned\ab")]
    [InlineData("nul\0here", @"nul\0here")]
    [InlineData("two\nlines\r", @"two\nlines\r")]
    [InlineData("del\x7f c1\u009b", @"del\x7F c1\x9B")]
    [InlineData("bidi\u202Eevil", @"bidi\u202Eevil")]
    [InlineData(@"C:\path\x", @"C:\path\x")]
    public void Escape_ControlCharacters_AreShownAsEscapes(string text, string expected) =>
        Assert.Equal(expected, TerminalText.Escape(text));

    [Fact]
    public void Escape_Twice_ChangesNothingMore()
    {
        var once = TerminalText.Escape("x\x1b[31mred\0");
        Assert.Equal(once, TerminalText.Escape(once));
    }

    [Fact]
    public void ToString_DiagnosticEchoingControlCharacters_IsOneEscapedLine()
    {
        var d = RuleDiagnostic.Error(new SourceLocation("rules\x1b.yaml", 3, 4), DiagnosticCodes.Structure, "bad name 'x\x1b]2;t\a\n'");

        Assert.Equal(@"rules\e.yaml:3:4: error: bad name 'x\e]2;t\a\n' [RS0011]", d.ToString());
    }
}
