using System.Collections.Immutable;
using System.Reflection;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Mutation;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Tests.Exploration;

/// <summary>
/// The partial-order reduction's soundness, checked against the full exploration: over many small random scopes and
/// several rule sets (the default, every regression set under rules/regressions, and mutants of the default that
/// break invariants), the reduced exploration finds the same violations per scenario (invariant and shortest schedule
/// length), the same rules fire and the same coverage goals are reached; every commutation it relies on is checked
/// while it runs (audit: both orders are enabled and reach the same world, and the sleeping step keeps its footprint).
/// </summary>
public class ReductionTests
{
    private static readonly DateTimeOffset Now = new SimulationOptions().Now;

    private static readonly Lazy<ImmutableArray<(string Name, CompiledRuleSet Rules)>> Sets = new(LoadSets);

    public static TheoryData<string> RuleSetNames()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in Sets.Value)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleSetNames))]
    public void Explore_ReducedAndFull_FindTheSameViolationsOverRandomScopes(string ruleSet) =>
        CompareOverRandomScopes(ruleSet, admit: false);

    /// <summary>
    /// The same comparison with the admit and journal stages on (<c>--admit</c>): the journal is part of the world, and
    /// the crash step (<see cref="StepKind.SyncCrashes"/>) reads everything, so the reduction must stay sound there too.
    /// </summary>
    [Theory]
    [MemberData(nameof(RuleSetNames))]
    public void Explore_ReducedAndFullWithTheAdmitStage_FindTheSameViolationsOverRandomScopes(string ruleSet) =>
        CompareOverRandomScopes(ruleSet, admit: true);

    private static void CompareOverRandomScopes(string ruleSet, bool admit)
    {
        var rules = Sets.Value.Single(s => s.Name == ruleSet).Rules;
        var rng = new SplitMix(((ulong)ruleSet.Length * 7919UL ^ 0x16A) + (admit ? 0x5EEDUL : 0));
        long fullSchedules = 0, reducedSchedules = 0;
        for (var sample = 0; sample < 6; sample++)
        {
            var options = RandomScope(rng);
            var scenarios = Simulation.ExhaustiveScenarios(options);
            var picked = Enumerable.Range(0, 3).Select(_ => scenarios[(int)rng.Next((ulong)scenarios.Length)]).Distinct().ToArray();
            var firedFull = new HashSet<string>(StringComparer.Ordinal);
            var firedReduced = new HashSet<string>(StringComparer.Ordinal);
            var full = new ExhaustiveExplorer(rules, Now, options.MaxActions, options.MaxSyncsPerEmployee, firedFull, reduce: false, admit: admit);
            var reduced = new ExhaustiveExplorer(rules, Now, options.MaxActions, options.MaxSyncsPerEmployee, firedReduced, reduce: true, audit: true, admit: admit);
            foreach (var scenario in picked)
            {
                var f = full.Explore(scenario);
                var r = reduced.Explore(scenario);
                var where = $"{ruleSet}, {scenario}, ≤ {options.MaxActions} actions, ≤ {options.MaxSyncsPerEmployee} syncs{(admit ? ", admit" : "")}";
                Assert.True(Verdicts(f).SetEquals(Verdicts(r)), $"{where}: full {string.Join(", ", Verdicts(f))}; reduced {string.Join(", ", Verdicts(r))}");
                Assert.Equal((f.OrganizerFirst, f.AttendeeFirst), (r.OrganizerFirst, r.AttendeeFirst));
                foreach (var v in r.Violations.Where(v => v.Explored == v.Steps.Length))
                {
                    // The reduced exploration's schedule is a real one: replayed, it breaks the same invariant.
                    var replay = CaseRunner.Run(new SimulationCase(scenario, v.Steps.RemoveAt(0)), rules, Now, trace: false, quiescence: false, admit: admit);
                    Assert.Contains(replay.Reasons, x => x.Id == v.Invariant);
                }

                fullSchedules += f.Schedules;
                reducedSchedules += r.Schedules;
            }

            Assert.Equal(firedFull.Order(StringComparer.Ordinal), firedReduced.Order(StringComparer.Ordinal));
        }

        Assert.True(reducedSchedules < fullSchedules, $"the reduction took every order ({reducedSchedules} of {fullSchedules} schedules)");
    }

    [Fact]
    public void Run_Regression_FindsViolationsSoTheComparisonIsNotVacuous()
    {
        // The comparison above is only as good as the violations there are to find: the regression set breaks
        // invariants at a small scope, and so do the mutants chosen.
        var options = new SimulationOptions { Employees = 2, ExternalAttendees = 0, MaxActions = 1 };
        var reduced = Simulation.Run(options, RuleSets.Regression);
        var full = Simulation.Run(options with { Reduction = false }, RuleSets.Regression);
        Assert.NotEmpty(reduced.Violations);
        static IEnumerable<string> Found(RulesSync.Simulator.Reports.SimulationReport r) =>
            r.Violations.Select(v => $"{v.Invariant} {System.Text.Json.JsonSerializer.Serialize(v.Scenario)} {v.Schedule.Length}").Order(StringComparer.Ordinal);
        Assert.Equal(Found(full), Found(reduced));
        Assert.Equal(string.Join(" ", full.Coverage.Fired.Order(StringComparer.Ordinal)), string.Join(" ", reduced.Coverage.Fired.Order(StringComparer.Ordinal)));
        Assert.Equal(string.Join(", ", full.Goals), string.Join(", ", reduced.Goals));
        Assert.True(reduced.SchedulesExplored < full.SchedulesExplored);
        Assert.All(Sets.Value.Where(s => s.Name.StartsWith("mutant", StringComparison.Ordinal)), s =>
            Assert.NotEmpty(Simulation.Run(options, s.Rules).Violations));
    }

    [Fact]
    public void Run_InParallel_ReportsWhatOneThreadReports()
    {
        var options = new SimulationOptions { Employees = 3, ExternalAttendees = 0, MaxActions = 1, MaxSyncsPerEmployee = 1 };
        var one = Simulation.Run(options with { MaxDegreeOfParallelism = 1 }, RuleSets.Regression);
        var two = Simulation.Run(options with { MaxDegreeOfParallelism = 2 }, RuleSets.Regression);
        Assert.Equal(one.ToJson(), two.ToJson());
    }

    [Theory]
    [InlineData("default")]
    [InlineData("regression")]
    public void Run_RandomModeInParallel_ReportsWhatOneThreadReports(string rules)
    {
        // The regression set fails at some run: the parallel batches must stop where one thread stops, with the same
        // rules fired, steps counted, shrunk case and trace; the default runs them all.
        var policy = rules == "default" ? RuleSets.Default : RuleSets.Regression;
        var options = new SimulationOptions { Mode = SimulationMode.Random, Runs = 600, Employees = 4, Seed = 99 };
        var one = Simulation.Run(options with { MaxDegreeOfParallelism = 1 }, policy);
        var two = Simulation.Run(options with { MaxDegreeOfParallelism = 2 }, policy);
        Assert.Equal(one.ToJson(), two.ToJson());
        Assert.Equal(rules == "default", one.Passed);
    }

    private static HashSet<(InvariantId, int)> Verdicts(ScenarioExploration e) =>
        [.. e.Violations.Select(v => (v.Invariant, v.Steps.Length))];

    private static SimulationOptions RandomScope(SplitMix rng)
    {
        static ImmutableArray<T> Some<T>(SplitMix rng, params T[] all)
        {
            var pick = all.Where(_ => rng.Next(2) == 0).ToImmutableArray();
            return pick.IsEmpty ? [all[(int)rng.Next((ulong)all.Length)]] : pick;
        }

        return new SimulationOptions
        {
            Employees = 1 + (int)rng.Next(3),
            ExternalAttendees = (int)rng.Next(2),
            MaxActions = 1 + (int)rng.Next(2),
            MaxSyncsPerEmployee = 1 + (int)rng.Next(2),
            ApiVersions = Some(rng, ApiVersion.V1, ApiVersion.V2),
            AutoShare = Some(rng, false, true),
            Origins = Some(rng, MeetingOrigin.Mailbox, MeetingOrigin.Crm),
            Providers = Some(rng, Provider.Exchange, Provider.Google),
        };
    }

    /// <summary>The default, every regression set on disk, and a few mutants of the default that break invariants.</summary>
    private static ImmutableArray<(string, CompiledRuleSet)> LoadSets()
    {
        var root = typeof(ReductionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
        var sets = ImmutableArray.CreateBuilder<(string, CompiledRuleSet)>();
        sets.Add(("default", RuleSets.Default));
        foreach (var path in Directory.GetFiles(Path.Combine(root, "rules", "regressions"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var loaded = RuleSetCompiler.Load(path, File.ReadAllText(path));
            sets.Add(("regression " + Path.GetFileName(path), loaded.RuleSet ?? throw new InvalidOperationException(string.Join('\n', loaded.Diagnostics))));
        }

        // Mutants that break different invariants at a small scope (see MutationTestingTests for what each kind does).
        string[] mutants = ["remove:past-meetings-untouched", "remove:organizer-cancel-reaches-crm", "remove:auto-share-organizer-meetings"];
        var all = RuleSetMutator.Mutants(RuleSets.Default.Model).ToDictionary(m => m.Id, StringComparer.Ordinal);
        foreach (var id in mutants)
        {
            sets.Add(("mutant " + id, RuleSetCompiler.Compile(all[id].Model)));
        }

        return sets.ToImmutable();
    }

    /// <summary>A seeded generator (the test's scopes are reproducible).</summary>
    private sealed class SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next(ulong bound)
        {
            _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
            var z = _state;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return (z ^ (z >> 31)) % bound;
        }
    }
}
