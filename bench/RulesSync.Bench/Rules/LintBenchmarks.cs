using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using RulesSync.Engine.Rules.Analysis;

namespace RulesSync.Bench.Rules;

/// <summary>
/// <c>rulesync lint</c>'s engine part on a rule file at the 1 MiB cap: 999 rules, each with a ~980-character
/// expression of 20 or so comparisons across every fact, plus a catch-all (so 990 rules are shadowed, the
/// analysis's worst case under <c>first</c>). Before issue 13 this took about 30 s; the target is under 3 s.
/// The same text under <c>unique</c> (every pair compared for overlaps) is measured too.
/// </summary>
[MemoryDiagnoser]
public class LintBenchmarks
{
    private string _first = string.Empty;
    private string _unique = string.Empty;

    /// <summary>The pathological file: deterministic (seeded), just under the 1 MiB cap and the 1,000-rule limit.</summary>
    public static string CapSizedRuleFile(string hitPolicy)
    {
        var facts = new (string Name, string[] Values)[]
        {
            ("kind", ["created", "updated", "deleted", "cancelled", "declined", "missing"]),
            ("role", ["organizer", "attendee", "none"]),
            ("link", ["unlinked", "this", "other"]),
            ("source", ["mailbox", "crm"]),
            ("provider", ["exchange", "google"]),
            ("timing", ["past", "future"]),
            ("meetingType", ["appointment", "visit"]),
            ("apiVersion", ["v1", "v2"]),
        };
        string[] bools = ["ownsRecord", "employeeAttendees", "externalAttendees", "autoShare", "inSyncWindow"];
        var random = new Random(20200222);
        var text = new StringBuilder($"name: big\nhitPolicy: {hitPolicy}\nrules:\n");
        for (var i = 0; i < 999; i++)
        {
            var expression = new StringBuilder();
            while (true)
            {
                var (f, fv) = facts[random.Next(facts.Length)];
                var (g, gv) = facts[random.Next(facts.Length)];
                var term = $"({f} == \"{fv[random.Next(fv.Length)]}\" && {g} != \"{gv[random.Next(gv.Length)]}\" && !{bools[random.Next(bools.Length)]})";
                if (expression.Length + term.Length + 4 > 980)
                {
                    break;
                }

                expression.Append(expression.Length == 0 ? string.Empty : " || ").Append(term);
            }

            text.Append(CultureInfo.InvariantCulture, $"  - name: r{i}\n    because: x\n    expression: '{expression}'\n    decide: ignore\n");
        }

        text.Append("  - name: rest\n    because: x\n    when: {}\n    decide: ignore\n");
        return text.ToString();
    }

    [GlobalSetup]
    public void Setup()
    {
        _first = CapSizedRuleFile("first");
        _unique = CapSizedRuleFile("unique");
        if (Encoding.UTF8.GetByteCount(_first) is < 1_000_000 or > 1024 * 1024)
        {
            throw new InvalidOperationException("the benchmark file must sit just under the 1 MiB cap");
        }
    }

    [Benchmark(Baseline = true)]
    public int LintCapSizedFileFirst() => RuleSetLinter.Lint("big.yaml", _first).Diagnostics.Length;

    [Benchmark]
    public int LintCapSizedFileUnique() => RuleSetLinter.Lint("big.yaml", _unique).Diagnostics.Length;
}
