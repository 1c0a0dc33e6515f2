using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Tests.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Compilation;

public class RuleSetCompilerTests
{
    internal static CompiledRuleSet CompileText(string text, string source = "t.yaml")
    {
        var result = RuleSetCompiler.Load(source, text);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.RuleSet!;
    }

    internal static CompiledRuleSet Shipped(string file) => CompileText(RepoFiles.Read(file), file);

    internal static CompiledRuleSet Sample() => CompileText(SampleRuleSet.Yaml, SampleRuleSet.Source);

    [Fact]
    public void Load_DefaultRuleSet_CompilesEveryRuleInFileOrder()
    {
        var set = Shipped("rules/default.yaml");

        Assert.Equal("default", set.Name);
        Assert.Equal(HitPolicy.First, set.HitPolicy);
        Assert.Equal(set.Model.Rules.Select(r => r.Name), set.Rules.Select(r => r.Name));
        Assert.Equal(Enumerable.Range(0, set.Rules.Length), set.Rules.Select(r => r.Index));
    }

    [Fact]
    public void Hash_IsSha256OfSourceText_LowercaseHex()
    {
        var text = RepoFiles.Read("rules/default.yaml");
        var set = CompileText(text);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), set.Hash);
        Assert.Matches("^[0-9a-f]{64}$", set.Hash);
        Assert.Equal(set.Hash, set.Decide(ChangeFacts.Default).RuleSetHash);
    }

    [Fact]
    public void Decide_AttendeeDeletesCopy_IsIgnored()
    {
        var set = Sample();

        var decision = set.Decide(ChangeFacts.Default with { Role = Role.Attendee, Kind = ChangeKind.Deleted, Link = LinkState.This });

        Assert.Equal(DecisionAction.Ignore, decision.Action);
        Assert.Equal("attendee-removal-stays-personal", decision.Rule);
        Assert.Equal("An attendee deleting, declining or losing their copy affects only their own calendar.", decision.Explanation);
    }

    [Fact]
    public void Decide_OppositeTarget_ResolvesAgainstSource()
    {
        var set = CompileText(RuleSetLoaderTests.Header + "  - name: a\n    because: x\n    decide: share\n");

        Assert.Equal(DecisionTarget.Crm, set.Decide(ChangeFacts.Default with { Source = ChangeSource.Mailbox }).Target);
        Assert.Equal(DecisionTarget.Mailbox, set.Decide(ChangeFacts.Default with { Source = ChangeSource.Crm }).Target);
    }

    [Fact]
    public void Decide_HigherPriorityFirst_TiesKeepFileOrder()
    {
        var set = CompileText(RuleSetLoaderTests.Header
            + "  - name: low\n    because: x\n    decide: ignore\n"
            + "  - name: high-1\n    because: x\n    priority: 5\n    decide: share\n"
            + "  - name: high-2\n    because: x\n    priority: 5\n    decide: delete\n");

        Assert.Equal(["high-1", "high-2", "low"], set.Rules.Select(r => r.Name));
        Assert.Equal("high-1", set.Decide(ChangeFacts.Default).Rule);
    }

    [Fact]
    public void Decide_NoRuleMatches_ThrowsNoRuleMatched()
    {
        var set = CompileText(RuleSetLoaderTests.Header + "  - name: a\n    because: x\n    when: { kind: deleted }\n    decide: share\n");

        var e = Assert.Throws<NoRuleMatchedException>(() => set.Decide(ChangeFacts.Default));
        Assert.Equal("t", e.RuleSet);
        Assert.Contains("kind=created", e.Message, StringComparison.Ordinal);
        Assert.False(set.TryDecide(ChangeFacts.Default, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Decide_UniqueWithTwoMatches_ThrowsConflictNamingBoth()
    {
        var set = CompileText("name: u\nhitPolicy: unique\nrules:\n"
            + "  - name: deletes\n    because: x\n    when: { kind: deleted }\n    decide: ignore\n"
            + "  - name: attendees\n    because: x\n    when: { role: attendee }\n    decide: share\n"
            + "  - name: rest\n    because: x\n    when: { kind: { not: deleted }, role: { not: attendee } }\n    decide: share\n");

        Assert.Equal("deletes", set.Decide(ChangeFacts.Default with { Kind = ChangeKind.Deleted }).Rule);
        Assert.Equal("attendees", set.Decide(ChangeFacts.Default with { Role = Role.Attendee }).Rule);
        Assert.Equal("rest", set.Decide(ChangeFacts.Default).Rule);
        var e = Assert.Throws<RuleConflictException>(() => set.Decide(ChangeFacts.Default with { Kind = ChangeKind.Deleted, Role = Role.Attendee }));
        Assert.Equal(("deletes", "attendees"), (e.FirstRule, e.SecondRule));
        Assert.Contains("'deletes' and 'attendees'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ExpressionAndWhen_AreAnded()
    {
        var set = CompileText(RuleSetLoaderTests.Header
            + "  - name: a\n    because: x\n    when: { source: mailbox }\n    expression: kind == \"deleted\" && !ownsRecord\n    decide: delete\n"
            + "  - name: b\n    because: x\n    decide: ignore\n");

        Assert.Equal("a", set.Decide(ChangeFacts.Default with { Kind = ChangeKind.Deleted }).Rule);
        Assert.Equal("b", set.Decide(ChangeFacts.Default with { Kind = ChangeKind.Deleted, OwnsRecord = true }).Rule);
        Assert.Equal("b", set.Decide(ChangeFacts.Default with { Kind = ChangeKind.Deleted, Source = ChangeSource.Crm }).Rule);
    }

    [Fact]
    public void Decide_ReturnsPrebuiltDecisions_WithoutAllocating()
    {
        var set = Shipped("rules/default.yaml");
        var facts = Enumerable.Range(0, 1000).Select(i => FactCatalog.Decode(i * 53 % FactCatalog.SpaceSize)).ToArray();
        foreach (var f in facts)
        {
            set.Decide(f);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 20; round++)
        {
            foreach (var f in facts)
            {
                set.Decide(f);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(set.Decide(facts[0]), set.Decide(facts[0]));
    }

    [Fact]
    public void Compile_BadExpressionInCodeBuiltModel_Throws()
    {
        var rule = new RuleModel("a", "x", 0, [], new RuleExpression("GetType() != null", default), DecisionAction.Ignore, DecisionTarget.Opposite, default);
        var model = new RuleSetModel("m", string.Empty, HitPolicy.First, [rule], [], "code");

        var e = Assert.Throws<RuleSetInvalidException>(() => RuleSetCompiler.Compile(model));
        Assert.Contains("reflection", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_MatchesAgreesWithDecideUnderFirst()
    {
        var set = Shipped("rules/default.yaml");

        foreach (var facts in FactCatalog.EnumerateSpace().Where((_, i) => i % 7 == 0))
        {
            var first = set.Rules.First(r => r.Matches(facts));
            Assert.Equal(first.Name, set.Decide(facts).Rule);
        }
    }

    [Property(MaxTest = 50, Arbitrary = [typeof(RuleArbitraries)])]
    public Property Decide_IsDeterministic_AcrossCallsAndCompilations(RuleSetModel model, ChangeFacts facts)
    {
        var text = RuleSetWriter.Write(model);
        var a = RuleSetCompiler.Compile(model, text);
        var b = RuleSetCompiler.Compile(model, text);

        string Outcome(CompiledRuleSet s)
        {
            try
            {
                return s.Decide(facts).ToString() + s.Decide(facts).RuleSetHash;
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
        }

        return (Outcome(a) == Outcome(a) && Outcome(a) == Outcome(b) && a.Hash == b.Hash).ToProperty();
    }
}
