using System.Collections.Immutable;
using RulesSync.Simulator.Reports;

namespace RulesSync.Simulator.Tests.Reports;

public class HtmlReportTests
{
    private static readonly ViolationReport Violation = new(
        "no-spurious-cancellation",
        "B received a cancellation <nobody sent>",
        new ScenarioParameters(2, 0, "v2", true, "mailbox", ["exchange", "google"], "appointment", false),
        ["create", "sync B", "sync A"],
        [
            new TraceStep(1, "create", false, [new TraceEvent("action", "mailbox:A", "mailbox:A", "A creates \"<script>alert(1)</script>\"")]),
            new TraceStep(2, "sync B", false, [new TraceEvent("decision", "agent:B", "crm", "share crm", "auto-share-new-meetings")]),
            new TraceStep(3, "sync A", false,
            [
                new TraceEvent("decision", "agent:A", "mailbox:A", "cancel mailbox", "foreign-owner-retracts-stale-copy"),
                new TraceEvent("message", "mailbox:A", "b@example", "cancellation A → B"),
            ]),
        ],
        null);

    private static SimulationReport Report(params ViolationReport[] violations) => new(
        "exhaustive", "abc123", 4, 100, 80, null, null, [.. violations],
        new RuleCoverage(["r1", "r2"], ["r1"], ["r2"]),
        [new CoverageGoal("api v1", true), new CoverageGoal("auto-share off", false)]);

    [Fact]
    public void Render_EscapesEverythingFromTheTrace()
    {
        var page = HtmlReport.Render(Report(Violation), "rules <x>.yaml");
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("rules &lt;x&gt;.yaml", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShowsSummaryCoverageAndGoals()
    {
        var page = HtmlReport.Render(Report(Violation), "t");
        Assert.Contains("1 violation(s)", page, StringComparison.Ordinal);
        Assert.Contains("Rules that never fired: r2", page, StringComparison.Ordinal);
        Assert.Contains("<td>auto-share off</td><td class=\"fail\">no</td>", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Passing_SaysSoAndHasNoDiagram()
    {
        var page = HtmlReport.Render(Report(), "t");
        Assert.Contains("no invariant violated", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Lifelines_AreMailboxesThenAgentsThenCrmThenOthers()
    {
        Assert.Equal(["mailbox:A", "agent:A", "agent:B", "crm", "b@example"], HtmlReport.Lifelines(Violation));
    }

    [Fact]
    public void SequenceDiagram_DrawsOneArrowPerEvent()
    {
        var svg = HtmlReport.SequenceDiagram(Violation);
        var events = Violation.Trace.Sum(t => t.Events.Length);
        var arrows = CountOf(svg, "marker-end=\"url(#arrow)\"");
        Assert.Equal(events, arrows);
        Assert.Equal(5, CountOf(svg, "stroke-dasharray")); // one dashed lifeline per participant
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
