using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Exploration;

/// <summary>
/// A cache of simulated syncs for one explorer (one thread, one scenario at a time): a sync of employee E whose inputs
/// are exactly those of a sync run before — the same CRM store, E's mailbox store and E's sync state (by reference:
/// the world is copy-on-write, so an unchanged store is the same object) and the same values of every other world
/// field (<see cref="Footprint.OtherFields"/>) — is not run again: its recorded effect is put in place. The explorer
/// runs the same sync from many worlds that differ only in parts it does not read: the quiescence's first sync and the
/// explorer's sync of the organizer from the same world, the two orders of a commutation the reduction could not
/// prune, closing rounds from sibling worlds.
/// <para>
/// Exact, not approximate: the key is the sync's inputs themselves, not a hash of them, so the world after a cached
/// sync is the world the sync would have left (docs/simulator.md, "Sync cache"). A sync is cached only when it read no
/// more than the key: the footprint model's reads (<see cref="Footprint.Reads"/>) of a sync are the CRM, its own
/// mailbox and sync state and the other fields, widened to every mailbox when it wrote its own organizer's event or
/// wrote a store once time passed — such syncs, and any that wrote another employee's mailbox or sync state, are run
/// every time. Accumulators (<see cref="Footprint.Accumulators"/>: flags or-ed, counts added, first notes kept, messages
/// appended) are read by no step, so a sync's contribution to them is recorded from a run with them reset and merged
/// into the world they reach. Bookkeeping is put in place as the sync does it (<see cref="Apply"/>).
/// </para>
/// </summary>
internal sealed class SyncCache
{
    /// <summary>Entries at most; then the cache starts over (worlds of old levels are no longer reached).</summary>
    private const int Capacity = 1 << 19;

    private static readonly Lazy<Accessors> Fields = new(Build);

    /// <summary>The bookkeeping fields (<see cref="Footprint.Bookkeeping"/>) this cache knows how to treat (<see cref="Apply"/>).</summary>
    private static readonly string[] KnownBookkeeping = ["Log", "Fired", "_settings", "_ownsCrm", "_ownedMailboxes", "LastSyncWrites", "FirstSyncer", "Violated"];

    /// <summary>Entries recorded or used while exploring the current level, and those of the level before (<see cref="NextLevel"/>).</summary>
    private Dictionary<Key, Slot> _entries = new(KeyComparer.Instance);
    private Dictionary<Key, Slot> _older = new(KeyComparer.Instance);
    private readonly HashSet<string> _fired = new(StringComparer.Ordinal);

    /// <summary>Scratch: the world's accumulators while a sync runs with them reset.</summary>
    private readonly SimWorld _saved = Blank();

    /// <summary>Syncs taken from the cache.</summary>
    public long Hits { get; private set; }

    /// <summary>Syncs run (cacheable or not).</summary>
    public long Runs { get; private set; }

    /// <summary>Forgets every entry (a new scenario: its worlds share nothing with the last one's).</summary>
    public void Clear()
    {
        _entries.Clear();
        _older.Clear();
    }

    /// <summary>
    /// The explorer moved to the next level: entries not used since the level before last are dropped. A sync repeats
    /// within a level (siblings, closing rounds) or one level down (a node's sync after its closing rounds ran it), so
    /// two levels keep nearly every hit, and the cache does not keep every world's stores alive.
    /// </summary>
    public void NextLevel()
    {
        (_older, _entries) = (_entries, _older);
        _entries.Clear();
    }

    /// <summary>
    /// Whether worlds of <paramref name="scenario"/> may use the cache: not while tracing or with the admit stage (whose
    /// journal and crashes the key does not cover), not for a customer's meeting (their calendar is a store the footprint
    /// model does not name), and only for a policy that is a pure function of the facts (a recording policy records).
    /// </summary>
    public static bool Applies(Scenario scenario, Engine.Decisions.IDecisionPolicy policy, bool admit) =>
        !admit && !scenario.ExternalOrganizer && policy is Engine.Rules.Compilation.CompiledRuleSet;

