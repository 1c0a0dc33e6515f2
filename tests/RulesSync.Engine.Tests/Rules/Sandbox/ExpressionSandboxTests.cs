using System.Linq.Expressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Rules.Sandbox;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Sandbox;

public class ExpressionSandboxTests
{
    private static SandboxResult Check(string text) => ExpressionSandbox.Check(text, Expression.Parameter(typeof(ChangeFacts), "facts"));

    private static Func<ChangeFacts, bool> Compile(string text)
    {
        var p = Expression.Parameter(typeof(ChangeFacts), "facts");
        var result = ExpressionSandbox.Check(text, p);
        Assert.True(result.Body is not null, result.Error);
        return Expression.Lambda<Func<ChangeFacts, bool>>(result.Body!, p).Compile();
    }

    /// <summary>Loads a one-rule file whose expression is <paramref name="expression"/> (double-quoted YAML at line 7, col 17).</summary>
    private static RuleSetCompileResult LoadWithExpression(string expression) =>
        RuleSetCompiler.Load(
            "x.yaml",
            RuleSetLoaderTests.Header + "  - name: a\n    because: x\n    when: {}\n    expression: " + RuleSetWriter.Quote(expression) + "\n    decide: delete\n");

    [Fact]
    public void Check_FactNamesAndStringValues_CompareAsEnums()
    {
        var f = Compile("kind == \"deleted\" && !ownsRecord");

        Assert.True(f(ChangeFacts.Default with { Kind = ChangeKind.Deleted }));
        Assert.False(f(ChangeFacts.Default with { Kind = ChangeKind.Deleted, OwnsRecord = true }));
        Assert.False(f(ChangeFacts.Default));
    }

    [Fact]
    public void Check_ValuesNamedLikeKeywords_Resolve()
    {
        var f = Compile("link == \"this\" && apiVersion != \"v1\"");

        Assert.True(f(ChangeFacts.Default with { Link = LinkState.This }));
        Assert.False(f(ChangeFacts.Default with { Link = LinkState.This, ApiVersion = ApiVersion.V1 }));
    }

    [Fact]
    public void Check_RuleFunctions_AreAllowed()
    {
        var f = Compile("RuleFunctions.IsRemoval(kind) && RuleFunctions.Implies(autoShare, role == \"organizer\")");

        Assert.True(f(ChangeFacts.Default with { Kind = ChangeKind.Missing }));
        Assert.False(f(ChangeFacts.Default with { Kind = ChangeKind.Missing, AutoShare = true, Role = Role.Attendee }));
        Assert.False(f(ChangeFacts.Default with { Kind = ChangeKind.Updated }));
    }

    [Theory]
    [InlineData("GetType().Assembly.FullName != null", "reflection is not allowed: 'GetType'")]
    [InlineData("kind.GetType().Name == \"x\"", "reflection is not allowed: 'GetType'")]
    [InlineData("ToString() == \"x\"", "methods of the facts are not allowed: 'ToString'")]
    [InlineData("kind.ToString() == \"deleted\"", "methods of the facts are not allowed: 'ToString'")]
    [InlineData("Equals(null)", "methods of the facts are not allowed: 'Equals'")]
    [InlineData("GetHashCode() == 0", "methods of the facts are not allowed: 'GetHashCode'")]
    [InlineData("new object() != null", "object creation ('new') is not allowed")]
    [InlineData("Math.Max(1, 2) == 2", "calling 'Math.Max' is not allowed; only RuleFunctions.* may be called")]
    [InlineData("string.Concat(\"a\", \"b\") == \"ab\"", "calling 'String.Concat' is not allowed")]
    [InlineData("Convert.ToInt32(kind) == 2", "calling 'Convert.ToInt32' is not allowed")]
    [InlineData("kind > \"created\"", "operator 'GreaterThan' is not part of the rule language")]
    [InlineData("RuleFunctions.Equals(autoShare, true)", "calling 'Object.Equals' is not allowed")]
    [InlineData("RuleFunctions.ReferenceEquals(null, null)", "calling 'Object.ReferenceEquals' is not allowed")]
    [InlineData("\"a\" == \"b\"", "operator 'Equal' on String is not allowed")]
    public void Check_HostileOrForeignExpression_IsRefusedAsSandboxViolation(string text, string message)
    {
        var result = Check(text);

        Assert.Null(result.Body);
        Assert.True(result.IsSandboxViolation, result.Error);
        Assert.True(result.Error!.Contains(message, StringComparison.Ordinal), result.Error);
    }

