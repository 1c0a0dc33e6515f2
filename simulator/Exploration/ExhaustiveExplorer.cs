using System.Collections.Immutable;
using System.Runtime.InteropServices;
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
internal sealed class ExhaustiveExplorer(IDecisionPolicy policy, DateTimeOffset now, int maxActions, int maxSyncs, HashSet<string> fired, bool symmetry = true)
{
    private static readonly (InvariantId Id, string Reason)[] NoneFound = [];
    private readonly Dictionary<ulong, QuietResult> _quiet = [];

    /// <summary>Scratch of <see cref="Quiesce"/> (not reentrant): the memo keys of the positions run, and what each found.</summary>
    private readonly List<ulong> _quietKeys = new(16);
    private readonly List<(int Mask, (InvariantId Id, string Reason)[] Found)> _quietLocal = new(16);
    /// <summary>Budgets each world was reached with: the first inline (the common case), any further ones in a list.</summary>
    private readonly Dictionary<ulong, (int Actions, byte[] Syncs, List<(int Actions, byte[] Syncs)>? More)> _budgets = [];

    private sealed class Node
    {
        public required SimWorld World { get; init; }

        public required int ActionsLeft { get; init; }

        public required byte[] SyncsLeft { get; init; }

        public required PathNode Path { get; init; }

        public required ulong Hash { get; init; }

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
        var actions = scenario.Actions();
        var root = SimWorld.Create(scenario, policy, now);
        root.Fired = fired;
        root.Apply(new ScheduleStep(StepKind.Create, 0));
        var syncs = new byte[n];
        Array.Fill(syncs, (byte)maxSyncs);
        var level = new Dictionary<ulong, Node> { [Key(StateHasher.Of(root), maxActions, syncs, false)] = new Node { World = root, ActionsLeft = maxActions, SyncsLeft = syncs, Path = new PathNode(new ScheduleStep(StepKind.Create, 0), null), Paths = 1, Hash = StateHasher.Of(root, symmetry, out _) } };
        var best = new Dictionary<InvariantId, FoundViolation>();
        _quiet.Clear();
        _budgets.Clear();
        var quiet = new HashSet<ulong>();
        long schedules = 1, states = 1;
        bool orgFirst = false, attFirst = false;
        Quiesce(root, new PathNode(new ScheduleStep(StepKind.Create, 0), null), best, StateHasher.Of(root));

