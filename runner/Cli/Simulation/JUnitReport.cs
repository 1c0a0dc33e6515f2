using System.Xml.Linq;
using RulesSync.Simulator.Reports;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// A simulation report as JUnit XML for CI dashboards: one test case per invariant (failing with each violation's
/// trace), one per coverage goal, and one for rule coverage.
/// </summary>
internal static class JUnitReport
{
    private static readonly string[] Invariants = ["no-spurious-cancellation", "no-spurious-deletion", "convergence", "no-duplicates", "idempotence"];

    public static string Render(SimulationReport report, string ruleFile)
    {
        var cases = new List<XElement>();
        foreach (var invariant in Invariants.Concat(report.Violations.Select(v => v.Invariant)).Distinct(StringComparer.Ordinal))
        {
            var violations = report.Violations.Where(v => v.Invariant == invariant).ToList();
            cases.Add(Case($"invariant {invariant}", violations.Count == 0 ? null : string.Join("\n\n", violations.Select(v => v.Render())), $"{violations.Count} violation(s)"));
        }

        foreach (var goal in report.Goals)
        {
            cases.Add(Case($"goal {goal.Name}", goal.Reached ? null : "the explored space did not reach this goal", "goal not reached"));
        }

        cases.Add(new XElement("testcase", new XAttribute("name", "rule coverage"), new XAttribute("classname", "simulate"),
            new XElement("system-out", report.Coverage.NeverFired.IsEmpty ? "every rule fired" : "never fired: " + string.Join(", ", report.Coverage.NeverFired))));

        var failures = cases.Count(c => c.Element("failure") is not null);
        var suite = new XElement("testsuite",
            new XAttribute("name", $"rulesync simulate {ruleFile}"),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", 0),
            new XElement("properties",
                new XElement("property", new XAttribute("name", "mode"), new XAttribute("value", report.Mode)),
                new XElement("property", new XAttribute("name", "ruleSetHash"), new XAttribute("value", report.RuleSetHash)),
                new XElement("property", new XAttribute("name", "schedules"), new XAttribute("value", report.SchedulesExplored)),
                new XElement("property", new XAttribute("name", "distinctStates"), new XAttribute("value", report.DistinctStates))),
            cases);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite)).ToString() + Environment.NewLine;
    }

    private static XElement Case(string name, string? failure, string message)
    {
        var element = new XElement("testcase", new XAttribute("name", name), new XAttribute("classname", "simulate"));
        if (failure is not null)
        {
            element.Add(new XElement("failure", new XAttribute("message", message), failure));
        }

        return element;
    }
}
