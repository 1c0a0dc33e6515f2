using System.Collections.Concurrent;
using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Fixtures;
using RulesSync.Simulator.Comparison;

namespace RulesSync.Simulator.Mutation;

/// <summary>What happened to one mutant.</summary>
/// <param name="Mutant">The mutant's id.</param>
/// <param name="Kind">The mutation operator.</param>
/// <param name="Description">The change in words.</param>
/// <param name="CaughtBy">What caught it (<c>fixture NAME</c>, <c>invariant NAME</c>, <c>no decision</c>), or null for a survivor.</param>
/// <param name="DestructiveDifferences">Survivors: observed fact combinations where the mutant's delete/cancel decisions differ.</param>
/// <param name="OutcomeDifferences">
/// Survivors: observed fact combinations where the mutant's outcome differs (share, cancel or delete and the side
/// acted on, or nothing — ignore and unlink touch no meeting; a different rule deciding the same outcome is no difference).
/// </param>
public sealed record MutantResult(string Mutant, MutationKind Kind, string Description, string? CaughtBy, int DestructiveDifferences, int OutcomeDifferences = 0)
{
    /// <summary>Whether a fixture or an invariant caught the mutant.</summary>
    public bool Caught => CaughtBy is not null;

    /// <summary>Whether an invariant (or an undecided change) caught the mutant: the simulator, not a fixture.</summary>
    public bool CaughtBySimulator => CaughtBy is not null && !CaughtBy.StartsWith("fixture ", StringComparison.Ordinal);

    /// <summary>
    /// Whether the mutant changes an outcome in the explored space: caught by the simulator (it behaved differently
    /// enough to break an invariant), or a survivor with an outcome difference. Mutants caught by a fixture are not
    /// classified (their simulation did not run).
    /// </summary>
    public bool ChangesOutcome => CaughtBySimulator || (!Caught && OutcomeDifferences > 0);

    /// <summary>A survivor that changes a deletion or cancellation outcome in the explored space: a hole in the safety net.</summary>
    public bool Dangerous => !Caught && DestructiveDifferences > 0;
}

/// <summary>The outcome of mutation testing a rule set.</summary>
/// <param name="RuleSetHash">The original rule set's hash.</param>
/// <param name="Results">Every mutant's result, in generation order.</param>
public sealed record MutationReport(string RuleSetHash, ImmutableArray<MutantResult> Results)
{
    /// <summary>Mutants caught by a fixture or an invariant.</summary>
    public int Caught => Results.Count(r => r.Caught);

    /// <summary>Mutants nothing caught.</summary>
    public ImmutableArray<MutantResult> Survivors => [.. Results.Where(r => !r.Caught)];

    /// <summary>Survivors that change a deletion or cancellation outcome.</summary>
    public ImmutableArray<MutantResult> Dangerous => [.. Results.Where(r => r.Dangerous)];

    /// <summary>Mutants that change an outcome in the explored space (see <see cref="MutantResult.ChangesOutcome"/>).</summary>
    public int OutcomeChanging => Results.Count(r => r.ChangesOutcome);

    /// <summary>Outcome-changing mutants the simulator (invariants, undecided changes) caught.</summary>
    public int CaughtBySimulator => Results.Count(r => r.CaughtBySimulator);

    /// <summary>The share of outcome-changing mutants the simulator caught (1 when none changes an outcome).</summary>
    public double SimulatorScore => OutcomeChanging == 0 ? 1 : (double)CaughtBySimulator / OutcomeChanging;
}

/// <summary>
/// Mutation testing of a rule set: each single-rule mutant (see <see cref="RuleSetMutator"/>) is checked first
/// against the rule set's fixtures, then simulated over the given scope; a mutant survives when neither catches it.
/// A survivor is dangerous when, on the changes the explorations observed, it deletes or cancels differently from
/// the original. Deterministic; mutants run in parallel up to the given degree.
/// </summary>
public static class MutationTesting
{
    /// <summary>
    /// Runs every mutant of <paramref name="original"/>. With <paramref name="fixtures"/> false the rule set's fixtures
    /// are not run: every mutant is judged by the simulator alone (what the invariants catch without fixtures).
    /// </summary>
    public static MutationReport Run(CompiledRuleSet original, SimulationOptions options, int parallelism = 1, IProgress<(int Done, int Total)>? progress = null, bool fixtures = true) =>
        Run(original, options, parallelism, progress, fixtures, shortcuts: true);

    /// <summary>
    /// As the public <c>Run</c>; with <paramref name="shortcuts"/> false every mutant is explored over the whole scope
    /// (what the shortcuts are checked against): no mutant is judged equivalent without its own exploration, and a
    /// mutant's exploration does not stop at its first new violation.
    /// </summary>
    internal static MutationReport Run(CompiledRuleSet original, SimulationOptions options, int parallelism, IProgress<(int Done, int Total)>? progress, bool fixtures, bool shortcuts)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(options);
        var (baseline, baselineRecording) = RuleSetComparison.Record(options, original);
        var knownViolations = baseline.Violations.Select(v => v.Invariant).ToHashSet(StringComparer.Ordinal);

