using System.Collections.Immutable;
using System.Runtime.InteropServices;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
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
/// <remarks>
/// With <c>admit</c>, every sync runs the admit and journal stages (<see cref="SimJournal"/>): the intent guard and the
/// mass-change budget over the world's in-memory journal, and a sync may crash at the journal/carry-out boundary
/// (<see cref="StepKind.SyncCrashes"/>, one more action per employee). The journal's entries name replicas as they
/// are, so such worlds are explored without symmetry reduction.
/// </remarks>
internal sealed class ExhaustiveExplorer(IDecisionPolicy policy, DateTimeOffset now, int maxActions, int maxSyncs, HashSet<string> fired, bool symmetry = true, bool reduce = true, bool audit = false, bool admit = false, GuardLimits? limits = null)
{
    private readonly bool symmetry = symmetry && !admit;

    private static readonly (InvariantId Id, string Reason)[] NoneFound = [];

    /// <summary>The scenario's footprint model while reducing (<see cref="Footprint"/>); null when not reducing.</summary>
    private Footprint? _fp;

    /// <summary>The scenario's transitions: the user actions (<see cref="Actions"/>), then one sync per employee.</summary>
    private ScheduleStep[] _steps = [];

    /// <summary>Per transition, its image with B and C swapped.</summary>
    private int[] _mirrorOf = [];

    /// <summary>Scratch of one node's expansion: the transitions taken so far from it, with their footprints.</summary>
    private readonly List<(int Index, ulong Reads, ulong Writes)> _taken = new(16);
    private readonly Dictionary<ulong, QuietResult> _quiet = [];

    /// <summary>Scratch of <see cref="Quiesce"/> (not reentrant): the memo keys of the positions run, and what each found.</summary>
    private readonly List<ulong> _quietKeys = new(16);
    private readonly List<(int Mask, (InvariantId Id, string Reason)[] Found)> _quietLocal = new(16);
    /// <summary>Budgets each world was reached with: the first inline (the common case), any further ones in a list.</summary>
    private readonly Dictionary<ulong, (BudgetEntry First, List<BudgetEntry>? More)> _budgets = [];

    /// <summary>
    /// One explored node's budget and sleep set in the canonical naming, for the dominance check: a world reached again
    /// with no more budget is skipped only when the earlier node skips no transition this one would take.
    /// </summary>
    private sealed class BudgetEntry(int actions, byte[] syncs)
    {
        public int Actions { get; } = actions;

        public byte[] Syncs { get; } = syncs;

        /// <summary>Transitions the node may skip (its sleep set), canonical naming; for a self-mirrored world both namings' union.</summary>
        public ulong Skips { get; set; }
    }

    /// <summary>A sleep set: transitions a node need not take (bit per transition index), each with the footprint it had where it was taken.</summary>
    private readonly record struct Sleep(ulong Mask, ulong[]? Reads, ulong[]? Writes)
    {
        public static readonly Sleep Empty = new(0, null, null);
    }

    private sealed class Node
    {
        public required SimWorld World { get; init; }

        public required int ActionsLeft { get; init; }

        public required byte[] SyncsLeft { get; init; }

        public required PathNode Path { get; init; }

        public required ulong Hash { get; init; }

        public long Paths { get; set; }

        /// <summary>Whether the state hash named this world's B and C the other way round (its canonical naming is the mirror).</summary>
        public required bool Swapped { get; init; }

        /// <summary>Whether the world and its mirror image hash alike: another path's world of this node may be either naming.</summary>
        public required bool SelfMirrored { get; init; }

        /// <summary>The partial-order reduction's sleep set, in this world's naming: transitions covered by another order.</summary>
        public Sleep Sleep { get; set; } = Sleep.Empty;

        public BudgetEntry? Entry { get; set; }

        /// <summary>
        /// The transitions this node must take (this world's naming): all, unless earlier nodes of the same world with
        /// at least this budget took the others already (they were not asleep there).
        /// </summary>
        public ulong Only { get; set; } = ulong.MaxValue;
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

