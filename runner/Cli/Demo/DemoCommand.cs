using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Demo;

namespace RulesSync.Runner.Cli.Demo;

/// <summary>
/// <c>rulesync demo</c>, the README's main job: starts the protocol emulators with a seeded organisation, runs the
/// live runner against them through the real SDKs, acts out both 2020-02 incident orderings with the default rule
/// set and with the known-bad regression set, and prints what people received. The runner runs with the documented
/// default guards, and says so. Expected: with the default rules nothing spurious and nothing held; with the
/// regression rules the guards (the intent guard, whatever the counts) hold the cancellations and deletions, and still
/// nobody receives a cancellation nobody meant. Exit 0 when both hold, 1 otherwise. Needs no
/// credentials and no network; each act's state is kept in a subfolder of <c>--folder</c> (default <c>rulesync-demo</c>)
/// with a <c>rulesync.yaml</c>, so <c>rulesync held|status|journal --config</c> work on it afterwards.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultRules = "embedded:default";
    public const string RegressionRules = "embedded:regressions/2020-02-ordering";

    public static Command Create(CliConsole console)
    {
        var format = FormatOption.Create();
        var meetings = new Option<int>("--meetings") { Description = "Meetings Alice schedules in each act (2-20).", DefaultValueFactory = _ => 4 };
        var folder = new Option<string>("--folder") { Description = "Where each act's state and rulesync.yaml are kept (replaced on the next run).", DefaultValueFactory = _ => DefaultFolder };
        var command = new Command("demo", "Run the live runner against built-in emulators through both incident orderings (no credentials needed).") { format, meetings, folder };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(meetings);
            if (n is < 2 or > 20)
            {
                console.Error.WriteLine("error: --meetings must be between 2 and 20");
                return (int)ExitCode.InvalidInput;
            }

            return await RunAsync(console, parse.GetValue(format), n, Path.GetFullPath(parse.GetValue(folder)!), ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The folder the demo keeps its state in unless told otherwise (covered by .gitignore).</summary>
    public const string DefaultFolder = "rulesync-demo";

    /// <summary>The subfolder of one act under one rule set, e.g. <c>1-regression</c>.</summary>
    public static string ActFolder(int act, string rules) => $"{act}-{(rules == DefaultRules ? "default" : "regression")}";

    internal static async Task<int> RunAsync(CliConsole console, OutputFormat format, int meetings, string folder, CancellationToken cancellationToken)
    {
        var log = format == OutputFormat.Json ? null : console.Out;
        var acts = DemoAct.Incidents.Count * 2;
        log?.WriteLine($"demo: {acts} runs (2 incident orderings x 2 rule sets) and a recurring-meeting story, each against fresh emulators; state kept in {Relative(folder)}");
        log?.WriteLine($"guards: {Guards(new Configuration.GuardOptions())}");
        var results = new List<DemoResult>();
        var run = 0;
        for (var a = 0; a < DemoAct.Incidents.Count; a++)
        {
            var act = DemoAct.Incidents[a];
            foreach (var rules in new[] { DefaultRules, RegressionRules })
            {
                run++;
                log?.WriteLine($"[{run}/{acts}] {act.Name} — rules {rules}");
                results.Add(await DemoStory.RunAsync(act, rules, meetings, Path.Combine(folder, ActFolder(a + 1, rules)), log, cancellationToken).ConfigureAwait(false));
                log?.WriteLine();
            }
        }

        log?.WriteLine($"[series] {SeriesDemoStory.Act.Name} — rules {DefaultRules}");
        var series = await SeriesDemoStory.RunAsync(Path.Combine(folder, "series-default"), log, cancellationToken).ConfigureAwait(false);
        log?.WriteLine();

        var expected = series.Expected && results.All(r => r.NothingSpurious && r.MeantCancellations > 0)
            && results.Where(r => r.Rules == DefaultRules).All(r => r.HeldEffects == 0)
            && results.Where(r => r.Rules == RegressionRules).All(r => r.HeldEffects > 0);
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { passed = expected, folder, results, series });
        }
        else
        {
            Print(console.Out, results, folder);
            SeriesDemoStory.Print(console.Out, series);
            console.Out.WriteLine(expected
                ? "demo passed: the default rules sent no cancellation nobody meant; the regression rules were contained by the default guards (see 'held')."
                : "demo FAILED: see the table above.");
        }

        return expected ? (int)ExitCode.Ok : (int)ExitCode.Findings;
    }

    /// <summary>What the table's columns count.</summary>
    internal static readonly string[] Legend =
    [
        "columns: meetings = meetings scheduled in the act; decisions = decisions the rules took; CRM = open CRM records at the end;",
        "  invites = invitations people received; cancellations meant = cancellations of the meeting Alice cancelled herself;",
        "  spurious = cancellations nobody meant (must be 0); lost = meetings an organizer lost though nobody cancelled them (must be 0);",
        "  held = destructive effects the guards held for review (0 with the default rules, more with the regression rules);",
        "  the reason of each is listed below: the intent guard holds what no person's cancellation or deletion caused.",
    ];

    /// <summary>The guards the demo runs with, in words: the documented defaults, nothing tuned for the demo.</summary>
    internal static string Guards(Configuration.GuardOptions g) =>
        FormattableString.Invariant(
            $"the documented defaults (docs/runner.md): intent guard on (a deletion or cancellation only on a person's act); mass-change guard at {g.MaxDestructivePerMailbox} per mailbox and {g.MaxDestructivePerTenant} per tenant per cycle, {g.MaxDestructiveSharePerMailbox * 100:0.#}% of a mailbox's and {g.MaxDestructiveSharePerTenant * 100:0.#}% of the tenant's meetings from {g.ShareMinimumMeetings} meetings on");

    private static string Relative(string folder) => Path.GetRelativePath(Directory.GetCurrentDirectory(), folder);

    private static void Print(TextWriter o, List<DemoResult> results, string folder)
    {
        o.WriteLine($"{"act",-8} {"rules",-11} {"meetings",8} {"decisions",9} {"CRM",4} {"invites",7} {"cancellations meant",19} {"spurious",8} {"lost",4} {"held",4}");
        foreach (var r in results)
        {
            var act = r.Act.StartsWith("incident 1", StringComparison.Ordinal) ? "1 (v2)" : "2 (v1)";
            var rules = r.Rules == DefaultRules ? "default" : "regression";
            o.WriteLine($"{act,-8} {rules,-11} {r.Meetings,8} {r.Decisions,9} {r.CrmRecords,4} {r.Invitations,7} {r.MeantCancellations,19} {r.SpuriousCancellations,8} {r.OrganizerEventsLost,4} {r.HeldEffects,4}");
        }

        o.WriteLine();
        foreach (var line in Legend)
        {
            o.WriteLine(line);
        }

        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (r.Held.Count == 0)
            {
                continue;
            }

            var config = Path.Combine(Relative(folder), ActFolder((i / 2) + 1, r.Rules), "rulesync.yaml");
            o.WriteLine();
            o.WriteLine($"held in {r.Act} with {r.Rules}:");
            foreach (var h in r.Held)
            {
                o.WriteLine("  - " + h);
            }

            o.WriteLine($"  review them: rulesync held --config {config}   (then approve or discard --effect KEY --config {config})");
        }

        o.WriteLine();
    }
}
