using System.Collections.Immutable;
using RulesSync.Engine.Decisions;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Exploration;

/// <summary>One violation found while exploring one scenario: the shortest schedule found for that invariant.</summary>
internal sealed record FoundViolation(Scenario Scenario, InvariantId Invariant, string Reason, ImmutableArray<ScheduleStep> Steps, int Explored);

/// <summary>What exploring one scenario exhaustively found.</summary>
internal sealed record ScenarioExploration(Scenario Scenario, long Schedules, long DistinctStates, ImmutableArray<FoundViolation> Violations, bool OrganizerFirst, bool AttendeeFirst);

/// <summary>
/// Explores every interleaving of user actions (at most <c>maxActions</c> after creation) and syncs (at most
/// <c>maxSyncs</c> per employee) of one scenario, breadth first. Every step spends budget, so a state (world and
/// remaining budget) can only recur on the same level: states are merged per level by hash and each distinct state
/// is expanded once; the number of schedules it stands for is carried along, so schedules are counted exactly
/// without being enumerated. A sync that changes nothing is not expanded further (a stutter). Breadth first means
/// the first violation found per invariant has a shortest schedule. Quiescence (two rounds of syncs, then a quiet
/// third) is checked once per distinct world.
/// </summary>
internal sealed class ExhaustiveExplorer(IDecisionPolicy policy, DateTimeOffset now, int maxActions, int maxSyncs, HashSet<string> fired)
{
    private sealed class Node
    {
        public required SimWorld World { get; init; }

        public required int ActionsLeft { get; init; }

        public required byte[] SyncsLeft { get; init; }

        public required PathNode Path { get; init; }

        public long Paths { get; set; }
    }

    private sealed record PathNode(ScheduleStep Step, PathNode? Parent)
    {
        public ImmutableArray<ScheduleStep> ToSteps()
        {
            var list = new List<ScheduleStep>();
            for (var p = this; p is not null; p = p.Parent)
            {
                list.Add(p.Step);
            }

            list.Reverse();
            return [.. list];
        }
    }

    public ScenarioExploration Explore(Scenario scenario)
    {
        var n = scenario.Employees;
        var actions = Actions(n);
        var root = SimWorld.Create(scenario, policy, now);
        root.Fired = fired;
        root.Apply(new ScheduleStep(StepKind.Create, 0));
        var syncs = new byte[n];
        Array.Fill(syncs, (byte)maxSyncs);
        var level = new Dictionary<ulong, Node> { [Key(root, maxActions, syncs)] = new Node { World = root, ActionsLeft = maxActions, SyncsLeft = syncs, Path = new PathNode(new ScheduleStep(StepKind.Create, 0), null), Paths = 1 } };
        var best = new Dictionary<InvariantId, FoundViolation>();
        var quiet = new Dictionary<ulong, int>();
        long schedules = 1, states = 1;
        bool orgFirst = false, attFirst = false;
        Quiesce(root, [new ScheduleStep(StepKind.Create, 0)], best);

        while (level.Count > 0)
        {
            var next = new Dictionary<ulong, Node>();
            foreach (var node in level.Values)
            {
                var parentHash = StateHasher.Of(node.World);
                if (node.ActionsLeft > 0)
                {
                    foreach (var step in actions)
                    {
                        if (node.World.IsEnabled(step))
                        {
                            Expand(node, step, node.ActionsLeft - 1, node.SyncsLeft, parentHash, next, best, quiet, ref schedules, ref states);
                        }
                    }
                }

                for (var e = 0; e < n; e++)
                {
                    if (node.SyncsLeft[e] == 0 || !node.World.HasNews(e))
                    {
                        continue;
                    }

                    var left = (byte[])node.SyncsLeft.Clone();
                    left[e]--;
                    var child = Expand(node, new ScheduleStep(StepKind.Sync, e), node.ActionsLeft, left, parentHash, next, best, quiet, ref schedules, ref states);
                    if (child is not null && node.World.FirstSyncer < 0)
                    {
                        orgFirst |= e == 0;
                        attFirst |= e > 0;
                    }
                }
            }

            level = next;
        }

        var violations = best.Values.OrderBy(v => v.Invariant).ToImmutableArray();
        return new ScenarioExploration(scenario, schedules, states, violations, orgFirst, attFirst);
    }