    /// <summary>Employee <paramref name="employee"/>'s sync in <paramref name="w"/>: from the cache when it ran before on the same inputs.</summary>
    public void Sync(SimWorld w, int employee)
    {
        var f = Fields.Value;
        if (w.Log is not null || w.Series is not null)
        {
            Runs++;
            w.Apply(new ScheduleStep(StepKind.Sync, employee));
            return;
        }

        var probe = new Key(employee, w.Crm, w.Mailboxes[employee], w.Agents[employee], w, f.HashOthers(w));
        if (_entries.TryGetValue(probe, out var slot) || TryPromote(probe, out slot))
        {
            if (slot.Entry is { } cached)
            {
                Hits++;
                Apply(w, employee, cached, f);
                return;
            }

            Runs++;
            w.Apply(new ScheduleStep(StepKind.Sync, employee));
            return;
        }

        Runs++;
        var before = Blank();
        f.CopyOthers(w, before); // The key keeps the values the sync started from, not the world's (which it changes).
        var entry = Record(w, employee, f);
        if (_entries.Count >= Capacity)
        {
            Clear();
        }

        _entries[probe with { Others = before }] = new Slot(before, entry);
    }

    /// <summary>Finds an entry of the level before and keeps it for this level too.</summary>
    private bool TryPromote(Key probe, out Slot slot)
    {
        if (!_older.Remove(probe, out slot))
        {
            return false;
        }

        _entries[probe with { Others = slot.Before }] = slot;
        return true;
    }

    /// <summary>Runs the sync on <paramref name="w"/>, recording its effect: null when it read or wrote more than the key covers.</summary>
    private Entry? Record(SimWorld w, int employee, Accessors f)
    {
        // Every write now replaces a store, so what the sync wrote is seen by reference (as Footprint.Writes sees it).
        w.ShareStores();
        var crm = w.Crm;
        var mailboxes = w.Mailboxes.ToArray();
        var agents = w.Agents.ToArray();
        var clockAdvanced = w.ClockAdvanced;
        var saved = _saved;
        f.CopyAccumulators(w, saved);
        f.ResetAccumulators(w);
        var fired = w.Fired;
        _fired.Clear();
        w.Fired = _fired;
        bool ran;
        try
        {
            ran = w.Apply(new ScheduleStep(StepKind.Sync, employee));
        }
        finally
        {
            w.Fired = fired;
        }

        // One holder for what the sync left: its accumulator contribution and the other fields' values after it.
        var result = Blank();
        f.CopyAccumulators(w, result);
        f.CopyAccumulators(saved, w);
        f.MergeAccumulators(w, result);
        fired?.UnionWith(_fired);
        w.ShareStores(); // What the sync wrote may now be shared with the cache's entry.
        if (!ran)
        {
            return null;
        }

        var wroteStore = !ReferenceEquals(crm, w.Crm);
        for (var i = 0; i < mailboxes.Length; i++)
        {
            var wrote = !ReferenceEquals(mailboxes[i], w.Mailboxes[i]);
            if (i != employee && (wrote || !ReferenceEquals(agents[i], w.Agents[i])))
            {
                return null; // Another employee's parts: the world's mechanics read and wrote beyond the key.
            }

            wroteStore |= wrote;
        }

        var wroteOwn = !ReferenceEquals(mailboxes[employee], w.Mailboxes[employee]);
        if ((clockAdvanced && wroteStore) || (wroteOwn && OrganizesAny(mailboxes[employee])))
        {
            return null; // The footprint model's wider reads (Footprint.Reads): every mailbox.
        }

        f.CopyOthers(w, result);
        return new Entry(w.Crm, w.Mailboxes[employee], w.Agents[employee], result, [.. _fired], w.LastSyncWrites);
    }