    /// <summary>
    /// Explores every scenario, up to <paramref name="parallelism"/> at once (-1: as many as the machine has cores),
    /// each on one thread with its own explorer; the largest populations start first. Results come back in
    /// <paramref name="scenarios"/>' order and are the same at any parallelism; <paramref name="done"/> is called once per
    /// scenario, one call at a time, with the number finished so far. Rules that fired are added to <paramref name="fired"/>.
    /// With <paramref name="admit"/>, every sync runs the admit and journal stages with those limits, and crashes at the
    /// journal boundary are explored.
    /// </summary>
    internal static ImmutableArray<ScenarioExploration> ExploreAll(ImmutableArray<Scenario> scenarios, IDecisionPolicy policy, DateTimeOffset now, int maxActions, int maxSyncs, HashSet<string> fired, bool symmetry, bool reduce, int parallelism, GuardLimits? admit = null, Action<int, ScenarioExploration>? done = null)
    {
        var results = new ScenarioExploration[scenarios.Length];
        var gate = new object();
        var finished = 0;
        var failedAt = int.MaxValue;
        Exception? failure = null;
        var order = Enumerable.Range(0, scenarios.Length).OrderByDescending(i => scenarios[i].Employees).ThenBy(i => i).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism == 0 ? 1 : parallelism };
        Parallel.ForEach(
            System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
            options,
            () => (Explorer: (ExhaustiveExplorer?)null, Fired: new HashSet<string>(StringComparer.Ordinal)),
            (i, _, local) =>
            {
                if (Volatile.Read(ref failedAt) < i)
                {
                    return local; // An earlier scenario failed: its exception is the one thrown.
                }

                local.Explorer ??= new ExhaustiveExplorer(policy, now, maxActions, maxSyncs, local.Fired, symmetry, reduce, admit: admit is not null, limits: admit);
                ScenarioExploration result;
                try
                {
                    result = local.Explorer.Explore(scenarios[i]);
                }
                catch (Exception ex)
                {
                    lock (gate)
                    {
                        if (i < failedAt)
                        {
                            failedAt = i;
                            failure = ex;
                        }
                    }

                    local.Explorer = null; // Its scratch state is not to be trusted after a throw.
                    return local;
                }

                results[i] = result;
                lock (gate)
                {
                    done?.Invoke(++finished, result);
                }

                return local;
            },
            local =>
            {
                lock (gate)
                {
                    fired.UnionWith(local.Fired);
                }
            });
        if (failure is not null)
        {
            // As one thread would: the first failing scenario's exception (e.g. a change no rule decides), unwrapped.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return [.. results];
    }

