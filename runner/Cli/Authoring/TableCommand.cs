using System.CommandLine;
using RulesSync.Engine.Rules.Tables;
using RulesSync.Runner.Cli;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Cli.Authoring;

/// <summary><c>rulesync table FILE</c>: the rule set as a Markdown decision table, for review at a glance.</summary>
internal static class TableCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "The rule file (or embedded:NAME)." };
        var format = FormatOption.Create("Output format: table (Markdown) or json.");
        var command = new Command("table", "Print a rule set as a Markdown decision table.") { file, format };
        command.SetAction(parse =>
        {
            var ruleSet = RuleSetInput.Compile(parse.GetValue(file)!);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                console.WriteJson(new
                {
                    ruleSet = ruleSet.Name,
                    hash = ruleSet.Hash,
                    hitPolicy = ruleSet.HitPolicy,
                    rules = ruleSet.Rules.Select(r => new
                    {
                        name = r.Name,
                        when = r.Model.When.Select(c => c.ToString()),
                        expression = r.Model.Expression?.Text,
                        decide = r.Template.Action,
                        target = r.Template.Target,
                        because = r.Template.Explanation,
                    }),
                });
            }
            else
            {
                console.Out.Write(DecisionTable.ToMarkdown(ruleSet.Model));
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}