    private static Node? Expand(Node parent, ScheduleStep step, int actionsLeft, byte[] syncsLeft, ulong parentHash, Dictionary<ulong, Node> next, Dictionary<InvariantId, FoundViolation> best, Dictionary<ulong, int> quiet, ref long schedules, ref long states)
    {
        var w = parent.World.Clone();
        w.Apply(step);
        var worldHash = StateHasher.Of(w);
        if (step.Kind == StepKind.Sync && worldHash == parentHash)
        {
            return null; // Stutter: the sync changed nothing.
        }

        var path = new PathNode(step, parent.Path);
        schedules = checked(schedules + parent.Paths);
        var mask = InvariantCatalog.CheckStep(w, null) & ~w.Violated;
        if (mask != 0)
        {
            var reasons = new List<(InvariantId Id, string Reason)>();
            InvariantCatalog.CheckStep(w, reasons);
            var steps = path.ToSteps();
            Keep(best, w.Scenario, mask, reasons, steps, steps.Length);
            w.Violated |= mask;
            worldHash = StateHasher.Of(w);
        }

        var key = Key(worldHash, actionsLeft, syncsLeft);
        if (next.TryGetValue(key, out var existing))
        {
            existing.Paths = checked(existing.Paths + parent.Paths);
            return existing;
        }

        var node = new Node { World = w, ActionsLeft = actionsLeft, SyncsLeft = syncsLeft, Path = path, Paths = parent.Paths };
        next[key] = node;
        states++;
        if (!quiet.ContainsKey(worldHash))
        {
            Quiesce(w, path.ToSteps(), best);
            quiet[worldHash] = 0;
        }

        return node;
    }

    private static void Quiesce(SimWorld w, ImmutableArray<ScheduleStep> prefix, Dictionary<InvariantId, FoundViolation> best)
    {
        var q = w.Clone();
        var extra = new List<ScheduleStep>();
        var n = q.Scenario.Employees;
        for (var round = 0; round < 3; round++)
        {
            var writes = 0;
            for (var e = 0; e < n; e++)
            {
                var step = new ScheduleStep(StepKind.Sync, e);
                q.Apply(step);
                extra.Add(step);
                writes += q.LastSyncWrites;
                var mask = InvariantCatalog.CheckStep(q, null) & ~q.Violated;
                if (mask != 0)
                {
                    var reasons = new List<(InvariantId Id, string Reason)>();
                    InvariantCatalog.CheckStep(q, reasons);
                    Keep(best, q.Scenario, mask, reasons, [.. prefix, .. extra], prefix.Length);
                    q.Violated |= mask;
                }
            }

            if (round == 1)
            {
                var reasons = new List<(InvariantId Id, string Reason)>();
                var mask = InvariantCatalog.CheckConvergence(q, reasons) & ~q.Violated;
                if (mask != 0)
                {
                    Keep(best, q.Scenario, mask, reasons, [.. prefix, .. extra], prefix.Length);
                    q.Violated |= mask;
                }
            }
            else if (round == 2 && writes > 0 && (q.Violated & InvariantCatalog.Bit(InvariantId.Idempotence)) == 0)
            {
                Keep(best, q.Scenario, InvariantCatalog.Bit(InvariantId.Idempotence), [(InvariantId.Idempotence, $"a third round of syncs with nothing new wrote {writes} time(s)")], [.. prefix, .. extra], prefix.Length);
            }
        }
    }

    private static void Keep(Dictionary<InvariantId, FoundViolation> best, Scenario scenario, int mask, List<(InvariantId Id, string Reason)> reasons, ImmutableArray<ScheduleStep> steps, int explored)
    {
        foreach (var (id, reason) in reasons)
        {
            if ((mask & InvariantCatalog.Bit(id)) == 0)
            {
                continue;
            }

            if (!best.TryGetValue(id, out var old) || old.Steps.Length > steps.Length)
            {
                best[id] = new FoundViolation(scenario, id, reason, steps, explored);
            }
        }
    }

    private static ulong Key(SimWorld w, int actionsLeft, byte[] syncsLeft) => Key(StateHasher.Of(w), actionsLeft, syncsLeft);

    private static ulong Key(ulong worldHash, int actionsLeft, byte[] syncsLeft)
    {
        var h = new StateHasher(worldHash);
        h.Add(actionsLeft);
        foreach (var s in syncsLeft)
        {
            h.Add(s);
        }

        return h.Value;
    }

    internal static ImmutableArray<ScheduleStep> Actions(int employees)
    {
        var b = ImmutableArray.CreateBuilder<ScheduleStep>();
        b.Add(new(StepKind.OrganizerReschedules, 0));
        b.Add(new(StepKind.OrganizerCancels, 0));
        b.Add(new(StepKind.OrganizerDeletes, 0));
        for (var e = 1; e < employees; e++)
        {
            b.Add(new(StepKind.AttendeeDeclines, e));
            b.Add(new(StepKind.AttendeeDeletesCopy, e));
        }

        b.Add(new(StepKind.CrmEdits, 0));
        b.Add(new(StepKind.CrmCancels, 0));
        b.Add(new(StepKind.CrmDeletes, 0));
        return b.ToImmutable();
    }
}
