using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Exploration;

/// <summary>The series scope: how many employees, and how many series actions a schedule may hold.</summary>
/// <param name="Employees">Employees (A organizes; the others attend), 2 or 3.</param>
/// <param name="MaxActions">Series actions per schedule (each at most once).</param>
/// <param name="SingleMeeting">
/// Whether A also organizes a single meeting beside the series (two meetings of one owner, judged each on its own;
/// <see cref="SeriesAction.CancelSingle"/> and <see cref="SeriesAction.MoveSingle"/> act on it).
/// </param>
public sealed record SeriesScope(int Employees = 2, int MaxActions = 2, bool SingleMeeting = true);

/// <summary>One series invariant violated: where, by which schedule (the shortest found), and why. Immutable.</summary>
/// <param name="Invariant">The invariant's name (<c>series-...</c>).</param>
/// <param name="Scenario">The scenario, in <see cref="Scenario.ToString"/>'s words.</param>
/// <param name="Steps">The schedule, step by step (series actions and syncs).</param>
/// <param name="Detail">What was found.</param>
public sealed record SeriesViolation(string Invariant, string Scenario, ImmutableArray<string> Steps, string Detail);

/// <summary>What a series exploration found. Immutable.</summary>
/// <param name="Scenarios">Scenarios explored.</param>
/// <param name="Schedules">Complete schedules explored (each ended by every employee syncing until quiet).</param>
/// <param name="Violations">The shortest violation found per invariant.</param>
/// <param name="FiredRules">Rules that decided something during the exploration.</param>
public sealed record SeriesReport(int Scenarios, long Schedules, ImmutableArray<SeriesViolation> Violations, ImmutableArray<string> FiredRules)
{
    /// <summary>Whether every series invariant held.</summary>
    public bool Passed => Violations.IsEmpty;
}

/// <summary>
/// Explores the simulated world's recurring series (<see cref="SimWorld.CreateSeries"/>) through the real engine: in
/// each scenario (providers of 2–3 employees, API v1/v2, auto-share on — the CRM has no series, so a series reaches it
/// only by sharing), every schedule of up to <see cref="SeriesScope.MaxActions"/> series actions, with every choice of
/// syncs between them (none, one employee, all in order, all in reverse). The safety invariants are checked after every
/// step, convergence and idempotence once every employee has synced until quiet. Depth first with copy-on-write clones
/// of the world, so schedules share their prefixes. Random mode draws longer schedules from a seed.
/// </summary>
public static class SeriesExplorer
{
    private static readonly SeriesAction[] Actions = Enum.GetValues<SeriesAction>();

