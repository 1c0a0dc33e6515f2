using System.Linq.Expressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Sandbox;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Sandbox;

public class ExpressionLiteralsTests
{
    private static SandboxResult Check(string text) => ExpressionSandbox.Check(text, Expression.Parameter(typeof(ChangeFacts), "facts"));

    [Theory]
    [InlineData("kind == \"deleted, cancelled\"", "deleted, cancelled")] // Enum.Parse would read a flag list: cancelled
    [InlineData("kind == \"5\"", "5")] // Enum.Parse would read a number: missing
    [InlineData("kind == \"99\"", "99")] // an undefined number
    [InlineData("kind == \" deleted\"", " deleted")] // Enum.Parse trims blanks
    [InlineData("kind == \"Deleted\"", "Deleted")] // Enum.Parse ignores case; values are documented camelCase
    [InlineData("\"deleted \" != kind", "deleted ")]
    [InlineData("RuleFunctions.IsRemoval(\"DELETED\")", "DELETED")]
    public void Check_LiteralNotExactlyAValueOfTheComparedFact_IsRefusedWithPositionAndValues(string expression, string literal)
    {
        var result = Check(expression);

        Assert.Null(result.Body);
        Assert.False(result.IsSandboxViolation);
        Assert.Contains($"unknown value '{literal}' for fact 'kind'", result.Error, StringComparison.Ordinal);
        Assert.Contains("(values: created, updated, deleted, cancelled, declined, missing, completed)", result.Error, StringComparison.Ordinal);
        Assert.Equal(expression.IndexOf('"', StringComparison.Ordinal), result.Offset);
    }

    [Fact]
    public void Check_ValueOfAnotherFact_IsRefusedNamingTheComparedFact()
    {
        var result = Check("link == \"organizer\"");

        Assert.Null(result.Body);
        Assert.Contains("unknown value 'organizer' for fact 'link'", result.Error, StringComparison.Ordinal);
        Assert.Contains("values: unlinked, this, other", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_LiteralWhoseFactCannotBeTold_MustStillBeAValueOfSomeFact()
    {
        var result = Check("kind == iif(ownsRecord, \"nope\", \"deleted\")");

        Assert.Null(result.Body);
        Assert.Contains("'nope' is not a value of any fact", result.Error, StringComparison.Ordinal);
        Assert.Equal(24, result.Offset);
    }

    [Theory]
    [InlineData("kind == \"deleted\"", ChangeKind.Deleted)]
    [InlineData("\"cancelled\" == kind", ChangeKind.Cancelled)]
    [InlineData("RuleFunctions.IsRemoval(kind) && kind != \"deleted\" && kind != \"cancelled\" && kind != \"declined\"", ChangeKind.Missing)]
    public void Check_ExactValue_ComparesAsTheFactsValue(string expression, ChangeKind matches)
    {
        var p = Expression.Parameter(typeof(ChangeFacts), "facts");
        var result = ExpressionSandbox.Check(expression, p);
        Assert.True(result.Body is not null, result.Error);
        var f = Expression.Lambda<Func<ChangeFacts, bool>>(result.Body!, p).Compile();

        foreach (var kind in Enum.GetValues<ChangeKind>())
        {
            Assert.Equal(kind == matches, f(ChangeFacts.Default with { Kind = kind }));
        }
    }

    [Fact]
    public void Check_UndefinedNumberComparedWithAFact_IsRefused()
    {
        var result = Check("kind == 99");

        Assert.Null(result.Body);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Load_BadLiteral_IsAnErrorAtItsLineAndColumn()
    {
        // The expression is double-quoted YAML at line 7, col 17; the literal starts 8 characters in (+1 for the quote).
        var result = RuleSetCompiler.Load(
            "x.yaml",
            RuleSetLoaderTests.Header + "  - name: a\n    because: x\n    when: {}\n    expression: " + RuleSetWriter.Quote("kind == \"deleted, cancelled\"") + "\n    decide: delete\n");

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal(DiagnosticCodes.Expression, error.Code);
        Assert.Equal((7, 17 + 8 + 1), (error.Line, error.Column));
        Assert.Null(result.RuleSet);
    }
}
