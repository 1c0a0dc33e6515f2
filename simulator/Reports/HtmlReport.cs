using System.Globalization;
using System.Net;
using System.Text;

namespace RulesSync.Simulator.Reports;

/// <summary>
/// Renders a <see cref="SimulationReport"/> as one self-contained HTML page (no scripts, no external assets):
/// the summary, rule coverage and goals, and for each violation its numbered trace beside an SVG sequence
/// diagram whose lifelines are each mailbox, each sync agent, the CRM and anyone who received a message.
/// Pure: the same report gives the same page.
/// </summary>
public static class HtmlReport
{
    private const int LaneWidth = 150;
    private const int RowHeight = 26;
    private const int Top = 40;
    private const int Left = 20;

    /// <summary>The page for <paramref name="report"/>, titled with <paramref name="title"/> (the rule file, usually).</summary>
    public static string Render(SimulationReport report, string title)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<title>").Append(E($"rulesync simulate — {title}")).Append("</title>")
            .Append("<style>")
            .Append("body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}")
            .Append(".pass{color:#176f2c}.fail{color:#b00020}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}")
            .Append("ol.trace li{margin:.2em 0}ol.trace ul{margin:0;padding-left:1.2em;color:#444}.q{color:#777}")
            .Append("svg text{font:11px system-ui,sans-serif}.violation{border:1px solid #e0b4b4;border-radius:6px;padding:0 1em 1em;margin:1em 0}")
            .Append("</style></head><body>\n");

        var verdict = report.Passed ? "<span class=\"pass\">no invariant violated</span>" : $"<span class=\"fail\">{report.Violations.Length} violation(s)</span>";
        html.Append("<h1>").Append(E(title)).Append(" — ").Append(verdict).Append("</h1>\n<table>")
            .Append(Row("mode", report.Mode))
            .Append(Row("rule set hash", report.RuleSetHash))
            .Append(Row("scenarios", N(report.Scenarios)))
            .Append(Row("schedules explored", N(report.SchedulesExplored)))
            .Append(Row("distinct states", N(report.DistinctStates)));
        if (report.Seed is { } seed)
        {
            html.Append(Row("seed", seed.ToString(CultureInfo.InvariantCulture)));
        }

        html.Append("</table>\n<h2>Coverage</h2><table><tr><th>goal</th><th>reached</th></tr>");
        foreach (var goal in report.Goals)
        {
            html.Append("<tr><td>").Append(E(goal.Name)).Append("</td><td class=\"").Append(goal.Reached ? "pass\">yes" : "fail\">no").Append("</td></tr>");
        }

        html.Append("</table><p>Rules that never fired: ")
            .Append(report.Coverage.NeverFired.IsEmpty ? "none" : E(string.Join(", ", report.Coverage.NeverFired)))
            .Append("</p>\n");

        var number = 0;
        foreach (var violation in report.Violations)
        {
            number++;
            var s = violation.Scenario;
            html.Append("<section class=\"violation\"><h2 class=\"fail\">").Append(number).Append(". ").Append(E(violation.Invariant)).Append("</h2>")
                .Append("<p>").Append(E(violation.Message)).Append("</p><p>")
                .Append(E($"employees {s.Employees}, external attendees {s.ExternalAttendees}, API {s.ApiVersion}, auto-share {(s.AutoShare ? "on" : "off")}, created in {s.Origin}, providers {string.Join(", ", s.Providers)}, {s.MeetingType}"))
                .Append(violation.Seed is { } vs ? E($", seed {vs}") : string.Empty)
                .Append("</p><ol class=\"trace\">");
            foreach (var step in violation.Trace)
            {
                html.Append("<li value=\"").Append(step.Number).Append('"').Append(step.Quiescence ? " class=\"q\"" : string.Empty).Append('>')
                    .Append(E(step.Step)).Append(step.Quiescence ? " (quiescence)" : string.Empty).Append("<ul>");
                foreach (var e in step.Events)
                {
                    html.Append("<li>").Append(E(e.Text)).Append(e.Rule is null ? string.Empty : E($" [rule {e.Rule}]")).Append("</li>");
                }

                html.Append("</ul></li>");
            }

            html.Append("</ol>\n").Append(SequenceDiagram(violation)).Append("</section>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    /// <summary>The violation's trace as an SVG sequence diagram: one lifeline per participant, one arrow per event.</summary>
    public static string SequenceDiagram(ViolationReport violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        var lanes = Lifelines(violation);
        var rows = violation.Trace.Sum(t => t.Events.Length + 1);
        var width = (Left * 2) + (lanes.Count * LaneWidth);
        var height = Top + (rows * RowHeight) + 20;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"sequence diagram\">");
        svg.Append("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"context-stroke\"/></marker></defs>");
        for (var i = 0; i < lanes.Count; i++)
        {
            var x = X(i);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">{E(lanes[i])}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"28\" x2=\"{x}\" y2=\"{height - 10}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>");
        }

        var y = Top;
        foreach (var step in violation.Trace)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 14}\" fill=\"{(step.Quiescence ? "#888" : "#000")}\" font-weight=\"bold\">{step.Number}. {E(step.Step)}</text>");
            y += RowHeight;
            foreach (var e in step.Events)
            {
                var from = X(lanes.IndexOf(e.From));
                var to = X(lanes.IndexOf(e.To));
                var color = Color(e);
                var label = E(e.Text.Length > 60 ? e.Text[..57] + "..." : e.Text);
                if (from == to)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{from},{y} h24 v10 h-24\" fill=\"none\" stroke=\"{color}\" marker-end=\"url(#arrow)\"/>");
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{from + 28}\" y=\"{y + 9}\" fill=\"{color}\">{label}</text>");
                }
                else
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{from}\" y1=\"{y + 8}\" x2=\"{to}\" y2=\"{y + 8}\" stroke=\"{color}\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>");
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Math.Min(from, to) + 6}\" y=\"{y + 4}\" fill=\"{color}\">{label}</text>");
                }

                svg.Append("<title>").Append(E(e.Text)).Append("</title>");
                y += RowHeight;
            }
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Lifelines in a stable, readable order: mailboxes, agents, the CRM, then everyone else.</summary>
    internal static List<string> Lifelines(ViolationReport violation)
    {
        var names = violation.Trace.SelectMany(t => t.Events).SelectMany(e => new[] { e.From, e.To }).Distinct(StringComparer.Ordinal);
        return names
            .OrderBy(n => n.StartsWith("mailbox:", StringComparison.Ordinal) ? 0 : n.StartsWith("agent:", StringComparison.Ordinal) ? 1 : n == "crm" ? 2 : 3)
            .ThenBy(n => n, StringComparer.Ordinal)
            .ToList();
    }

    private static int X(int lane) => Left + (lane * LaneWidth) + (LaneWidth / 2);

    private static string Color(TraceEvent e) => e.Kind switch
    {
        "violation" => "#b00020",
        "message" when e.Text.Contains("cancel", StringComparison.OrdinalIgnoreCase) => "#b00020",
        "message" => "#6a1b9a",
        "decision" => "#0b57d0",
        "held" => "#c77700",
        "write" => "#555",
        _ => "#000",
    };

    private static string Row(string name, string value) => $"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