    /// <summary>Every scenario of the scope.</summary>
    public static ImmutableArray<Scenario> Scenarios(SeriesScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfLessThan(scope.Employees, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scope.Employees, 3);
        var result = ImmutableArray.CreateBuilder<Scenario>();
        for (var mask = 0; mask < 1 << scope.Employees; mask++)
        {
            var providers = Enumerable.Range(0, scope.Employees).Select(i => (mask & (1 << i)) != 0 ? Provider.Google : Provider.Exchange).ToImmutableArray();
            foreach (var api in new[] { ApiVersion.V1, ApiVersion.V2 })
            {
                result.Add(new Scenario(providers, 0, api, AutoShare: true, MeetingOrigin.Mailbox));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>Explores every scenario of <paramref name="scope"/> exhaustively.</summary>
    public static SeriesReport Exhaustive(IDecisionPolicy policy, SeriesScope scope, DateTimeOffset now)
    {
        var run = new Run(policy, now, scope.SingleMeeting);
        var scenarios = Scenarios(scope);
        foreach (var scenario in scenarios)
        {
            var world = run.Start(scenario);
            run.Explore(scenario, world, ["create"], scope.MaxActions);
        }

        return run.Report(scenarios.Length);
    }

    /// <summary>Runs <paramref name="runs"/> random schedules (up to six actions, random syncs) of random scenarios from <paramref name="seed"/>.</summary>
    public static SeriesReport Random(IDecisionPolicy policy, int runs, int seed, DateTimeOffset now)
    {
        var run = new Run(policy, now, single: true);
        var scenarios = Scenarios(new SeriesScope(3)).AddRange(Scenarios(new SeriesScope(2)));
#pragma warning disable CA5394 // Not security: a seeded, replayable draw of schedules.
        var random = new Random(seed);
        for (var i = 0; i < runs; i++)
        {
            var scenario = scenarios[random.Next(scenarios.Length)];
            var world = run.Start(scenario);
            var steps = new List<string> { "create" };
            var ok = true;
            for (var a = 0; a < 6 && ok; a++)
            {
                ok = run.Syncs(world, Gap(scenario.Employees, random.Next(4), random.Next(scenario.Employees)), scenario, steps);
                var action = Actions[random.Next(Actions.Length)];
                if (ok && world.IsEnabled(action))
                {
                    world.Apply(action);
                    steps.Add(Describe(action));
                    ok = run.Check(world, scenario, steps);
                }
            }
#pragma warning restore CA5394

            if (ok)
            {
                run.Finish(world, scenario, steps);
            }
        }

        return run.Report(runs);
    }

    /// <summary>A series action as a schedule step's words.</summary>
    public static string Describe(SeriesAction action) => action switch
    {
        SeriesAction.EditSeries => "A renames the series",
        SeriesAction.MoveOccurrence => "A moves occurrence 2",
        SeriesAction.CancelOccurrence => "A cancels occurrence 2",
        SeriesAction.EndSeries => "A ends the series before occurrence 3",
        SeriesAction.DeleteSeries => "A deletes the series",
        SeriesAction.TimePasses => "time passes",
        SeriesAction.DeclineOccurrence => "B declines occurrence 2",
        SeriesAction.CrmEditsOccurrence => "crm edits occurrence 2's record",
        SeriesAction.SplitSeries => "A moves occurrence 3 and following (a new series)",
        SeriesAction.CancelSingle => "A cancels the single meeting",
        SeriesAction.MoveSingle => "A moves the single meeting",
        _ => action.ToString(),
    };

    /// <summary>The syncs between two actions: none, one employee, everybody in order, everybody in reverse.</summary>
    private static int[] Gap(int employees, int choice, int one) => choice switch
    {
        0 => [],
        1 => [one],
        2 => [.. Enumerable.Range(0, employees)],
        _ => [.. Enumerable.Range(0, employees).Reverse()],
    };

    private sealed class Run(IDecisionPolicy policy, DateTimeOffset now, bool single)
    {
        private readonly HashSet<string> _fired = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SeriesViolation> _best = new(StringComparer.Ordinal);
        private long _schedules;

        public SimWorld Start(Scenario scenario)
        {
            var world = SimWorld.Create(scenario, policy, now);
            world.Fired = _fired;
            world.CreateSeries(single);
            return world;
        }

        public void Explore(Scenario scenario, SimWorld world, List<string> steps, int actionsLeft)
        {
            var n = scenario.Employees;
            for (var choice = 0; choice < 4; choice++)
            {
                for (var one = 0; one < (choice == 1 ? n : 1); one++)
                {
                    var w = world.Clone();
                    var s = new List<string>(steps);
                    if (!Syncs(w, Gap(n, choice, one), scenario, s))
                    {
                        continue;
                    }

                    Finish(w.Clone(), scenario, s);
                    if (actionsLeft == 0)
                    {
                        continue;
                    }

                    foreach (var action in Actions)
                    {
                        if (!w.IsEnabled(action))
                        {
                            continue;
                        }

                        var next = w.Clone();
                        next.Apply(action);
                        var ns = new List<string>(s) { Describe(action) };
                        if (Check(next, scenario, ns))
                        {
                            Explore(scenario, next, ns, actionsLeft - 1);
                        }
                    }
                }
            }
        }

        /// <summary>Runs the syncs, checking after each; false when an invariant failed.</summary>
        public bool Syncs(SimWorld world, int[] employees, Scenario scenario, List<string> steps)
        {
            foreach (var e in employees)
            {
                world.Sync(e);
                steps.Add("sync " + Scenario.EmployeeName(e));
                if (!Check(world, scenario, steps))
                {
                    return false;
                }
            }

            return true;
        }

        public bool Check(SimWorld world, Scenario scenario, List<string> steps)
        {
            if (world.CheckSeriesSafety() is { } found)
            {
                Record(found, scenario, steps);
                return false;
            }

            return true;
        }

        /// <summary>Every employee syncs until a round writes nothing (at most three rounds), then convergence and idempotence.</summary>
        public void Finish(SimWorld world, Scenario scenario, List<string> steps)
        {
            _schedules++;
            var s = new List<string>(steps);
            for (var round = 0; round < 3; round++)
            {
                var writes = 0;
                for (var e = 0; e < scenario.Employees; e++)
                {
                    world.Sync(e);
                    s.Add("sync " + Scenario.EmployeeName(e));
                    writes += world.LastSyncWrites;
                    if (!Check(world, scenario, s))
                    {
                        return;
                    }
                }

                if (writes == 0)
                {
                    if (world.CheckSeriesConvergence() is { } found)
                    {
                        Record(found, scenario, s);
                    }

                    return;
                }
            }

            Record(("series-idempotence", "three rounds of syncs after the last action still wrote to a store"), scenario, s);
        }

        public SeriesReport Report(int scenarios) =>
            new(scenarios, _schedules, [.. _best.Values.OrderBy(v => v.Invariant, StringComparer.Ordinal)], [.. _fired.Order(StringComparer.Ordinal)]);

        private void Record((string Invariant, string Detail) found, Scenario scenario, List<string> steps)
        {
            if (!_best.TryGetValue(found.Invariant, out var best) || steps.Count < best.Steps.Length)
            {
                _best[found.Invariant] = new SeriesViolation(found.Invariant, scenario.ToString(), [.. steps], found.Detail);
            }
        }
    }
}
