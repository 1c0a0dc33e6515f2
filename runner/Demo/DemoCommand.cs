using System.CommandLine;
using RulesSync.Runner.Cli;

namespace RulesSync.Runner.Demo;

/// <summary>
/// <c>rulesync demo</c>, the README's main job: starts the protocol emulators with a seeded organisation, runs the
/// live runner against them through the real SDKs, acts out both 2020-02 incident orderings with the default rule
/// set and with the known-bad regression set, and prints what people received. Expected: with the default rules
/// nothing spurious and nothing held; with the regression rules the mass-change guard holds the cancellations and
/// deletions, and still nobody receives a cancellation nobody meant. Exit 0 when both hold, 1 otherwise. Needs no
/// credentials, no network and no files.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultRules = "embedded:default";
    public const string RegressionRules = "embedded:regressions/2020-02-ordering";

    public static Command Create(CliConsole console)
    {
        var format = FormatOption.Create();
        var meetings = new Option<int>("--meetings") { Description = "Meetings Alice schedules in each act (2-20).", DefaultValueFactory = _ => 4 };
        var command = new Command("demo", "Run the live runner against built-in emulators through both incident orderings (no credentials needed).") { format, meetings };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(meetings);
            if (n is < 2 or > 20)
            {
                console.Error.WriteLine("error: --meetings must be between 2 and 20");
                return (int)ExitCode.InvalidInput;
            }

            return await RunAsync(console, parse.GetValue(format), n, ct).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CliConsole console, OutputFormat format, int meetings, CancellationToken cancellationToken)
    {
        var log = format == OutputFormat.Json ? null : console.Out;
        var results = new List<DemoResult>();
        foreach (var act in DemoAct.Incidents)
        {
            foreach (var rules in new[] { DefaultRules, RegressionRules })
            {
                log?.WriteLine($"{act.Name} — rules {rules}");
                results.Add(await DemoStory.RunAsync(act, rules, meetings, log, cancellationToken).ConfigureAwait(false));
                log?.WriteLine();
            }
        }

        var expected = results.All(r => r.NothingSpurious && r.MeantCancellations > 0)
            && results.Where(r => r.Rules == DefaultRules).All(r => r.HeldEffects == 0)
            && results.Where(r => r.Rules == RegressionRules).All(r => r.HeldEffects > 0);
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { passed = expected, results });
        }
        else
        {
            Print(console.Out, results);
            console.Out.WriteLine(expected
                ? "demo passed: the default rules sent no cancellation nobody meant; the regression rules were contained by the mass-change guard (see 'held')."
                : "demo FAILED: see the table above.");
        }

        return expected ? (int)ExitCode.Ok : (int)ExitCode.Findings;
    }

    private static void Print(TextWriter o, IReadOnlyList<DemoResult> results)
    {
        o.WriteLine($"{"act",-8} {"rules",-11} {"meetings",8} {"decisions",9} {"CRM",4} {"invites",7} {"cancellations meant",19} {"spurious",8} {"lost",4} {"held",4}");
        foreach (var r in results)
        {
            var act = r.Act.StartsWith("incident 1", StringComparison.Ordinal) ? "1 (v2)" : "2 (v1)";
            var rules = r.Rules == DefaultRules ? "default" : "regression";
            o.WriteLine($"{act,-8} {rules,-11} {r.Meetings,8} {r.Decisions,9} {r.CrmRecords,4} {r.Invitations,7} {r.MeantCancellations,19} {r.SpuriousCancellations,8} {r.OrganizerEventsLost,4} {r.HeldEffects,4}");
        }

        foreach (var r in results.Where(r => r.Held.Count > 0))
        {
            o.WriteLine();
            o.WriteLine($"held in {r.Act} with {r.Rules} (approve or discard with 'rulesync held' / 'rulesync approve'):");
            foreach (var h in r.Held)
            {
                o.WriteLine("  - " + h);
            }
        }

        o.WriteLine();
    }
}
