using System.Linq.Expressions;
using System.Reflection;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Exploration;

/// <summary>
/// What one step reads and writes of a world, as a bit set over the world's parts: the CRM store, each mailbox
/// store, each agent's sync state, and every other field of <see cref="SimWorld"/> (found by reflection, so a field
/// added later is a part of its own without being listed here). The partial-order reduction of
/// <see cref="ExhaustiveExplorer"/> treats two steps as independent when neither writes a part the other reads or
/// writes (<see cref="Independent"/>); then both orders reach the same world and either order's futures stand for both.
/// <para>
/// Writes are observed, not declared: the parts whose reference (stores, agents, any reference field) or value
/// (value fields) differ between the world before and after the step. That is exact because the world is
/// copy-on-write: a step that changes a store replaces it (<see cref="SimWorld.MutableMailbox"/>), as
/// <see cref="SimWorld.Clone"/> already requires. Reads are declared per step kind (<see cref="Reads"/>) — an
/// over-approximation of everything the step's outcome and enabledness depend on; a kind not listed reads
/// everything (independent of nothing).
/// </para>
/// <para>
/// Two kinds of fields are special. <b>Bookkeeping</b> (<see cref="Bookkeeping"/>) is not world state: the trace,
/// coverage, scratch, the last sync's write count, the first syncer (a coverage goal), and the invariants already
/// reported on the way (<see cref="SimWorld.Violated"/>, which the explorer, not a step, writes). <b>Accumulators</b>
/// (<see cref="Accumulators"/>) are only ever updated by commutative operations (or-ing a flag or an intent, adding
/// to a count the state hash reads as "more than zero", appending a message the hash reads as "a cancellation was
/// sent", keeping the first note): two steps writing the same accumulator still commute up to the state hash, and no
/// step reads one to decide what it does (the invariants do, on the resulting state).
/// </para>
/// </summary>
internal sealed class Footprint
{
    /// <summary>Fields that are not world state: never a reason for two steps to conflict.</summary>
    internal static readonly string[] Bookkeeping = ["Log", "Fired", "_settings", "_ownsCrm", "_ownedMailboxes", "LastSyncWrites", "FirstSyncer", "Violated"];

    /// <summary>Fields only ever updated commutatively (see the class summary): two writes do not conflict; no step reads them.</summary>
    internal static readonly string[] Accumulators =
        ["Messages", "CancellationSent", "Intents", "PastTouched", "SharedWhileAutoShareOff", "HeldDeletes", "HeldCancels", "HeldDeleteNote", "HeldCancelNote", "Held",
         "SecondIntents", "SecondCancellationSent", "SecondHeldDeletes", "SecondHeldCancels", "SecondHeldDeleteNote", "SecondHeldCancelNote"];

    private static readonly string[] Stores = ["Crm", "Mailboxes", "Agents"];

    private static readonly Lazy<(Func<SimWorld, SimWorld, ulong> Diff, ulong Accumulators, ulong Others, int Count)> Fields = new(BuildFields);

    private readonly int _employees;
    private readonly int _fieldBase;

    private Footprint(int employees)
    {
        _employees = employees;
        _fieldBase = 1 + (2 * employees);
        var (_, acc, others, _) = Fields.Value;
        Accumulated = acc << _fieldBase;
        OtherFields = others << _fieldBase;
        AllMailboxes = ((1UL << employees) - 1) << 1;
    }

    /// <summary>Bits of the accumulator fields.</summary>
    public ulong Accumulated { get; }

    /// <summary>Bits of every field that is neither a store, bookkeeping nor an accumulator (the clock, creation, ...).</summary>
    public ulong OtherFields { get; }

    public ulong AllMailboxes { get; }

    public const ulong Crm = 1;

    /// <summary>The footprint model for worlds of <paramref name="employees"/> employees; null when the parts do not fit in 64 bits (then nothing is reduced).</summary>
    public static Footprint? For(int employees) =>
        1 + (2 * employees) + Fields.Value.Count <= 64 ? new Footprint(employees) : null;

    public static ulong Mailbox(int i) => 1UL << (1 + i);

    public ulong Agent(int i) => 1UL << (1 + _employees + i);

    /// <summary>The parts <paramref name="after"/> differs in from <paramref name="before"/>: what the step between them wrote.</summary>
    public ulong Writes(SimWorld before, SimWorld after)
    {
        var m = ReferenceEquals(before.Crm, after.Crm) ? 0 : Crm;
        for (var i = 0; i < _employees; i++)
        {
            if (!ReferenceEquals(before.Mailboxes[i], after.Mailboxes[i]))
            {
                m |= Mailbox(i);
            }

            if (!ReferenceEquals(before.Agents[i], after.Agents[i]))
            {
                m |= Agent(i);
            }
        }

        return m | (Fields.Value.Diff(before, after) << _fieldBase);
    }