        // The original's decision on every fact combination its exploration asked about (it decided them all: a change
        // no rule decides stops the exploration), for the equivalence shortcut.
        var decided = baselineRecording.Observed.Select(f => (Facts: f, Decision: original.Decide(f))).ToArray();
        var mutants = RuleSetMutator.Mutants(original.Model).ToArray();
        var results = new MutantResult[mutants.Length];
        var done = 0;
        Parallel.For(0, mutants.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            results[i] = RunOne(mutants[i], original, options, baselineRecording, knownViolations, fixtures, shortcuts ? decided : null);
            progress?.Report((Interlocked.Increment(ref done), mutants.Length));
        });
        return new MutationReport(original.Hash, [.. results]);
    }

    /// <summary>
    /// Whether <paramref name="mutant"/> decides every fact combination of <paramref name="decided"/> as the original
    /// did: the same action, target and rule (the only parts of a decision the simulated world reads; the rule set's
    /// hash and the explanation reach no state). Then its exploration is the original's, step by step: by induction
    /// over the explored states, a sync's outcome is a pure function of the world and of the decisions it receives,
    /// and every decision it receives is on a fact combination the original's exploration asked about.
    /// </summary>
    internal static bool DecidesAlike(CompiledRuleSet mutant, (ChangeFacts Facts, Decision Decision)[] decided)
    {
        foreach (var (facts, a) in decided)
        {
            Decision b;
            try
            {
                b = mutant.Decide(facts);
            }
            catch (InvalidOperationException e) when (e is NoRuleMatchedException or RuleConflictException)
            {
                return false;
            }

            if (a.Action != b.Action || a.Target != b.Target || !string.Equals(a.Rule, b.Rule, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// One mutant's result. With <paramref name="decided"/> (the shortcuts): a mutant that decides alike on every fact
    /// combination the original's exploration asked about has the original's exploration, with no violation the
    /// original does not have and no observed outcome difference, so it is reported as such without exploring; any
    /// other mutant's exploration stops after the first scenario (in report order) with a new violation.
    /// </summary>
    private static MutantResult RunOne(Mutant mutant, CompiledRuleSet original, SimulationOptions options, RecordingPolicy baseline, HashSet<string> knownViolations, bool fixtures, (ChangeFacts Facts, Decision Decision)[]? decided)
    {
        var compiled = RuleSetCompiler.Compile(mutant.Model);
        MutantResult Result(string? caughtBy, int destructive = 0, int outcome = 0) => new(mutant.Id, mutant.Kind, mutant.Description, caughtBy, destructive, outcome);

        var failedFixture = fixtures ? FixtureRunner.Run(compiled).Results.FirstOrDefault(r => !r.Passed) : null;
        if (failedFixture is not null)
        {
            return Result($"fixture {failedFixture.Name}");
        }

        if (decided is not null && DecidesAlike(compiled, decided))
        {
            return Result(null); // Equivalent in the explored space: its exploration would be the original's.
        }

        RecordingPolicy recording;
        string? violation;
        try
        {
            if (decided is not null && options.Mode == SimulationMode.Exhaustive)
            {
                recording = new RecordingPolicy(compiled);
                violation = Simulation.FirstViolation(options, recording, v => !knownViolations.Contains(v));
            }
            else
            {
                (var report, recording) = RuleSetComparison.Record(options, compiled);
                violation = report.Violations.FirstOrDefault(v => !knownViolations.Contains(v.Invariant))?.Invariant;
            }
        }
        catch (InvalidOperationException e) when (e is NoRuleMatchedException or RuleConflictException)
        {
            return Result("no decision (a change no rule decides)");
        }

        if (violation is not null)
        {
            return Result($"invariant {violation}");
        }

        var facts = new HashSet<ChangeFacts>(recording.Observed);
        facts.UnionWith(baseline.Observed);
        int destructive = 0, outcome = 0;
        foreach (var f in facts)
        {
            var a = Outcome(original, f);
            var b = Outcome(compiled, f);
            if (a == b || !(TakesEffect(a, f, baseline) || TakesEffect(b, f, recording)))
            {
                continue; // The same outcome, or neither side's decision planned anything wherever it was asked.
            }

            outcome++;
            destructive += (Destructive(a) && TakesEffect(a, f, baseline)) || (Destructive(b) && TakesEffect(b, f, recording)) ? 1 : 0;
        }

        return Result(null, destructive, outcome);
    }

    private static bool Destructive((DecisionAction Action, DecisionTarget Target)? o) =>
        o is { Action: DecisionAction.Delete or DecisionAction.Cancel };

    /// <summary>
    /// Whether a rule set's outcome on <paramref name="f"/> takes effect: it acts (share, cancel or delete; a missing
    /// decision counts) and its exploration either never asked about <paramref name="f"/> (unknown, so assumed) or
    /// planned an effect (a write, a link, or a held effect) for it at least once. A decision that planned nothing
    /// wherever it was asked — a cancel of an event that is not there — is no outcome.
    /// </summary>
    private static bool TakesEffect((DecisionAction Action, DecisionTarget Target)? o, ChangeFacts f, RecordingPolicy run) =>
        o is not { Action: DecisionAction.Ignore } && (!run.Observed.Contains(f) || run.Effective.Contains(f));

    /// <summary>
    /// What a decision does to the meeting: share, cancel or delete on a side, or nothing (null: no decision). Ignore
    /// and unlink are one outcome: unlink only makes the agent forget a correlation, it writes to no calendar and no record.
    /// </summary>
    private static (DecisionAction Action, DecisionTarget Target)? Outcome(CompiledRuleSet policy, ChangeFacts f)
    {
        try
        {
            var d = policy.Decide(f);
            return d.Action is DecisionAction.Ignore or DecisionAction.Unlink
                ? (DecisionAction.Ignore, DecisionTarget.Opposite)
                : (d.Action, Decision.Resolve(d.Target, f.Source));
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