    public ScenarioExploration Explore(Scenario scenario)
    {
        var n = scenario.Employees;
        // With the admit stage, a sync crashing at the journal/carry-out boundary is a fault the environment injects:
        // one more action per employee (it counts against maxActions), explored like any other.
        var actions = admit ? [.. scenario.Actions(), .. Enumerable.Range(0, n).Select(e => new ScheduleStep(StepKind.SyncCrashes, e))] : scenario.Actions();
        Prepare(actions, n, scenario.ExternalOrganizer);
        var root = SimWorld.Create(scenario, policy, now, admit, limits);
        root.Fired = fired;
        root.Apply(new ScheduleStep(StepKind.Create, 0));
        var syncs = new byte[n];
        Array.Fill(syncs, (byte)maxSyncs);
        var rootHash = StateHasher.Of(root, symmetry, out var rootSwapped, out _, out var rootSelf);
        var level = new Dictionary<ulong, Node> { [Key(StateHasher.Of(root), maxActions, syncs, false)] = new Node { World = root, ActionsLeft = maxActions, SyncsLeft = syncs, Path = new PathNode(new ScheduleStep(StepKind.Create, 0), null), Paths = 1, Hash = rootHash, Swapped = rootSwapped, SelfMirrored = rootSelf } };
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
                _taken.Clear();
                var parentHash = node.Hash;
                var sleeping = node.Sleep.Mask | ~node.Only;
                if (node.ActionsLeft > 0)
                {
                    for (var t = 0; t < actions.Length; t++)
                    {
                        var step = actions[t];
                        if ((sleeping & (1UL << t)) == 0 && node.World.IsEnabled(step))
                        {
                            Expand(node, step, t, node.ActionsLeft - 1, node.SyncsLeft, parentHash, next, best, quiet, ref schedules, ref states);
                        }
                    }
                }

                for (var e = 0; e < n; e++)
                {
                    var t = actions.Length + e;
                    if (node.SyncsLeft[e] == 0 || (sleeping & (1UL << t)) != 0 || !node.World.HasNews(e))
                    {
                        continue;
                    }

                    byte[] left = [.. node.SyncsLeft];
                    left[e]--;
                    // A coverage goal counts every first sync taken (not a stutter), whether or not its state was new.
                    var taken = _taken.Count;
                    Expand(node, new ScheduleStep(StepKind.Sync, e), t, node.ActionsLeft, left, parentHash, next, best, quiet, ref schedules, ref states);
                    if (_taken.Count > taken && node.World.FirstSyncer < 0)
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

    /// <summary>The scenario's transitions and footprint model.</summary>
    private void Prepare(ImmutableArray<ScheduleStep> actions, int n, bool externalOrganizer)
    {
        // A customer's calendar is a store beyond the employees' that the footprint model does not name (its bits and
        // the B/C mirror are per employee), so those scenarios are explored in full.
        _fp = reduce && !externalOrganizer ? Footprint.For(n) : null;
        _steps = [.. actions, .. Enumerable.Range(0, n).Select(e => new ScheduleStep(StepKind.Sync, e))];
        if (_steps.Length > 64)
        {
            _fp = null; // Sleep sets are 64-bit masks over the transitions.
        }

        _mirrorOf = new int[_steps.Length];
        for (var t = 0; t < _steps.Length; t++)
        {
            var s = _steps[t];
            var mirrored = n == 3 && s.Employee is 1 or 2 ? s with { Employee = 3 - s.Employee } : s;
            _mirrorOf[t] = Array.IndexOf(_steps, mirrored);
        }
    }

    /// <summary>
    /// Takes transition <paramref name="index"/> (<paramref name="step"/>) from <paramref name="parent"/>. Returns the
    /// node it leads to (new, or merged with one of the next level), or null for a stutter or a dominated state.
    /// Records the transition in <see cref="_taken"/> unless it stuttered: later siblings put it in their sleep sets.
    /// </summary>
    private Node? Expand(Node parent, ScheduleStep step, int index, int actionsLeft, byte[] syncsLeft, ulong parentHash, Dictionary<ulong, Node> next, Dictionary<InvariantId, FoundViolation> best, HashSet<ulong> quiet, ref long schedules, ref long states)
    {
        var w = parent.World.Clone();
        w.Apply(step);
        var worldHash = StateHasher.Of(w, symmetry, out var swapped, out var identityHash, out var selfMirrored);
        if (step.Kind == StepKind.Sync && worldHash == parentHash)
        {
            return null; // Stutter: the sync changed nothing.
        }

        var writes = _fp?.Writes(parent.World, w) ?? 0;
        var reads = _fp?.Reads(parent.World, step, writes) ?? 0;
        var sleep = _fp is null ? Sleep.Empty : ChildSleep(parent, index, reads, writes);
        _taken.Add((index, reads, writes));
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
            worldHash = StateHasher.Of(w, symmetry, out swapped, out identityHash, out selfMirrored);
        }

        var key = Key(worldHash, actionsLeft, syncsLeft, swapped);
        if (next.TryGetValue(key, out var existing))
        {
            existing.Paths = checked(existing.Paths + parent.Paths);
            if (_fp is not null)
            {
                Merge(existing, InNaming(sleep, swapped != existing.Swapped, existing.SelfMirrored));
            }

            return existing;
        }

        var entry = new BudgetEntry(actionsLeft, Canonical(syncsLeft, swapped));
        var node = new Node { World = w, ActionsLeft = actionsLeft, SyncsLeft = syncsLeft, Path = path, Paths = parent.Paths, Hash = worldHash, Swapped = swapped, SelfMirrored = selfMirrored, Sleep = sleep, Entry = entry };
        entry.Skips = Skips(node);
        var residual = Dominated(worldHash, entry, CanonicalSleep(sleep.Mask, swapped, selfMirrored, union: false));
        if (residual == 0)
        {
            return null; // The same world was reached with at least as much budget left: its futures include ours.
        }

        if (residual != ulong.MaxValue)
        {
            // Reached before with at least this budget, but some transitions asleep there are awake here: only those.
            node.Only = FromCanonical(residual, swapped, selfMirrored);
        }

        next[key] = node;
        states++;
        if (quiet.Add(worldHash))
        {
            Quiesce(w, path, best, identityHash);
        }

        return node;
    }

    /// <summary>
    /// The sleep set of the node transition <paramref name="index"/> leads to (in the parent's naming): every
    /// transition of the parent's sleep set, and every sibling taken before this one, that is independent of this one
    /// (<see cref="Footprint.Independent"/>). Either order of two independent transitions reaches the same world, and
    /// the other order is (or was) explored from the sibling, so this child need not take it.
    /// </summary>
    private Sleep ChildSleep(Node parent, int index, ulong reads, ulong writes)
    {
        var fp = _fp!;
        ulong mask = 0;
        ulong[]? r = null, w = null;
        var inherited = parent.Sleep;
        for (var m = inherited.Mask; m != 0; m &= m - 1)
        {
            var u = System.Numerics.BitOperations.TrailingZeroCount(m);
            if (fp.Independent(inherited.Reads![u], inherited.Writes![u], reads, writes))
            {
                Put(ref mask, ref r, ref w, u, inherited.Reads[u], inherited.Writes[u]);
            }
        }

        foreach (var (u, ur, uw) in _taken)
        {
            if (fp.Independent(ur, uw, reads, writes))
            {
                Put(ref mask, ref r, ref w, u, ur, uw);
            }
        }

        var sleep = new Sleep(mask, r, w);
        if (audit && mask != 0)
        {
            Audit(parent, index, sleep);
        }

        return sleep;
    }

    private void Put(ref ulong mask, ref ulong[]? reads, ref ulong[]? writes, int u, ulong ur, ulong uw)
    {
        reads ??= new ulong[_steps.Length];
        writes ??= new ulong[_steps.Length];
        mask |= 1UL << u;
        reads[u] |= ur;
        writes[u] |= uw;
    }

    /// <summary>
    /// A sleep set moved into the naming of the node it joins: mirrored when that node's world names B and C the
    /// other way round; when that world is its own mirror image (either naming may be meant), only the transitions
    /// asleep in both namings stay, each with the union of both footprints.
    /// </summary>
    private Sleep InNaming(Sleep s, bool mirror, bool selfMirrored)
    {
        if (s.Mask == 0 || (!mirror && !selfMirrored))
        {
            return s;
        }

        var fp = _fp!;
        ulong mm = 0;
        var mr = new ulong[_steps.Length];
        var mw = new ulong[_steps.Length];
        for (var m = s.Mask; m != 0; m &= m - 1)
        {
            var u = System.Numerics.BitOperations.TrailingZeroCount(m);
            var v = _mirrorOf[u];
            mm |= 1UL << v;
            mr[v] = fp.Mirror(s.Reads![u]);
            mw[v] = fp.Mirror(s.Writes![u]);
        }

        if (!selfMirrored)
        {
            return new Sleep(mm, mr, mw);
        }

        var both = s.Mask & mm;
        var r = new ulong[_steps.Length];
        var w = new ulong[_steps.Length];
        for (var m = both; m != 0; m &= m - 1)
        {
            var u = System.Numerics.BitOperations.TrailingZeroCount(m);
            r[u] = s.Reads![u] | mr[u];
            w[u] = s.Writes![u] | mw[u];
        }

        return new Sleep(both, r, w);
    }

    /// <summary>Joins another path's sleep set into a node of the next level: only transitions asleep on every path stay asleep.</summary>
    private void Merge(Node node, Sleep incoming)
    {
        var s = node.Sleep;
        var mask = s.Mask & incoming.Mask;
        if (mask == s.Mask && mask == 0)
        {
            return;
        }

        var r = mask == 0 ? null : new ulong[_steps.Length];
        var w = mask == 0 ? null : new ulong[_steps.Length];
        for (var m = mask; m != 0; m &= m - 1)
        {
            var u = System.Numerics.BitOperations.TrailingZeroCount(m);
            r![u] = s.Reads![u] | incoming.Reads![u];
            w![u] = s.Writes![u] | incoming.Writes![u];
        }

        node.Sleep = new Sleep(mask, r, w);
        node.Entry!.Skips = Skips(node);
    }

    /// <summary>What a node may skip, canonical naming, for the dominance check of later nodes (both namings' union when self-mirrored).</summary>
    private ulong Skips(Node node) => CanonicalSleep(node.Sleep.Mask, node.Swapped, node.SelfMirrored, union: true);

    private ulong CanonicalSleep(ulong mask, bool swapped, bool selfMirrored, bool union)
    {
        if (mask == 0 || (!swapped && !selfMirrored))
        {
            return mask;
        }

        ulong mirrored = 0;
        for (var m = mask; m != 0; m &= m - 1)
        {
            mirrored |= 1UL << _mirrorOf[System.Numerics.BitOperations.TrailingZeroCount(m)];
        }

        return selfMirrored ? (union ? mask | mirrored : mask & mirrored) : mirrored;
    }

    /// <summary>
    /// Checks what the reduction assumed when it put transitions to sleep in the child of <paramref name="parent"/>
    /// by transition <paramref name="index"/>: for each sleeping transition u, both orders of u and this transition
    /// are enabled, reach the same world, and u does the same there (same footprint). Tests run with it on.
    /// </summary>
    private void Audit(Node parent, int index, Sleep sleep)
    {
        var fp = _fp!;
        var t = _steps[index];
        for (var m = sleep.Mask; m != 0; m &= m - 1)
        {
            var ui = System.Numerics.BitOperations.TrailingZeroCount(m);
            var u = _steps[ui];
            var bothActions = t.Kind != StepKind.Sync && u.Kind != StepKind.Sync;
            var sameSyncer = t.Kind == StepKind.Sync && u.Kind == StepKind.Sync && t.Employee == u.Employee;
            if ((bothActions && parent.ActionsLeft < 2) || (sameSyncer && parent.SyncsLeft[t.Employee] < 2))
            {
                continue; // The budget allows only one of them: no order of both exists.
            }

            var tu = parent.World.Clone();
            Take(tu, t);
            var mid = tu.Clone();
            if (!Enabled(tu, u))
            {
                throw new InvalidOperationException($"reduction: {u} asleep after {t} but not enabled there ({parent.World.Scenario})");
            }

            Take(tu, u);
            var ut = parent.World.Clone();
            if (!Enabled(ut, u))
            {
                throw new InvalidOperationException($"reduction: {u} asleep after {t} but not enabled before it ({parent.World.Scenario})");
            }

            Take(ut, u);
            var uWrites = fp.Writes(parent.World, ut);
            if (!Enabled(ut, t))
            {
                throw new InvalidOperationException($"reduction: {t} disabled by {u} though independent ({parent.World.Scenario})");
            }

            Take(ut, t);
            if (StateHasher.Of(tu) != StateHasher.Of(ut))
            {
                throw new InvalidOperationException($"reduction: {t} and {u} assumed to commute but lead to different worlds ({parent.World.Scenario}, after {string.Join(", ", parent.Path.ToSteps())})");
            }

            if ((fp.Writes(mid, tu) & ~sleep.Writes![ui]) != 0 || (uWrites & ~sleep.Writes[ui]) != 0 || (fp.Reads(mid, u, fp.Writes(mid, tu)) & ~sleep.Reads![ui]) != 0)
            {
                throw new InvalidOperationException($"reduction: {u}'s footprint after {t} is not the one recorded ({parent.World.Scenario})");
            }
        }
    }

    private static bool Enabled(SimWorld w, ScheduleStep s) => s.Kind == StepKind.Sync ? w.HasNews(s.Employee) : w.IsEnabled(s);

    private static void Take(SimWorld w, ScheduleStep s)
    {
        if (!w.Apply(s))
        {
            throw new InvalidOperationException($"reduction audit: {s} not enabled");
        }
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

    /// <summary>
    /// What an earlier node of the same world (hash <paramref name="worldHash"/>) with at least this node's budget left
    /// this node to take: 0 when dominated (every transition this node would take was taken there), the transitions
    /// asleep at every such node but awake here (canonical naming), or all (<see cref="ulong.MaxValue"/>) when no node
    /// dominates; then the node's entry is recorded for later ones. <paramref name="skips"/>: what this node may skip.
    /// </summary>
    private ulong Dominated(ulong worldHash, BudgetEntry entry, ulong skips)
    {
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(_budgets, worldHash, out var exists);
        if (!exists)
        {
            seen = (entry, null);
            return ulong.MaxValue;
        }

        var left = ulong.MaxValue;
        var any = false;
        if (Covers(seen.First, entry))
        {
            any = true;
            left &= seen.First.Skips & ~skips;
        }

        if (seen.More is { } more)
        {
            foreach (var other in more)
            {
                if (Covers(other, entry))
                {
                    any = true;
                    left &= other.Skips & ~skips;
                }
            }
        }

        if (any)
        {
            return left;
        }

        (seen.More ??= []).Add(entry);
        return ulong.MaxValue;
    }

    /// <summary>A canonical transition set in a node's naming (both namings' union when its world is its own mirror image).</summary>
    private ulong FromCanonical(ulong mask, bool swapped, bool selfMirrored)
    {
        if (!swapped && !selfMirrored)
        {
            return mask;
        }

        ulong mirrored = 0;
        for (var m = mask; m != 0; m &= m - 1)
        {
            mirrored |= 1UL << _mirrorOf[System.Numerics.BitOperations.TrailingZeroCount(m)];
        }

        return selfMirrored ? mask | mirrored : mirrored;
    }

    private static bool Covers(BudgetEntry seen, BudgetEntry entry)
    {
        if (seen.Actions < entry.Actions)
        {
            return false;
        }

        for (var i = 0; i < seen.Syncs.Length; i++)
        {
            if (seen.Syncs[i] < entry.Syncs[i])
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
