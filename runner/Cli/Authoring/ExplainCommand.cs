using System.CommandLine;
using RulesSync.Engine.Rules.Language;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Cli.Authoring;

/// <summary>
/// <c>rulesync explain FILE --change FILE</c>: the decision for one change, the rule that chose it, and every
/// rule considered with the conditions that held or failed.
/// </summary>
internal static class ExplainCommand
{
    /// <summary>What the marks before each rule and condition mean.</summary>
    internal const string Legend = "rules in evaluation order: '=>' chose the decision, '+' matched but was not chosen, '-' did not match; [held] / [failed] per condition";

    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "The rule file (or embedded:NAME)." };
        var change = new Option<string>("--change")
        {
            Description = "A YAML or JSON map of facts, as in a fixture's given: (unset facts take the documented defaults).",
            Required = true,
        };
        var format = FormatOption.Create();
        var command = new Command("explain", "Explain how a rule set decides one change.") { file, change, format };
        command.SetAction(parse => Run(console, parse.GetValue(file)!, parse.GetValue(change)!, parse.GetValue(format)));
        return command;
    }

    private static int Run(CliConsole console, string path, string changePath, OutputFormat format)
    {
        var ruleSet = RuleSetInput.Compile(path);
        var changeFile = RuleFileReader.Read(changePath);
        var read = ChangeFactsReader.Read(changeFile.SourceName, changeFile.Text);
        if (read.Facts is not { } facts)
        {
            throw new InvalidInputException(string.Join(Environment.NewLine, read.Diagnostics.Select(d => d.ToString())));
        }

        var explanation = ruleSet.Explain(facts);
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new
            {
                ruleSet = ruleSet.Name,
                hash = ruleSet.Hash,
                facts = explanation.Facts,
                decision = explanation.Decision is { } d
                    ? new { decide = d.Action, target = d.Target, rule = d.Rule, because = d.Explanation }
                    : null,
                error = explanation.Error,
                rules = explanation.Rules.Select(r => new
                {
                    rule = r.Rule,
                    location = r.Location.ToString(),
                    matched = r.Matched,
                    chosen = r.Chosen,
                    conditions = r.Conditions.Select(c => new { condition = c.Condition, actual = c.Actual, held = c.Held }),
                }),
            });
        }
        else
        {
            console.Out.WriteLine($"facts: {explanation.Facts}");
            console.Out.WriteLine(explanation.Decision is { } d
                ? $"decision: {d.Action.ToString().ToLowerInvariant()} {d.Target.ToString().ToLowerInvariant()} by rule {d.Rule} — {d.Explanation}"
                : $"no decision: {explanation.Error}");
            console.Out.WriteLine($"rule set: {ruleSet.Name} ({ruleSet.Hash[..12]})");
            console.Out.WriteLine(Legend);
            foreach (var rule in explanation.Rules)
            {
                var mark = rule.Chosen ? "=>" : rule.Matched ? " +" : " -";
                console.Out.WriteLine($"{mark} {rule.Rule} ({rule.Location})");
                foreach (var c in rule.Conditions)
                {
                    console.Out.WriteLine($"     [{(c.Held ? "held" : "failed")}] {c.Condition}{(c.Actual.Length > 0 ? $" (actual {c.Actual})" : string.Empty)}");
                }
            }
        }

        return explanation.Decision is null ? (int)ExitCode.Findings : (int)ExitCode.Ok;
    }
}