    [Theory]
    [InlineData("System.IO.File.ReadAllText(\"/etc/passwd\") != null", "type 'System.IO.File' is not available")]
    [InlineData("Environment.GetEnvironmentVariable(\"HOME\") != null", "type 'Environment' is not available")]
    [InlineData("System.Diagnostics.Process.Start(\"sh\") != null", "type 'System.Diagnostics.Process' is not available")]
    public void Check_TypesOutsideTheSandbox_AreRefusedAsViolations(string text, string message)
    {
        var result = Check(text);

        Assert.Null(result.Body);
        Assert.True(result.IsSandboxViolation, result.Error);
        Assert.True(result.Error!.Contains(message, StringComparison.Ordinal), result.Error);
    }

    [Theory]
    [InlineData("Type.GetType(\"System.IO.File\") != null")]
    [InlineData("typeof(string) != null")]
    [InlineData("np(kind) == \"deleted\"")]
    [InlineData("DateTime.Now.Year > 2000")]
    [InlineData("\"abc\".Length == 3")]
    [InlineData("Guid.NewGuid() != Guid.Empty")]
    [InlineData("it.GetType() != null")]
    [InlineData("kind as object != null")]
    public void Check_OtherReachOutsideTheFacts_IsRefused(string text)
    {
        var result = Check(text);

        Assert.Null(result.Body);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Fact]
    public void Check_UnknownFact_SuggestsClosest()
    {
        var result = Check("rol == \"organizer\"");

        Assert.Null(result.Body);
        Assert.False(result.IsSandboxViolation);
        Assert.Equal("unknown fact 'rol'; did you mean 'role'?", result.Error);
    }

    [Fact]
    public void Check_UnknownValue_IsRefused()
    {
        var result = Check("kind == \"bogus\"");

        Assert.Null(result.Body);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Check_NonBoolean_IsRefused()
    {
        var result = Check("kind");

        Assert.Null(result.Body);
        Assert.True(result.Error!.Contains("must be boolean", StringComparison.Ordinal), result.Error);
    }

    [Fact]
    public void Check_DeepParentheses_AreRefusedBeforeParsing()
    {
        var text = new string('(', 5000) + "autoShare" + new string(')', 5000);

        var result = Check(text[..ExpressionSandbox.MaxLength]);

        Assert.Null(result.Body);
        Assert.Contains($"deeper than {ExpressionSandbox.MaxNesting}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TooLong_IsRefused()
    {
        var text = string.Join(" && ", Enumerable.Repeat("autoShare", 200));

        var result = Check(text);

        Assert.Null(result.Body);
        Assert.Contains("longer than", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReflectionExpression_ReportsLocatedSandboxErrorAndNoRuleSet()
    {
        var result = LoadWithExpression("GetType().Assembly.FullName != null");

        Assert.Null(result.RuleSet);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.Sandbox, error.Code);
        Assert.Equal("x.yaml:7:18: error: expression outside the sandbox: reflection is not allowed: 'GetType' [RS0031]", error.ToString());
    }

    [Theory]
    [InlineData("System.IO.File.ReadAllText(\"/etc/passwd\") != null", DiagnosticCodes.Sandbox)]
    [InlineData("Environment.GetEnvironmentVariable(\"HOME\") != null", DiagnosticCodes.Sandbox)]
    [InlineData("new object() != null", DiagnosticCodes.Sandbox)]
    [InlineData("ToString() == \"x\"", DiagnosticCodes.Sandbox)]
    [InlineData("kind.ToString() == \"deleted\"", DiagnosticCodes.Sandbox)]
    public void Load_HostileExpression_ReportsLocatedErrorAndNoRuleSet(string expression, string code)
    {
        var result = LoadWithExpression(expression);

        Assert.Null(result.RuleSet);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(code, error.Code);
        Assert.Equal(("x.yaml", 7), (error.Source, error.Line));
        Assert.InRange(error.Column, 17, 17 + expression.Length);
    }

    [Fact]
    public void Load_ExpressionParseError_PointsIntoTheExpression()
    {
        var result = LoadWithExpression("kind == \"deleted\" &&");

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.Expression, error.Code);
        Assert.Equal(7, error.Line);
        Assert.True(error.Column > 30, error.ToString());
    }

    [Fact]
    public void Check_LongFlatChain_IsAccepted()
    {
        var text = string.Join(" || ", Enumerable.Repeat("link == \"this\"", 50));

        var result = Check(text);

        Assert.True(result.Body is not null, result.Error);
    }

    [Fact]
    public void Check_LongUnaryChain_IsRefusedWithoutCrashing()
    {
        var text = new string('!', ExpressionSandbox.MaxLength - "autoShare".Length) + "autoShare";

        var result = Check(text);

        Assert.Null(result.Body);
        Assert.Contains("deeper than", result.Error, StringComparison.Ordinal);
    }
}
