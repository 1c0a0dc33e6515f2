using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Simulator.Reports;

namespace RulesSync.Simulator.Comparison;

/// <summary>Fact combinations on which two rule sets decide differently, grouped by (old decision, new decision).</summary>
/// <param name="From">The old decision, e.g. <c>delete crm</c>.</param>
/// <param name="To">The new decision.</param>
/// <param name="OldRule">The old deciding rule.</param>
/// <param name="NewRule">The new deciding rule.</param>
/// <param name="Count">How many observed fact combinations change this way.</param>
/// <param name="Example">One of them, as <c>name=value</c> pairs.</param>
public sealed record DecisionChange(string From, string To, string OldRule, string NewRule, int Count, string Example);

/// <summary>How often an outcome is decided over the compared fact combinations, before and after.</summary>
/// <param name="Action">delete, cancel or share.</param>
/// <param name="Old">Combinations the old rule set decides so.</param>
/// <param name="New">Combinations the new rule set decides so.</param>
public sealed record OutcomeDelta(string Action, int Old, int New);

/// <summary>
/// What changes between two rule sets over the same explored space: decisions that differ on the changes either
/// exploration observed, how deletions, cancellations and shares move, and violations NEW has that OLD did not.
/// </summary>
/// <param name="FactsCompared">Distinct fact combinations observed by either exploration.</param>
/// <param name="Changes">Groups of differing decisions, most frequent first.</param>
/// <param name="Outcomes">Deletions, cancellations and shares before and after.</param>
/// <param name="Old">The old rule set's simulation.</param>
/// <param name="New">The new rule set's simulation.</param>
/// <param name="NewViolations">Violations of NEW whose invariant and scenario OLD did not violate.</param>
public sealed record RuleSetDiff(
    int FactsCompared,
    ImmutableArray<DecisionChange> Changes,
    ImmutableArray<OutcomeDelta> Outcomes,
    SimulationReport Old,
    SimulationReport New,
    ImmutableArray<ViolationReport> NewViolations)
{
    /// <summary>Fact combinations decided differently.</summary>
    public int FactsDiffering => Changes.Sum(c => c.Count);

    /// <summary>Whether any differing decision deletes or cancels on either side.</summary>
    public bool ChangesDestructiveOutcome => Changes.Any(c => IsDestructive(c.From) || IsDestructive(c.To));

    internal static bool IsDestructive(string decision) =>
        decision.StartsWith("delete", StringComparison.Ordinal) || decision.StartsWith("cancel", StringComparison.Ordinal);
}

/// <summary>Compares two policies over the same simulation scope. Pure and deterministic.</summary>
public static class RuleSetComparison
{
    /// <summary>
    /// Explores <paramref name="options"/> with both policies and compares their decisions and violations;
    /// <paramref name="progress"/> hears each simulation's progress (the old policy's, then the new one's).
    /// </summary>
    public static RuleSetDiff Compare(SimulationOptions options, IDecisionPolicy oldPolicy, IDecisionPolicy newPolicy, IProgress<SimulationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(oldPolicy);
        ArgumentNullException.ThrowIfNull(newPolicy);
        var (oldReport, oldFacts) = Observe(options, oldPolicy, progress);
        var (newReport, newFacts) = Observe(options, newPolicy, progress);
        oldFacts.UnionWith(newFacts);
        return Diff(oldFacts, oldPolicy, newPolicy, oldReport, newReport);
    }

    /// <summary>Runs one simulation and returns the report with every fact combination the policy was asked.</summary>
    internal static (SimulationReport Report, HashSet<ChangeFacts> Facts) Observe(SimulationOptions options, IDecisionPolicy policy, IProgress<SimulationProgress>? progress = null)
    {
        var (report, recording) = Record(options, policy, progress);
        return (report, recording.Observed);
    }

    /// <summary>Runs one simulation and returns the report with the recording: the facts asked, and those whose decision took effect.</summary>
    internal static (SimulationReport Report, RecordingPolicy Recording) Record(SimulationOptions options, IDecisionPolicy policy, IProgress<SimulationProgress>? progress = null)
    {
        var recording = new RecordingPolicy(policy);

        // One scenario at a time: the recording policy is not thread-safe.
        var report = Simulation.Run(options with { MaxDegreeOfParallelism = 1 }, recording, progress);
        return (report, recording);
    }

    internal static RuleSetDiff Diff(IReadOnlyCollection<ChangeFacts> facts, IDecisionPolicy oldPolicy, IDecisionPolicy newPolicy, SimulationReport oldReport, SimulationReport newReport)
    {
        var groups = new Dictionary<(string, string, string, string), (int Count, ChangeFacts Example)>();
        var outcomes = new Dictionary<DecisionAction, (int Old, int New)>
        {
            [DecisionAction.Delete] = (0, 0),
            [DecisionAction.Cancel] = (0, 0),
            [DecisionAction.Share] = (0, 0),
        };
        foreach (var f in facts.OrderBy(x => FactCatalog.Encode(x)))
        {
            var a = Decide(oldPolicy, f);
            var b = Decide(newPolicy, f);
            Count(outcomes, a, old: true);
            Count(outcomes, b, old: false);
            var from = Describe(a);
            var to = Describe(b);
            if (from != to)
            {
                var key = (from, to, a?.Rule ?? "-", b?.Rule ?? "-");
                groups[key] = groups.TryGetValue(key, out var g) ? (g.Count + 1, g.Example) : (1, f);
            }
        }

        var changes = groups
            .Select(p => new DecisionChange(p.Key.Item1, p.Key.Item2, p.Key.Item3, p.Key.Item4, p.Value.Count, FactCatalog.Describe(p.Value.Example)))
            .OrderByDescending(c => c.Count).ThenBy(c => c.From, StringComparer.Ordinal).ThenBy(c => c.To, StringComparer.Ordinal)
            .ToImmutableArray();
        var known = oldReport.Violations.Select(Key).ToHashSet(StringComparer.Ordinal);
        var fresh = newReport.Violations.Where(v => !known.Contains(Key(v))).ToImmutableArray();
        return new RuleSetDiff(
            facts.Count,
            changes,
            [.. outcomes.Select(o => new OutcomeDelta(o.Key.ToString().ToLowerInvariant(), o.Value.Old, o.Value.New))],
            oldReport,
            newReport,
            fresh);
    }

    private static Decision? Decide(IDecisionPolicy policy, in ChangeFacts facts)
    {
        try
        {
            return policy.Decide(facts);
        }
        catch (InvalidOperationException)
        {
            return null; // No rule matched (or, under unique, two did): the comparison shows it as "no decision".
        }
    }

    private static void Count(Dictionary<DecisionAction, (int Old, int New)> outcomes, Decision? d, bool old)
    {
        if (d is not null && outcomes.TryGetValue(d.Action, out var c))
        {
            outcomes[d.Action] = old ? (c.Old + 1, c.New) : (c.Old, c.New + 1);
        }
    }

    private static string Describe(Decision? d) =>
        d is null ? "no decision" : $"{d.Action.ToString().ToLowerInvariant()} {d.Target.ToString().ToLowerInvariant()}";

    private static string Key(ViolationReport v) =>
        $"{v.Invariant}|{v.Scenario.Employees}|{v.Scenario.ExternalAttendees}|{v.Scenario.ApiVersion}|{v.Scenario.AutoShare}|{v.Scenario.Origin}|{string.Join(',', v.Scenario.Providers)}|{v.Scenario.MeetingType}|{v.Scenario.Past}|{v.Scenario.ExternalOrganizer}";
}
