using System.Collections.Concurrent;
using System.Collections.Immutable;
using RulesSync.Engine.Changes;
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
public sealed record MutantResult(string Mutant, MutationKind Kind, string Description, string? CaughtBy, int DestructiveDifferences)
{
    /// <summary>Whether a fixture or an invariant caught the mutant.</summary>
    public bool Caught => CaughtBy is not null;

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
}

/// <summary>
/// Mutation testing of a rule set: each single-rule mutant (see <see cref="RuleSetMutator"/>) is checked first
/// against the rule set's fixtures, then simulated over the given scope; a mutant survives when neither catches it.
/// A survivor is dangerous when, on the changes the explorations observed, it deletes or cancels differently from
/// the original. Deterministic; mutants run in parallel up to the given degree.
/// </summary>
public static class MutationTesting
{
    /// <summary>Runs every mutant of <paramref name="original"/>.</summary>
    public static MutationReport Run(CompiledRuleSet original, SimulationOptions options, int parallelism = 1, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(options);
        var (baseline, baselineFacts) = RuleSetComparison.Observe(options, original);
        var knownViolations = baseline.Violations.Select(v => v.Invariant).ToHashSet(StringComparer.Ordinal);
        var mutants = RuleSetMutator.Mutants(original.Model).ToArray();
        var results = new MutantResult[mutants.Length];
        var done = 0;
        Parallel.For(0, mutants.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            results[i] = RunOne(mutants[i], original, options, baselineFacts, knownViolations);
            progress?.Report((Interlocked.Increment(ref done), mutants.Length));
        });
        return new MutationReport(original.Hash, [.. results]);
    }

    private static MutantResult RunOne(Mutant mutant, CompiledRuleSet original, SimulationOptions options, IReadOnlySet<ChangeFacts> baselineFacts, HashSet<string> knownViolations)
    {
        var compiled = RuleSetCompiler.Compile(mutant.Model);
        MutantResult Result(string? caughtBy, int destructive = 0) => new(mutant.Id, mutant.Kind, mutant.Description, caughtBy, destructive);

        var failedFixture = FixtureRunner.Run(compiled).Results.FirstOrDefault(r => !r.Passed);
        if (failedFixture is not null)
        {
            return Result($"fixture {failedFixture.Name}");
        }

        HashSet<ChangeFacts> facts;
        Reports.SimulationReport report;
        try
        {
            (report, facts) = RuleSetComparison.Observe(options, compiled);
        }
        catch (InvalidOperationException e) when (e is NoRuleMatchedException or RuleConflictException)
        {
            return Result("no decision (a change no rule decides)");
        }

        var violation = report.Violations.FirstOrDefault(v => !knownViolations.Contains(v.Invariant));
        if (violation is not null)
        {
            return Result($"invariant {violation.Invariant}");
        }

        facts.UnionWith(baselineFacts);
        var diff = RuleSetComparison.Diff(facts, original, compiled, report, report);
        var destructive = diff.Changes.Where(c => RuleSetDiff.IsDestructive(c.From) || RuleSetDiff.IsDestructive(c.To)).Sum(c => c.Count);
        return Result(null, destructive);
    }
}
