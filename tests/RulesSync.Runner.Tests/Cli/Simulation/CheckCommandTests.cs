using System.Text.Json;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Simulation;

public class CheckCommandTests
{
    private static readonly string[] SmallScope = ["--employees", "2", "--externals", "0", "--max-actions", "1", "--runs", "50"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Check_EmbeddedDefault_PassesBareAndWithTheAdmitStage(bool admit)
    {
        var run = CliRun.Of(["check", .. SmallScope, .. admit ? ["--admit"] : Array.Empty<string>()]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("fixtures: ", run.Out, StringComparison.Ordinal);
        Assert.Contains("0 violation(s); goals met", run.Out, StringComparison.Ordinal);
        Assert.EndsWith("check passed: this rule set may ship", run.Out.TrimEnd(), StringComparison.Ordinal);

        // The CRM status and party edits are in check's default scope: a CRM user's completion reaches the organizer
        // (crm-completion-carries-edits fires), and no rule of the default is marked unreachable yet fires.
        Assert.Contains("CRM edits of status and parties up to 2 employees", run.Out, StringComparison.Ordinal);
        var neverFired = run.Out.Split('\n').Single(l => l.StartsWith("rules that never fired: ", StringComparison.Ordinal));
        Assert.DoesNotContain("crm-completion-carries-edits", neverFired, StringComparison.Ordinal);
        Assert.DoesNotContain("is marked expectUnreachable but fired", run.Out, StringComparison.Ordinal);

        // With --admit it says what it ran; bare, nothing about the stages (the verdict judges the rules alone).
        Assert.Equal(admit, run.Out.Contains("admit stage: on (intent guard, mass-change budget of 10 destructive effects per mailbox sync", StringComparison.Ordinal));
        Assert.Equal(admit, run.Out.Contains("each sync may crash at the journal boundary and resume", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_Regression_FailsWithTrace()
    {
        var run = CliRun.Of(["check", "embedded:regressions/2020-02-ordering", .. SmallScope, "--format", "json"]);
        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.False(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.NotEmpty(doc.RootElement.GetProperty("exhaustive").GetProperty("violations").EnumerateArray());
    }

    [Fact]
    public void Check_ManyViolations_SaysHowManyTracesWereLeftOut()
    {
        var run = CliRun.Of(["check", "embedded:regressions/2020-02-ordering", .. SmallScope]);

        Assert.Equal(1, run.ExitCode);
        var match = System.Text.RegularExpressions.Regex.Match(run.Out, @"(\d+) more violation trace\(s\) left out \(3 of (\d+) shown\)");
        Assert.True(match.Success, run.Out);
        Assert.Equal(int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) - 3, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What the incident was: an effect no person meant, sent or written by a sync.</summary>
    private static readonly string[] Spurious = ["no-spurious-cancellation", "no-spurious-deletion", "cancel-is-not-deletion", "removal-stays-personal", "external-organizer-never-cancelled-for"];

    private static List<string> Invariants(JsonElement root, string phase) =>
        [.. root.GetProperty(phase).GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("invariant").GetString()!)];

    [Theory]
    [InlineData("embedded:regressions/2020-02-ordering")]
    [InlineData("embedded:regressions/2026-series-fanout")]
    public void Check_AdmitOnAnIncidentRuleSet_NoSpuriousEffectGoesOutInAnySchedule(string rules)
    {
        var bare = CliRun.Of(["check", rules, .. SmallScope, "--format", "json"]);
        var admitted = CliRun.Of(["check", rules, .. SmallScope, "--admit", "--format", "json"]);

        using var bareDoc = JsonDocument.Parse(bare.Out);
        using var doc = JsonDocument.Parse(admitted.Out);
        var found = Invariants(doc.RootElement, "exhaustive").Concat(Invariants(doc.RootElement, "random")).ToList();
        Assert.DoesNotContain(found, Spurious.Contains);
        Assert.DoesNotContain("admitted-within-budget", found);
        Assert.Equal(1, admitted.ExitCode); // Still not shippable: what the stages held is a finding (nothing-held).
        if (rules.EndsWith("2020-02-ordering", StringComparison.Ordinal))
        {
            // Bare, the same scope sends the incident's cancellations and deletions; admitted, the guard holds them.
            Assert.Contains(Invariants(bareDoc.RootElement, "exhaustive"), Spurious.Contains);
            Assert.Contains("nothing-held", found);
        }
    }

    [Fact]
    public void Check_AdmitWithABudgetTheRulesExceed_FailsNamingTheGuard()
    {
        // The default cancels the organizer's record when the organizer cancels: one destructive effect, beyond a budget of 0.
        var run = CliRun.Of(["check", .. SmallScope, "--admit", "--admit-max-destructive", "0", "--format", "json"]);

        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var held = doc.RootElement.GetProperty("exhaustive").GetProperty("violations").EnumerateArray()
            .Where(v => v.GetProperty("invariant").GetString() == "nothing-held").Select(v => v.GetProperty("message").GetString()!).ToList();
        Assert.Contains(held, m => m.Contains("mass-change guard", StringComparison.Ordinal) && m.Contains("limit 0 per mailbox", StringComparison.Ordinal));
        Assert.DoesNotContain("admitted-within-budget", Invariants(doc.RootElement, "exhaustive"));
    }

    /// <summary>The default's rules with one more that the simulated world never reaches (a meeting type it has none of).</summary>
    private static string WithUnreachableRule(string mark)
    {
        var text = RulesSync.Runner.RuleFiles.RuleFileReader.Read("embedded:default").Text;
        var extra = "  - name: visits-only-rule\n    because: a rule for a case the world never has\n    when: { source: crm, kind: deleted, role: none, timing: future, meetingType: visit, externalAttendees: false }\n    decide: ignore\n" + mark;
        var at = text.IndexOf("  - name: past-meetings-untouched", StringComparison.Ordinal);
        return text[..at] + extra + text[at..];
    }

    [Fact]
    public void Check_RuleThatNeverFired_FailsAndNamesIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rulesync-unfired-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, WithUnreachableRule(string.Empty));
        try
        {
            var run = CliRun.Of(["check", path, .. SmallScope]);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("visits-only-rule: never fired and not marked expectUnreachable", run.Out, StringComparison.Ordinal);
            Assert.Contains("0 violation(s); goals met", run.Out, StringComparison.Ordinal);
            Assert.EndsWith("check FAILED: do not ship this rule set", run.Out.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Check_RuleMarkedExpectUnreachable_PassesAndIsListedWithItsReason()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rulesync-unfired-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, WithUnreachableRule("    expectUnreachable: true\n    unreachableReason: the simulated world has no such record\n"));
        try
        {
            var run = CliRun.Of(["check", path, .. SmallScope, "--format", "json"]);
            Assert.Equal(0, run.ExitCode);
            using var doc = JsonDocument.Parse(run.Out);
            var never = doc.RootElement.GetProperty("neverFired");
            Assert.Contains(never.GetProperty("rules").EnumerateArray(), r => r.GetString() == "visits-only-rule");
            Assert.Empty(never.GetProperty("unexpected").EnumerateArray());
            Assert.Contains(never.GetProperty("expectedUnreachable").EnumerateArray(), r => r.GetProperty("rule").GetString() == "visits-only-rule" && r.GetProperty("reason").GetString() == "the simulated world has no such record");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