    /// <summary>
    /// What <paramref name="step"/> read in <paramref name="w"/> (the world before it ran), given what it wrote
    /// (<paramref name="writes"/>): everything its enabledness and its outcome depend on. It may widen with what the
    /// step wrote only where the step decided to write from what it had read already (so a step that writes none of the
    /// narrower reads behaves, reads and writes alike). Every step reads the other fields (the clock, creation, ...):
    /// a field added to the world is read by every step until declared otherwise. A step kind not listed here reads
    /// everything.
    /// </summary>
    public ulong Reads(SimWorld w, ScheduleStep step, ulong writes)
    {
        var e = step.Employee;
        switch (step.Kind)
        {
            case StepKind.Sync:
                {
                    // The engine reads this mailbox, the CRM and its own sync state (and, for the organizer, whether the
                    // meeting lies beyond the window: the same parts). The world's mechanics read other mailboxes only
                    // while the sync writes: an organizer's event written reaches the attendees' copies (a copy already
                    // gone is read and left alone), and once time passed, a write checks whether the meeting is past.
                    var m = Crm | Mailbox(e) | Agent(e) | OtherFields;
                    var wroteStore = (writes & (Crm | AllMailboxes)) != 0;
                    if ((w.ClockAdvanced && wroteStore) || ((writes & Mailbox(e)) != 0 && OrganizesAny(w, e)))
                    {
                        m |= AllMailboxes;
                    }

                    return m;
                }

            case StepKind.OrganizerReschedules:
            case StepKind.OrganizerCancels:
            case StepKind.OrganizerDeletes:
            case StepKind.OrganizerCrossesWindow:
            case StepKind.SecondMeetingReschedules:
            case StepKind.SecondMeetingCancels:
                return AllMailboxes | OtherFields;

            case StepKind.AttendeeDeclines:
                {
                    // The copy, and the organizer's event (the decline is recorded there).
                    var m = Mailbox(e) | OtherFields;
                    if (w.LiveEvent(e) is { } copy && w.EmployeeIndex(copy.Organizer) is var o && o >= 0)
                    {
                        m |= Mailbox(o);
                    }

                    return m;
                }

            case StepKind.AttendeeDeletesCopy:
                return Mailbox(e) | OtherFields;

            case StepKind.CrmEdits:
            case StepKind.CrmReschedules:
            case StepKind.CrmChangesOwner:
            case StepKind.CrmCompletes:
            case StepKind.CrmReopens:
            case StepKind.CrmRemovesParty:
            case StepKind.CrmAddsParty:
            case StepKind.CrmCancels:
            case StepKind.CrmDeletes:
                return Crm | OtherFields;

            case StepKind.ClockAdvances:
                // Enabled only while every live replica lies inside the window: reads every store.
                return Crm | AllMailboxes | OtherFields;

            default:
                return ulong.MaxValue;
        }
    }

    /// <summary>
    /// Whether two steps taken from the same world commute: neither writes what the other reads, and they write
    /// no common part other than an accumulator.
    /// </summary>
    public bool Independent(ulong readsA, ulong writesA, ulong readsB, ulong writesB) =>
        ((writesA & readsB) | (writesB & readsA) | (writesA & writesB & ~Accumulated)) == 0;

    /// <summary>A part mask with employees 1 and 2 (B and C) swapped: the same footprint in the mirror naming.</summary>
    public ulong Mirror(ulong mask)
    {
        if (_employees < 3)
        {
            return mask;
        }

        var swapBits = Mailbox(1) | Mailbox(2) | Agent(1) | Agent(2);
        var kept = mask & ~swapBits;
        var moved = 0UL;
        moved |= (mask & Mailbox(1)) != 0 ? Mailbox(2) : 0;
        moved |= (mask & Mailbox(2)) != 0 ? Mailbox(1) : 0;
        moved |= (mask & Agent(1)) != 0 ? Agent(2) : 0;
        moved |= (mask & Agent(2)) != 0 ? Agent(1) : 0;
        return kept | moved;
    }

    private static bool OrganizesAny(SimWorld w, int employee)
    {
        foreach (var r in w.Mailboxes[employee].Rows)
        {
            if (r.IsOrganizer)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every instance field of <see cref="SimWorld"/> but the stores and bookkeeping gets a bit; the compiled diff
    /// compares value fields by value and reference fields by reference.
    /// </summary>
    private static (Func<SimWorld, SimWorld, ulong>, ulong, ulong, int) BuildFields()
    {
        var a = Expression.Parameter(typeof(SimWorld), "a");
        var b = Expression.Parameter(typeof(SimWorld), "b");
        Expression body = Expression.Constant(0UL);
        ulong acc = 0, others = 0;
        var bit = 0;
        var fields = typeof(SimWorld).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        foreach (var f in fields.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var name = PropertyName(f.Name);
            if (Stores.Contains(name) || Bookkeeping.Contains(name))
            {
                continue;
            }

            if (bit >= 40)
            {
                throw new InvalidOperationException("SimWorld has too many fields for a 64-bit footprint");
            }

            var fa = Expression.Field(a, f);
            var fb = Expression.Field(b, f);
            Expression same = f.FieldType.IsValueType
                ? Expression.Call(
                    Expression.Property(null, typeof(EqualityComparer<>).MakeGenericType(f.FieldType).GetProperty("Default")!),
                    typeof(EqualityComparer<>).MakeGenericType(f.FieldType).GetMethod("Equals", [f.FieldType, f.FieldType])!,
                    fa,
                    fb)
                : Expression.ReferenceEqual(fa, fb);
            body = Expression.Or(body, Expression.Condition(same, Expression.Constant(0UL), Expression.Constant(1UL << bit)));
            if (Accumulators.Contains(name))
            {
                acc |= 1UL << bit;
            }
            else
            {
                others |= 1UL << bit;
            }

            bit++;
        }

        return (Expression.Lambda<Func<SimWorld, SimWorld, ulong>>(body, a, b).Compile(), acc, others, bit);
    }

    /// <summary><c>&lt;Intents&gt;k__BackingField</c> → <c>Intents</c>.</summary>
    private static string PropertyName(string field) =>
        field.StartsWith('<') && field.IndexOf('>', StringComparison.Ordinal) is var end and > 0 ? field[1..end] : field;
}
