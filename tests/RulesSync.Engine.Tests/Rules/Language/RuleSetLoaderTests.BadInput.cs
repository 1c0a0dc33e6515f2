using System.Diagnostics;
using System.Text;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

// Bad input: every case must give a clear, located error and no model (so nothing can be evaluated).
public partial class RuleSetLoaderTests
{
    internal static RuleDiagnostic SingleError(RuleSetLoadResult result, string code)
    {
        Assert.Null(result.Model);
        var errors = result.Diagnostics.Where(d => d.IsError).ToList();
        Assert.True(errors.Count >= 1, "expected an error");
        return Assert.Single(errors, e => e.Code == code);
    }

    [Fact]
    public void Load_MalformedYaml_ReportsSyntaxErrorWithLocation()
    {
        var result = RuleSetLoader.Load("bad.yaml", "name: t\nhitPolicy: first\nrules:\n  - name: a\n   because: [x\n");

        var error = SingleError(result, DiagnosticCodes.YamlSyntax);
        Assert.Equal("bad.yaml", error.Source);
        Assert.True(error.Line >= 4, error.ToString());
        Assert.StartsWith("bad.yaml:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(": error: malformed YAML", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnclosedFlowSequence_IsSyntaxErrorNotCrash()
    {
        var result = RuleSetLoader.Load("bad.yaml", "a: [1, 2\nb: c");

        Assert.Null(result.Model);
        Assert.Contains(result.Diagnostics, d => d.Code == DiagnosticCodes.YamlSyntax);
    }

    [Fact]
    public void Load_EmptyDocument_IsError()
    {
        var error = SingleError(RuleSetLoader.Load("e.yaml", "# nothing\n"), DiagnosticCodes.Structure);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RootIsList_IsStructureError()
    {
        var error = SingleError(RuleSetLoader.Load("l.yaml", "- a\n- b\n"), DiagnosticCodes.Structure);
        Assert.Equal((1, 1), (error.Line, error.Column));
        Assert.Contains("must be a map", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PriorityNotInteger_ReportsWrongTypeAtValue()
    {
        var result = RuleSetLoader.Load("t.yaml", Header + "  - name: a\n    because: x\n    priority: high\n    decide: ignore\n");

        var error = SingleError(result, DiagnosticCodes.Structure);
        Assert.Equal("t.yaml:6:15: error: 'priority' must be an integer [RS0011]", error.ToString());
    }

    [Fact]
    public void Load_RulesNotAList_ReportsWrongType()
    {
        var error = SingleError(RuleSetLoader.Load("t.yaml", "name: t\nhitPolicy: first\nrules: everything\n"), DiagnosticCodes.Structure);
        Assert.Equal((3, 8), (error.Line, error.Column));
        Assert.Contains("'rules' must be a list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WhenNotAMap_ReportsWrongType()
    {
        var error = SingleError(LoadRule("    when: [kind]"), DiagnosticCodes.Structure);
        Assert.Equal((6, 11), (error.Line, error.Column));
        Assert.Contains("'when' must be a map", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_QuotedBoolean_IsRejected()
    {
        var error = SingleError(LoadRule("    when: { ownsRecord: \"true\" }"), DiagnosticCodes.UnknownValue);
        Assert.Equal((6, 25), (error.Line, error.Column));
        Assert.Contains("write true or false without quotes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BooleanForEnumFact_IsRejected()
    {
        var error = SingleError(LoadRule("    when: { kind: true }"), DiagnosticCodes.UnknownValue);
        Assert.Contains("'kind' is not a boolean", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownFact_SuggestsClosestName()
    {
        var error = SingleError(LoadRule("    when: { rol: organizer }"), DiagnosticCodes.UnknownFact);
        Assert.Equal("t.yaml:6:13: error: unknown fact 'rol'; did you mean 'role'? [RS0020]", error.ToString());
    }

    [Fact]
    public void Load_UnknownValue_SuggestsClosestValue()
    {
        var error = SingleError(LoadRule("    when: { kind: [created, deleetd] }"), DiagnosticCodes.UnknownValue);
        Assert.Equal((6, 29), (error.Line, error.Column));
        Assert.StartsWith("unknown value 'deleetd' for fact 'kind'; did you mean 'deleted'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownOperator_SuggestsClosest()
    {
        var error = SingleError(LoadRule("    when: { kind: { nin: [created] } }"), DiagnosticCodes.Structure);
        Assert.Contains("unknown operator 'nin'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownFactInFixture_IsReported()
    {
        var error = SingleError(
            LoadRule("    when: {}", "tests:\n  - name: f\n    given: { kinds: deleted }\n    expect: { decide: ignore }\n"),
            DiagnosticCodes.UnknownFact);
        Assert.Equal((10, 14), (error.Line, error.Column));
        Assert.Contains("did you mean 'kind'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownRuleKey_IsReported()
    {
        var error = SingleError(LoadRule("    when: {}\n    decides: share"), DiagnosticCodes.Structure);
        Assert.Equal((7, 5), (error.Line, error.Column));
        Assert.Contains("unknown key 'decides' in a rule; did you mean 'decide'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownAction_IsReported()
    {
        var result = RuleSetLoader.Load("t.yaml", Header + "  - name: a\n    because: x\n    decide: remove\n");
        var error = SingleError(result, DiagnosticCodes.Structure);
        Assert.Equal((6, 13), (error.Line, error.Column));
        Assert.Contains("'decide' must be one of ignore, share, delete, cancel, unlink, not 'remove'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingRequiredKey_IsReportedAtTheMap()
    {
        var result = RuleSetLoader.Load("t.yaml", Header + "  - name: a\n    decide: ignore\n");
        var error = SingleError(result, DiagnosticCodes.Structure);
        Assert.Equal((4, 5), (error.Line, error.Column));
        Assert.Equal("missing required key 'because'", error.Message);
    }

    [Fact]
    public void Load_DuplicateRuleNames_ReportsSecondWithFirstLine()
    {
        var result = RuleSetLoader.Load(
            "t.yaml",
            Header + "  - name: a\n    because: x\n    decide: ignore\n  - name: a\n    because: y\n    decide: share\n");

        var error = SingleError(result, DiagnosticCodes.Duplicate);
        Assert.Equal("t.yaml:7:11: error: duplicate rule name 'a' (first at line 4) [RS0022]", error.ToString());
    }

    [Fact]
    public void Load_DuplicateFixtureNames_IsReported()
    {
        var result = LoadRule(
            "    when: {}",
            "tests:\n  - name: f\n    expect: { decide: ignore }\n  - name: f\n    expect: { decide: share }\n");

        var error = SingleError(result, DiagnosticCodes.Duplicate);
        Assert.Equal((11, 11), (error.Line, error.Column));
    }

    [Fact]
    public void Load_DuplicateKey_IsReported()
    {
        var error = SingleError(LoadRule("    when: { kind: deleted, kind: created }"), DiagnosticCodes.Duplicate);
        Assert.Equal((6, 28), (error.Line, error.Column));
        Assert.Contains("duplicate key 'kind'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateValueInList_IsReported()
    {
        var error = SingleError(LoadRule("    when: { kind: [deleted, deleted] }"), DiagnosticCodes.Duplicate);
        Assert.Contains("listed twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FixtureExpectsUnknownRule_IsReported()
    {
        var error = SingleError(
            LoadRule("    when: {}", "tests:\n  - name: f\n    expect: { decide: ignore, rule: b }\n"),
            DiagnosticCodes.UnknownRule);
        Assert.Equal((10, 37), (error.Line, error.Column));
    }

    [Fact]
    public void Load_AnchorsAndAliases_AreRefused()
    {
        var result = RuleSetLoader.Load("t.yaml", "name: t\nhitPolicy: first\nrules: &r []\ntests: *r\n");
        var error = SingleError(result, DiagnosticCodes.YamlSyntax);
        Assert.Contains("anchors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralDocuments_AreRefused()
    {
        var result = RuleSetLoader.Load("t.yaml", "name: t\n---\nname: u\n");
        SingleError(result, DiagnosticCodes.YamlSyntax);
    }

    [Fact]
    public void Load_DeepNesting_IsRefusedAtTheDepthCap()
    {
        var text = "name: t\nhitPolicy: first\nrules: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var result = RuleSetLoader.Load("deep.yaml", text);

        var error = SingleError(result, DiagnosticCodes.TooDeep);
        Assert.Equal("deep.yaml", error.Source);
        Assert.Equal(3, error.Line);
        Assert.Contains($"deeper than {RuleSetLoader.MaxDepth}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeepBlockNesting_IsRefused()
    {
        var b = new StringBuilder("name: t\nhitPolicy: first\nrules:\n");
        for (var i = 0; i < 200; i++)
        {
            b.Append(new string(' ', i * 2)).Append("k: \n");
        }

        var result = RuleSetLoader.Load("deep.yaml", b.ToString().Replace("k: \n", "- \n", StringComparison.Ordinal));
        Assert.Null(result.Model);
        Assert.Contains(result.Diagnostics, d => d.Code is DiagnosticCodes.TooDeep or DiagnosticCodes.YamlSyntax);
    }

    [Fact]
    public void Load_FiftyMegabytes_IsRefusedQuicklyBeforeParsing()
    {
        var text = "name: t\nhitPolicy: first\nrules: []\ndescription: " + new string('x', 50 * 1024 * 1024) + "\n";
        var clock = Stopwatch.StartNew();

        var result = RuleSetCompiler.Load("huge.yaml", text);

        clock.Stop();
        Assert.Null(result.RuleSet);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.TooLarge, error.Code);
        Assert.Equal((1, 1), (error.Line, error.Column));
        Assert.Contains("limited to 1,048,576", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Load_JustUnderTheSizeCap_IsParsed()
    {
        var filler = "#" + new string('x', 1000) + "\n";
        var b = new StringBuilder(Header + "  - name: a\n    because: x\n    decide: ignore\n");
        while (b.Length + filler.Length < RuleSetLoader.MaxDocumentChars)
        {
            b.Append(filler);
        }

        Assert.True(RuleSetLoader.Load("big.yaml", b.ToString()).Succeeded);
    }

    [Fact]
    public void Load_BadName_IsRejected()
    {
        var result = RuleSetLoader.Load("t.yaml", Header + "  - name: \"two words\"\n    because: x\n    decide: ignore\n");
        var error = SingleError(result, DiagnosticCodes.Structure);
        Assert.Contains("name uses letters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TooManyRules_IsRefused()
    {
        var b = new StringBuilder(Header);
        for (var i = 0; i <= RuleSetLoader.MaxRules; i++)
        {
            b.Append("  - { name: r").Append(i).Append(", because: x, decide: ignore }\n");
        }

        var error = SingleError(RuleSetLoader.Load("many.yaml", b.ToString()), DiagnosticCodes.Structure);
        Assert.Equal((4, 3), (error.Line, error.Column));
        Assert.Contains($"at most {RuleSetLoader.MaxRules} rules", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SchemaOnlyViolation_IsReportedWithLocation()
    {
        // The loader has no length limit on names; the schema does (maxLength 100): schema errors reach the user.
        var name = new string('r', 101);
        var result = RuleSetLoader.Load("t.yaml", Header + "  - name: " + name + "\n    because: x\n    decide: ignore\n");

        var error = SingleError(result, DiagnosticCodes.Schema);
        Assert.Equal((4, 11), (error.Line, error.Column));
        Assert.StartsWith("schema: /rules/0/name: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MegabyteOfDistinctKeys_IsRejectedQuicklyWithCappedDiagnostics()
    {
        var b = new StringBuilder("name: t\nhitPolicy: first\nrules: []\n");
        for (var i = 0; b.Length < RuleSetLoader.MaxDocumentChars - 100; i++)
        {
            b.Append('k').Append(i).Append(": 1\n");
        }

        var clock = Stopwatch.StartNew();
        var result = RuleSetLoader.Load("keys.yaml", b.ToString());
        clock.Stop();

        Assert.Null(result.Model);
        Assert.Equal(RuleSetLoader.MaxDiagnostics + 1, result.Diagnostics.Length);
        Assert.Equal("unknown key 'k0' in a rule set (keys: name, description, hitPolicy, rules, tests)", result.Diagnostics[0].Message);
        Assert.EndsWith("more problems not shown", result.Diagnostics[^1].Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Load_MegabyteOfFixtures_LoadsInReasonableTime()
    {
        var b = new StringBuilder(Header + "  - name: a\n    because: x\n    decide: ignore\ntests:\n");
        for (var i = 0; b.Length < RuleSetLoader.MaxDocumentChars - 200; i++)
        {
            b.Append("  - { name: f").Append(i).Append(", given: { kind: deleted }, expect: { decide: ignore, rule: a } }\n");
        }

        var clock = Stopwatch.StartNew();
        var result = RuleSetLoader.Load("fixtures.yaml", b.ToString());
        clock.Stop();

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics.Take(3)));
        Assert.True(result.Model!.Tests.Length > 10_000);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }
}
