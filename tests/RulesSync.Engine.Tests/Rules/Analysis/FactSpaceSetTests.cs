using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;
using RulesSync.Engine.Tests.Rules.Compilation;

namespace RulesSync.Engine.Tests.Rules.Analysis;

/// <summary>The symbolic match sets the analyzer uses agree with evaluating the compiled rule at every point.</summary>
public class FactSpaceSetTests
{
    [Theory]
    [InlineData("{}", null)]
    [InlineData("{ kind: [deleted, missing], role: { not: attendee } }", null)]
    [InlineData("{ source: crm }", "kind == \"deleted\" && !ownsRecord")]
    [InlineData("{}", "link == \"this\" || autoShare")]
    [InlineData("{}", "RuleFunctions.IsRemoval(kind) && RuleFunctions.Implies(autoShare, apiVersion == \"v2\")")]
    [InlineData("{}", "iif(timing == \"past\", false, employeeAttendees)")]
    [InlineData("{}", "RuleFunctions.ExactlyOne(ownsRecord, externalAttendees) != (provider == \"google\")")]
    [InlineData("{}", "autoShare == inSyncWindow && !(role != \"organizer\")")]
    [InlineData("{}", "(timing == \"future\" ? meetingType == \"visit\" : true) && kind != \"created\"")]
    [InlineData("{ timing: past }", "true")]
    [InlineData("{}", "false || ((kind == \"updated\") != (link == \"other\"))")]
    public void Matches_Symbolic_EqualsPointByPoint(string when, string? expression)
    {
        var rule = OneRule(when, expression);

        var set = FactSpaceSet.Matches(rule);

        var differing = Enumerable.Range(0, FactCatalog.SpaceSize)
            .Where(code => FactSpaceSet.Contains(set, code) != rule.Matches(FactCatalog.Decode(code)))
            .Take(3)
            .Select(code => FactCatalog.Describe(FactCatalog.Decode(code)))
            .ToList();
        Assert.True(differing.Count == 0, string.Join("\n", differing));
        Assert.InRange(FactSpaceSet.Count(set), 0, FactCatalog.SpaceSize);
    }

    [Fact]
    public void Matches_ShippedRuleSets_EqualPointByPoint()
    {
        foreach (var file in new[] { "rules/default.yaml", "rules/regressions/2020-02-ordering.yaml" })
        {
            foreach (var rule in RuleSetCompilerTests.Shipped(file).Rules)
            {
                var set = FactSpaceSet.Matches(rule);
                for (var code = 0; code < FactCatalog.SpaceSize; code++)
                {
                    Assert.True(FactSpaceSet.Contains(set, code) == rule.Matches(FactCatalog.Decode(code)), $"{file} {rule.Name} at {code}");
                }
            }
        }
    }

    [Theory]
    [InlineData("{ kind: [deleted, missing], role: { not: attendee } }", null)]
    [InlineData("{ source: crm }", "kind == \"deleted\" && !ownsRecord")]
    [InlineData("{ recurrence: occurrence }", "scope != \"one\" || RuleFunctions.IsRemoval(kind)")]
    [InlineData("{}", "iif(timing == \"past\", false, employeeAttendees == autoShare)")]
    public void Matches_OverTheFactsRead_EqualsPointByPointOverTheWholeSpace(string when, string? expression)
    {
        var rule = OneRule(when, expression);
        var space = FactSubspace.Read([rule]);

        var set = FactSpaceSet.Matches(rule, space);

        Assert.True(space.Size < FactCatalog.SpaceSize);
        Assert.Equal(FactCatalog.SpaceSize, space.Size * space.Multiplier);
        var differing = Enumerable.Range(0, FactCatalog.SpaceSize)
            .Select(FactCatalog.Decode)
            .Where(facts => FactSpaceSet.Contains(set, space.Encode(facts)) != rule.Matches(facts))
            .Take(3)
            .Select(facts => FactCatalog.Describe(facts))
            .ToList();
        Assert.True(differing.Count == 0, string.Join("\n", differing));
    }

    [Fact]
    public void Read_FactsNamedInConditionsAndExpressions_AreKeptAndNoOthers()
    {
        var set = RuleSetCompilerTests.CompileText(
            "name: t\nhitPolicy: first\nrules:\n"
            + "  - name: a\n    because: x\n    when: { source: crm }\n    expression: 'kind == \"deleted\" || autoShare'\n    decide: ignore\n"
            + "  - name: b\n    because: x\n    when: { scope: series }\n    decide: ignore\n");

        var space = FactSubspace.Read(set.Rules);

        Assert.Equal(["source", "kind", "autoShare", "scope"], space.Kept.Select(i => FactCatalog.All[i].Name).OrderBy(n => FactCatalog.All.IndexOf(FactCatalog.All.First(f => f.Name == n))));
        Assert.Equal(2 * Enum.GetValues<ChangeKind>().Length * 2 * 3, space.Size);
        Assert.Equal(FactSpaceSet.Full(space).Length, space.Words);
    }

    [Fact]
    public void Read_RuleSetNamingNoSeriesFact_IsTheSpaceBeforeSeriesFacts()
    {
        var space = FactSubspace.Read(RuleSetCompilerTests.Shipped("rules/regressions/2020-02-ordering.yaml").Rules);

        Assert.DoesNotContain(space.Kept, i => FactCatalog.All[i].Name is "recurrence" or "scope");
        Assert.True(space.Multiplier >= 9);
    }

    [Fact]
    public void Matches_SubspaceMissingAFactTheRuleReads_Throws()
    {
        var rule = RuleSetCompilerTests.CompileText("name: t\nhitPolicy: first\nrules:\n  - name: r\n    because: x\n    when: { kind: deleted }\n    decide: ignore\n").Rules[0];
        var other = RuleSetCompilerTests.CompileText("name: t\nhitPolicy: first\nrules:\n  - name: r\n    because: x\n    when: { source: crm }\n    decide: ignore\n").Rules[0];

        Assert.Throws<ArgumentException>(() => FactSpaceSet.Matches(rule, FactSubspace.Read([other])));
    }

    private static CompiledRule OneRule(string when, string? expression) =>
        RuleSetCompilerTests.CompileText(
            "name: t\nhitPolicy: first\nrules:\n  - name: r\n    because: x\n    when: " + when + "\n"
            + (expression is null ? string.Empty : "    expression: " + RuleSetWriter.Quote(expression) + "\n")
            + "    decide: ignore\n").Rules[0];

    [Fact]
    public void SetOperations_CountAndFindAsTheirNamesSay()
    {
        var full = FactSpaceSet.Full();
        var none = FactSpaceSet.Not(full, FactSubspace.Whole);
        Assert.Equal(FactCatalog.SpaceSize, FactSpaceSet.Count(full));
        Assert.Equal(0, FactSpaceSet.Count(none));
        Assert.Equal(-1, FactSpaceSet.First(none));
        Assert.False(FactSpaceSet.Intersect(full, none));
        FactSpaceSet.Remove(full, 0);
        Assert.Equal(1, FactSpaceSet.First(full));
        Assert.Equal(1, FactSpaceSet.CountOutside(FactSpaceSet.Full(), full));
    }
}
