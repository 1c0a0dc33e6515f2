using System.Linq.Expressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Reference;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Tests.Rules.Reference;

public class ReferenceExpressionTests
{
    [Theory]
    [InlineData("kind == \"deleted\" && !ownsRecord", true)]
    [InlineData("!ownsRecord == false", false)]
    [InlineData("autoShare || !autoShare && false", false)]
    [InlineData("true || false && false", true)]
    [InlineData("iif(kind == \"deleted\", link != \"this\", false)", true)]
    [InlineData("RuleFunctions.IsRemoval(kind) && RuleFunctions.Implies(autoShare, false)", true)]
    [InlineData("RuleFunctions.ExactlyOne(ownsRecord, \"DELETED\" == kind)", true)]
    public void Evaluate_DocumentedSubset_FollowsCSharpPrecedence(string text, bool expected)
    {
        var facts = ChangeFacts.Default with { Kind = ChangeKind.Deleted };

        Assert.Equal(expected, ReferenceExpression.Evaluate(text, facts));
    }

    [Theory]
    [InlineData("GetType() != null")]
    [InlineData("kind > \"created\"")]
    [InlineData("autoShare &&")]
    [InlineData("weather == \"sunny\"")]
    public void Evaluate_OutsideSubset_Throws(string text)
    {
        Assert.Throws<FormatException>(() => ReferenceExpression.Evaluate(text, ChangeFacts.Default));
    }

    [Property(MaxTest = 200)]
    public Property Evaluate_RandomExpression_AgreesWithSandboxedDynamicLinq() =>
        Prop.ForAll(RuleArbitraries.AcceptedExpression().ToArbitrary(), RuleArbitraries.Facts(), (text, facts) =>
        {
            var p = Expression.Parameter(typeof(ChangeFacts), "facts");
            var checkedExpression = ExpressionSandbox.Check(text, p);
            if (checkedExpression.Body is null)
            {
                return false.Label($"sandbox refused generated expression: {checkedExpression.Error}\n{text}");
            }

            var dynamicLinq = Expression.Lambda<Func<ChangeFacts, bool>>(checkedExpression.Body, p).Compile()(facts);

            return (dynamicLinq == ReferenceExpression.Evaluate(text, facts)).Label($"{text}\n{FactCatalog.Describe(facts)}");
        });
}