    /// <summary>Puts a recorded sync's effect in place: what <see cref="SimWorld.Sync"/> would have done to <paramref name="w"/>.</summary>
    private static void Apply(SimWorld w, int employee, Entry e, Accessors f)
    {
        w.Adopt(employee, e.Crm, e.Mailbox, e.Agent, e.LastSyncWrites);
        f.CopyOthers(e.Result, w);
        f.MergeAccumulators(w, e.Result);

        // Bookkeeping, as SimWorld.Sync keeps it: the first syncer once the meeting exists, and the rules that decided.
        if (w.FirstSyncer < 0 && w.Created)
        {
            w.FirstSyncer = employee;
        }

        if (w.Fired is { } fired)
        {
            foreach (var rule in e.Fired)
            {
                fired.Add(rule);
            }
        }
    }

    private static bool OrganizesAny(MailboxStore mailbox)
    {
        foreach (var r in mailbox.Rows)
        {
            if (r.IsOrganizer)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A world with no state of its own: a holder of field values for the compiled copies.</summary>
    private static SimWorld Blank() => (SimWorld)RuntimeHelpers.GetUninitializedObject(typeof(SimWorld));

    /// <summary>A sync's inputs: the employee, the three stores it reads (by reference) and a world holding the other fields' values.</summary>
    private readonly record struct Key(int Employee, CrmStore Crm, MailboxStore Mailbox, AgentView Agent, SimWorld Others, int OthersHash);

    /// <summary>An entry (null: the sync is not cacheable, run it) and the other fields' values it was recorded from (its key's).</summary>
    private readonly record struct Slot(SimWorld Before, Entry? Entry);

    private sealed class KeyComparer : IEqualityComparer<Key>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(Key a, Key b) =>
            a.Employee == b.Employee && ReferenceEquals(a.Crm, b.Crm) && ReferenceEquals(a.Mailbox, b.Mailbox) && ReferenceEquals(a.Agent, b.Agent)
            && a.OthersHash == b.OthersHash && Fields.Value.SameOthers(a.Others, b.Others);

        public int GetHashCode(Key k) =>
            HashCode.Combine(k.Employee, RuntimeHelpers.GetHashCode(k.Crm), RuntimeHelpers.GetHashCode(k.Mailbox), RuntimeHelpers.GetHashCode(k.Agent), k.OthersHash);
    }

    /// <summary>
    /// What a sync left: the three stores it may write, a holder of the other fields' values after it and of its
    /// accumulator contribution (disjoint fields), the rules that decided, its write count.
    /// </summary>
    private sealed record Entry(CrmStore Crm, MailboxStore Mailbox, AgentView Agent, SimWorld Result, string[] Fired, int LastSyncWrites);

    private sealed record Accessors(
        Func<SimWorld, int> HashOthers,
        Func<SimWorld, SimWorld, bool> SameOthers,
        Action<SimWorld, SimWorld> CopyOthers,
        Action<SimWorld, SimWorld> CopyAccumulators,
        Action<SimWorld> ResetAccumulators,
        Action<SimWorld, SimWorld> MergeAccumulators);

    /// <summary>
    /// Compiles the copies, comparisons and merges over <see cref="SimWorld"/>'s fields, by the footprint model's
    /// classes (found by reflection, so a field added later is covered): other fields are keyed and copied; accumulators
    /// reset and merged (a type with no known merge fails here, as does bookkeeping this cache does not know).
    /// Read-only fields (the scenario, the policy, the clock's start) are the same for every world of one scenario.
    /// </summary>
    private static Accessors Build()
    {
        var a = Expression.Parameter(typeof(SimWorld), "a");
        var b = Expression.Parameter(typeof(SimWorld), "b");
        var hash = new List<Expression>();
        var same = new List<Expression>();
        var copyOthers = new List<Expression>();
        var copyAcc = new List<Expression>();
        var reset = new List<Expression>();
        var merge = new List<Expression>();
        var fields = typeof(SimWorld).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(x => x.Name, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var name = Footprint.PropertyName(field.Name);
            if (Footprint.Stores.Contains(name))
            {
                continue;
            }

            if (Footprint.Bookkeeping.Contains(name))
            {
                if (!KnownBookkeeping.Contains(name))
                {
                    throw new InvalidOperationException($"SyncCache: bookkeeping field {name} has no treatment in SyncCache.Apply");
                }

                continue;
            }

            var fa = Expression.Field(a, field);
            var fb = Expression.Field(b, field);
            var t = field.FieldType;
            if (Footprint.Accumulators.Contains(name))
            {
                copyAcc.Add(Expression.Assign(Expression.Field(b, field), fa));
                reset.Add(Expression.Assign(Expression.Field(a, field), Neutral(t)));
                merge.Add(Expression.Assign(Expression.Field(a, field), Merge(fa, fb, t, name)));
                continue;
            }

            if (field.IsInitOnly)
            {
                continue;
            }

            var comparer = typeof(EqualityComparer<>).MakeGenericType(t);
            var deflt = Expression.Property(null, comparer.GetProperty("Default")!);
            same.Add(t.IsValueType
                ? Expression.Call(deflt, comparer.GetMethod("Equals", [t, t])!, fa, fb)
                : Expression.ReferenceEqual(fa, fb));
            hash.Add(t.IsValueType
                ? Expression.Call(deflt, comparer.GetMethod("GetHashCode", [t])!, fa)
                : Expression.Call(typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.GetHashCode), [typeof(object)])!, fa));
            copyOthers.Add(Expression.Assign(Expression.Field(b, field), fa));
        }