        while (level.Count > 0)
        {
            var next = new Dictionary<ulong, Node>();
            foreach (var node in level.Values)
            {
                var parentHash = node.Hash;
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

                    byte[] left = [.. node.SyncsLeft];
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

    private Node? Expand(Node parent, ScheduleStep step, int actionsLeft, byte[] syncsLeft, ulong parentHash, Dictionary<ulong, Node> next, Dictionary<InvariantId, FoundViolation> best, HashSet<ulong> quiet, ref long schedules, ref long states)
    {
        var w = parent.World.Clone();
        w.Apply(step);
        var worldHash = StateHasher.Of(w, symmetry, out var swapped, out var identityHash);
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
            worldHash = StateHasher.Of(w, symmetry, out swapped, out identityHash);
        }

        var key = Key(worldHash, actionsLeft, syncsLeft, swapped);
        if (next.TryGetValue(key, out var existing))
        {
            existing.Paths = checked(existing.Paths + parent.Paths);
            return existing;
        }

        if (Dominated(worldHash, actionsLeft, Canonical(syncsLeft, swapped)))
        {
            return null; // The same world was reached with at least as much budget left: its futures include ours.
        }

        var node = new Node { World = w, ActionsLeft = actionsLeft, SyncsLeft = syncsLeft, Path = path, Paths = parent.Paths, Hash = worldHash };
        next[key] = node;
        states++;
        if (quiet.Add(worldHash))
        {
            Quiesce(w, path, best, identityHash);
        }

        return node;
    }

    /// <summary>What the rest of the closing rounds found from one position: new violations, where (offset from that position), and why.</summary>
    private sealed record QuietResult(int Mask, (InvariantId Id, int At, string Reason)[] Found)
    {
        public static readonly QuietResult Nothing = new(0, []);
    }

    /// <summary>
    /// Quiescence: from the world at the end of <paramref name="path"/>, every agent syncs in turn for two rounds (then
    /// convergence is checked) and a third (which must write nothing); step invariants are checked after each sync.
    /// The closing syncs are deterministic, so the outcome from (state, position in the rounds) is memoized: chains
    /// starting from different explored states soon meet in a common state and stop there.
    /// </summary>
    private void Quiesce(SimWorld w, PathNode path, Dictionary<InvariantId, FoundViolation> best, ulong worldHash)
    {
        var n = w.Scenario.Employees;
        var total = 3 * n;
        var q = w.Clone();
        var keys = _quietKeys;
        var local = _quietLocal;
        keys.Clear();
        local.Clear();
        QuietResult? tail = null;
        var writes = 0;
        for (var k = 0; k < total; k++)
        {
            // Position 0 is the world itself, whose (unsymmetrized) hash the caller already has.
            var key = QuietKey(k == 0 ? worldHash : StateHasher.Of(q), k, writes > 0);
            if (_quiet.TryGetValue(key, out tail))
            {
                break;
            }

            keys.Add(key);
            var e = k % n;
            var mask = 0;
            List<(InvariantId, string)>? found = null;

            // An agent with nothing new is skipped: its sync would only move its cursors, which the state hash ignores.
            if (q.HasNews(e))
            {
                q.Apply(new ScheduleStep(StepKind.Sync, e));
                if (k >= 2 * n)
                {
                    writes += q.LastSyncWrites;
                }

                mask = InvariantCatalog.CheckStep(q, null) & ~q.Violated;
                if (mask != 0)
                {
                    found = [];
                    InvariantCatalog.CheckStep(q, found);
                    for (var f = found.Count - 1; f >= 0; f--)
                    {
                        if ((mask & InvariantCatalog.Bit(found[f].Item1)) == 0)
                        {
                            found.RemoveAt(f);
                        }
                    }

                    q.Violated |= mask;
                }
            }

            if (k == (2 * n) - 1)
            {
                var conv = new List<(InvariantId Id, string Reason)>();
                var cm = InvariantCatalog.CheckConvergence(q, conv) & ~q.Violated;
                if (cm != 0)
                {
                    (found ??= []).AddRange(conv);
                    mask |= cm;
                    q.Violated |= cm;
                }
            }
            else if (k == total - 1 && writes > 0 && (q.Violated & InvariantCatalog.Bit(InvariantId.Idempotence)) == 0)
            {
                (found ??= []).Add((InvariantId.Idempotence, $"a third round of syncs with nothing new wrote {writes} time(s)"));
                mask |= InvariantCatalog.Bit(InvariantId.Idempotence);
                q.Violated |= mask;
            }

            local.Add((mask, found is null ? NoneFound : [.. found]));
        }

        // Fold back: the result from position k is what step k found plus what came after it.
        var result = tail ?? QuietResult.Nothing;
        for (var k = local.Count - 1; k >= 0; k--)
        {
            var (mask, found) = local[k];
            if (mask == 0 && found.Length == 0 && ReferenceEquals(result, QuietResult.Nothing))
            {
                _quiet[keys[k]] = result; // Nothing found from here on: one shared instance, not millions.
                continue;
            }

            var merged = new List<(InvariantId Id, int At, string Reason)>(found.Length + result.Found.Length);
            foreach (var (id, reason) in found)
            {
                merged.Add((id, 0, reason));
            }

            foreach (var (id, at, reason) in result.Found)
            {
                if ((mask & InvariantCatalog.Bit(id)) == 0)
                {
                    merged.Add((id, at + 1, reason));
                }
            }

            result = new QuietResult(mask | result.Mask, [.. merged]);
            _quiet[keys[k]] = result;
        }

        if (result.Found.Length == 0)
        {
            return;
        }

        var prefix = path.ToSteps();
        foreach (var (id, at, reason) in result.Found)
        {
            var steps = ImmutableArray.CreateBuilder<ScheduleStep>(prefix.Length + at + 1);
            steps.AddRange(prefix);
            for (var k = 0; k <= at; k++)
            {
                steps.Add(new ScheduleStep(StepKind.Sync, k % n));
            }

            Keep(best, w.Scenario, InvariantCatalog.Bit(id), [(id, reason)], steps.ToImmutable(), prefix.Length);
        }
    }

    private bool Dominated(ulong worldHash, int actionsLeft, byte[] syncsLeft)
    {
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(_budgets, worldHash, out var exists);
        if (!exists)
        {
            seen = (actionsLeft, syncsLeft, null);
            return false;
        }

        if (Covers(seen.Actions, seen.Syncs, actionsLeft, syncsLeft))
        {
            return true;
        }

        if (seen.More is { } more)
        {
            foreach (var (actions, syncs) in more)
            {
                if (Covers(actions, syncs, actionsLeft, syncsLeft))
                {
                    return true;
                }
            }
        }

        (seen.More ??= []).Add((actionsLeft, syncsLeft));
        return false;
    }

    private static bool Covers(int actions, byte[] syncs, int actionsLeft, byte[] syncsLeft)
    {
        if (actions < actionsLeft)
        {
            return false;
        }

        for (var i = 0; i < syncs.Length; i++)
        {
            if (syncs[i] < syncsLeft[i])
            {
                return false;
            }
        }

        return true;
    }

    private static ulong QuietKey(ulong worldHash, int position, bool wrote)
    {
        var h = new StateHasher(worldHash);
        h.Add(position);
        h.Add(wrote);
        return h.Value;
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

    private static ulong Key(ulong worldHash, int actionsLeft, byte[] syncsLeft, bool swapped)
    {
        var h = new StateHasher(worldHash);
        h.Add(actionsLeft);
        foreach (var s in Canonical(syncsLeft, swapped))
        {
            h.Add(s);
        }

        return h.Value;
    }

    /// <summary>Per-employee budgets in the naming the state hash chose (B and C swapped for a mirrored state).</summary>
    private static byte[] Canonical(byte[] syncsLeft, bool swapped) =>
        swapped ? [syncsLeft[0], syncsLeft[2], syncsLeft[1]] : syncsLeft;

    /// <summary>The user actions of the exhaustive scope for <paramref name="employees"/> employees, A organizing (<see cref="Scenario.Actions"/>).</summary>
    internal static ImmutableArray<ScheduleStep> Actions(int employees) =>
        new Scenario([.. Enumerable.Repeat(Engine.Changes.Provider.Exchange, employees)], 0, Engine.Changes.ApiVersion.V2, false, MeetingOrigin.Mailbox).Actions();
}