        Expression h = Expression.Constant(17);
        foreach (var x in hash)
        {
            h = Expression.Add(Expression.Multiply(h, Expression.Constant(31)), x);
        }

        var all = same.Aggregate((Expression)Expression.Constant(true), Expression.AndAlso);
        return new Accessors(
            Expression.Lambda<Func<SimWorld, int>>(h, a).Compile(),
            Expression.Lambda<Func<SimWorld, SimWorld, bool>>(all, a, b).Compile(),
            Expression.Lambda<Action<SimWorld, SimWorld>>(Block(copyOthers), a, b).Compile(),
            Expression.Lambda<Action<SimWorld, SimWorld>>(Block(copyAcc), a, b).Compile(),
            Expression.Lambda<Action<SimWorld>>(Block(reset), a).Compile(),
            Expression.Lambda<Action<SimWorld, SimWorld>>(Block(merge), a, b).Compile());
    }

    private static Expression Block(List<Expression> body) => body.Count == 0 ? Expression.Empty() : Expression.Block(typeof(void), body);

    /// <summary>An accumulator's value before anything was added to it.</summary>
    private static Expression Neutral(Type t) =>
        t == typeof(MessageLog) ? Expression.Field(null, typeof(MessageLog).GetField(nameof(MessageLog.Empty))!) : Expression.Default(t);

    /// <summary>The accumulator <paramref name="world"/> holds with <paramref name="contribution"/> added, as the steps add to it.</summary>
    private static Expression Merge(Expression world, Expression contribution, Type t, string name)
    {
        if (t == typeof(bool))
        {
            return Expression.Or(world, contribution); // A flag: or-ed.
        }

        if (t == typeof(int))
        {
            return Expression.Add(world, contribution); // A count.
        }

        if (t == typeof(string))
        {
            return Expression.Coalesce(world, contribution); // The first note is kept.
        }

        if (t.IsEnum && t.GetCustomAttribute<FlagsAttribute>() is not null)
        {
            var u = Enum.GetUnderlyingType(t) == typeof(long) ? typeof(long) : typeof(int);
            return Expression.Convert(Expression.Or(Expression.Convert(world, u), Expression.Convert(contribution, u)), t); // Intents: or-ed.
        }

        if (t == typeof(MessageLog))
        {
            return Expression.Call(typeof(SyncCache).GetMethod(nameof(Append), BindingFlags.Static | BindingFlags.NonPublic)!, world, contribution);
        }

        throw new InvalidOperationException($"SyncCache: accumulator {name} of type {t.Name} has no known merge");
    }

    /// <summary>The log <paramref name="log"/> with the messages of <paramref name="added"/> sent after it, oldest first.</summary>
    private static MessageLog Append(MessageLog log, MessageLog added)
    {
        foreach (var m in added)
        {
            log = log.Add(m);
        }

        return log;
    }
}
