using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>
/// A stable 64-bit hash of a world state (stores, sync states, messages, intents), so the explorer visits each
/// distinct state once. Hand-rolled (no LINQ, no string building) because it runs on every explored transition;
/// strings go through the runtime's per-process string hash, which is fine because states are compared within one run only.
/// </summary>
internal struct StateHasher
{
    private const ulong Prime = 0x100000001B3UL;
    private ulong _h;

    public StateHasher(ulong seed) => _h = 0xCBF29CE484222325UL ^ seed;

    public readonly ulong Value
    {
        get
        {
            var z = _h;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return z ^ (z >> 31);
        }
    }

    public void Add(ulong v) => _h = unchecked((_h ^ v) * Prime) ^ (_h >> 29);

    public void Add(long v) => Add(unchecked((ulong)v));

    public void Add(int v) => Add(unchecked((ulong)(uint)v));

    public void Add(bool v) => Add(v ? 1UL : 2UL);

    public void Add(string? s)
    {
        if (s is null)
        {
            Add(0xFFFFUL);
            return;
        }

        // Per-process string hashing (vectorized): states are only ever compared within one run, and the explorer's
        // order does not depend on hash values (dictionaries enumerate in insertion order), so results are stable.
        Add(s.Length);
        Add(unchecked((ulong)(uint)s.GetHashCode()));
    }

    public void Add(DateTimeOffset t) => Add(t.UtcTicks);

    /// <summary>Adds a string that may name an employee (<c>B</c>) or an employee's event (<c>B-ev1</c>), renamed by <paramref name="map"/>.</summary>
    public void AddName(string? s, ReadOnlySpan<int> map)
    {
        if (s is { Length: > 0 } && s[0] - 'A' is var i && i >= 0 && i < map.Length && (s.Length == 1 || s[1] == '-'))
        {
            Add(s.Length);
            _h = unchecked((_h ^ (uint)('A' + map[i])) * Prime);
            Add(s.Length == 1 ? 0UL : unchecked((ulong)(uint)string.GetHashCode(s.AsSpan(1))));
            return;
        }

        Add(s);
    }

    /// <summary>
    /// The hash of a world up to renaming of sequence numbers: change sequences, cursors, watermarks and versions
    /// enter only through the comparisons the sync makes (has this row changed since the agent's cursor? is the
    /// agent's snapshot the row's current version?), so two histories that leave every store, every sync state and
    /// every intent the same up to those comparisons are one state. Messages enter as "a cancellation was sent":
    /// the only thing an invariant reads from them.
    /// </summary>
    public static ulong Of(SimWorld w) => Of(w, symmetric: false, out _, out _);

    /// <inheritdoc cref="Of(SimWorld, bool, out bool, out ulong)"/>
    public static ulong Of(SimWorld w, bool symmetric, out bool swapped) => Of(w, symmetric, out swapped, out _);

    /// <summary>
    /// The hash of <paramref name="w"/>; when <paramref name="symmetric"/> and attendees B and C have the same
    /// provider (three employees), the smaller of the hashes under the identity and under swapping B and C, so a
    /// state and its mirror image are one state. <paramref name="swapped"/> tells which naming was chosen (the
    /// explorer orders per-employee budgets the same way).
    /// </summary>
    /// <param name="w">The world.</param>
    /// <param name="symmetric">Whether to take the smaller hash of the world and its mirror image.</param>
    /// <param name="swapped">Whether the mirror image's hash was taken.</param>
    /// <param name="identity">The hash under the identity naming (what <see cref="Of(SimWorld)"/> returns), computed on the way.</param>
    public static ulong Of(SimWorld w, bool symmetric, out bool swapped, out ulong identity) => Of(w, symmetric, out swapped, out identity, out _);

    /// <inheritdoc cref="Of(SimWorld, bool, out bool, out ulong)"/>
    /// <param name="w">The world.</param>
    /// <param name="symmetric">Whether to take the smaller hash of the world and its mirror image.</param>
    /// <param name="swapped">Whether the mirror image's hash was taken.</param>
    /// <param name="identity">The hash under the identity naming.</param>
    /// <param name="selfMirrored">Whether the world and its mirror image hash alike (B and C interchangeable in it), so a
    /// world of this hash may be either naming of the other.</param>
    public static ulong Of(SimWorld w, bool symmetric, out bool swapped, out ulong identity, out bool selfMirrored)
    {
        swapped = false;
        selfMirrored = false;
        // Times and subjects enter by rank among the values present: the sync and the invariants only compare
        // them for equality and with "now" and the window's edge (each time's side of both is hashed), so a meeting moved twice
        // while nobody synced is the same state as one moved once.
        var ranks = Ranks.Rent(w.SyncNow, w.SyncNow + SimWorld.WindowFuture, w.SyncNow - SimWorld.WindowPast);
        foreach (var r in w.Crm.Rows)
        {
            ranks.Note(r.Start, r.Subject);
        }

        for (var i = 0; i < w.Mailboxes.Length; i++)
        {
            foreach (var e in w.Mailboxes[i].Rows)
            {
                ranks.Note(e.Start, e.Subject);
            }

            foreach (var snap in w.View(i).Events)
            {
                ranks.Note(snap.Item.Start, snap.Item.Subject);
            }
        }

        ranks.Seal();

        // One pass hashes the world under both namings when B and C are interchangeable: everything that does not
        // name an employee goes into a content hash computed once per part (the CRM, each mailbox with its agent);
        // employee names go into a name hash per naming. A part's hash is its content hash and its name hash
        // combined; the world's is the parts' in slot order (under the mirror naming, slot 1 holds C and slot 2 B).
        var n = w.Mailboxes.Length;
        var mirror = symmetric && n == 3 && !w.Scenario.ExternalOrganizer && w.Mailboxes[1].Provider == w.Mailboxes[2].Provider;
        Span<int> same = stackalloc int[n];
        Span<int> swap = stackalloc int[n];
        for (var i = 0; i < n; i++)
        {
            same[i] = i;
            swap[i] = i;
        }

        if (mirror)
        {
            swap[1] = 2;
            swap[2] = 1;
        }

        var crm = Crm(w, ranks, same, swap, mirror, out var crmSwapped);
        Span<ulong> parts = stackalloc ulong[n];
        Span<ulong> partsSwapped = stackalloc ulong[n];
        for (var i = 0; i < n; i++)
        {
            parts[i] = Mailbox(w, i, ranks, same, swap, mirror, out partsSwapped[i]);
        }

        var h = new StateHasher(crm);
        for (var slot = 0; slot < n; slot++)
        {
            h.Add(parts[slot]);
        }

        identity = h.Value;
        if (!mirror)
        {
            return identity;
        }

        var m = new StateHasher(crmSwapped);
        for (var slot = 0; slot < n; slot++)
        {
            m.Add(partsSwapped[swap[slot]]);
        }

        var mirrored = m.Value;
        swapped = mirrored < identity;
        selfMirrored = mirrored == identity;
        return swapped ? mirrored : identity;
    }

    private static ulong Combine(ulong content, ulong names)
    {
        var h = new StateHasher(content);
        h.Add(names);
        return h.Value;
    }

    /// <summary>The world's flags and the CRM's rows: the hash under the identity naming, and under the swap when <paramref name="mirror"/>.</summary>
    private static ulong Crm(SimWorld w, Ranks ranks, ReadOnlySpan<int> identity, ReadOnlySpan<int> swap, bool mirror, out ulong swapped)
    {
        var c = new StateHasher(0x5EED);
        var ni = new StateHasher(0x4E41);
        var ns = new StateHasher(0x4E41);
        c.Add((int)w.Intents);
        c.Add(w.CrmDeletedAt);
        c.Add(w.PastTouched);
        c.Add(w.ClockDays);
        c.Add(w.SharedWhileAutoShareOff);
        c.Add(w.ExternalMeetingCancelled);
        c.Add(w.Uninvited);
        c.Add(w.SawCopyCancelled);
        c.Add(w.Created);
        c.Add(w.HeldDeletes > 0);
        c.Add(w.HeldCancels > 0);
        c.Add(w.Held is not null);
        c.Add(w.Violated);
        c.Add(w.CancellationSent);
        if (w.Scenario.HasSecondMeeting)
        {
            c.Add((int)w.SecondIntents);
            c.Add(w.SecondCancellationSent);
            c.Add(w.SecondHeldDeletes > 0);
            c.Add(w.SecondHeldCancels > 0);
        }

        if (w.Admit)
        {
            // The journal decides future admissions. Its entries name replicas as they are, not mirrored: explore
            // worlds that admit without symmetry (ExhaustiveExplorer does), so no two worlds merge unsoundly.
            foreach (var entry in w.OwnRemovals.Order(StringComparer.Ordinal))
            {
                c.Add(entry);
            }
        }
        c.Add(w.Crm.NextId);
        c.Add(w.Crm.Rows.Count);
        foreach (var r in w.Crm.Rows)
        {
            c.Add(r.ObjectId);
            c.Add(r.Uid);
            ni.AddName(r.GroupwareItemId, identity);
            c.Add(ranks.Of(r.Subject));
            c.Add(ranks.Of(r.Start));
            c.Add((int)r.Status);
            ni.AddName(r.Owner, identity);
            c.Add(r.Parties.Length);
            c.Add(r.Deleted);
            if (w.Scenario.HasSecondMeeting)
            {
                c.Add(SimWorld.IsSecond(r)); // Which meeting: a v1 record carries no UID.
            }

            if (mirror)
            {
                ns.AddName(r.GroupwareItemId, swap);
                ns.AddName(r.Owner, swap);
            }
        }

        var content = c.Value;
        swapped = mirror ? Combine(content, ns.Value) : 0;
        return Combine(content, ni.Value);
    }

    /// <summary>
    /// Mailbox <paramref name="i"/>, its agent's sync state, and what the agent has yet to read: the hash under the
    /// identity naming, and under the swap when <paramref name="mirror"/>.
    /// </summary>
    private static ulong Mailbox(SimWorld w, int i, Ranks ranks, ReadOnlySpan<int> identity, ReadOnlySpan<int> swap, bool mirror, out ulong swapped)
    {
        var mb = w.Mailboxes[i];
        var agent = w.View(i);
        var c = new StateHasher(0x4D42);
        var ni = new StateHasher(0x4E4D);
        var ns = new StateHasher(0x4E4D);
        c.Add(mb.NextId);
        c.Add(mb.Rows.Count);
        foreach (var e in mb.Rows)
        {
            ni.AddName(e.Id, identity);
            c.Add(e.Uid);
            c.Add(e.Cancelled);
            c.Add(ranks.Of(e.Subject));
            c.Add(ranks.Of(e.Start));
            c.Add((int)e.OwnResponse);
            c.Add(e.Removed);
            c.Add(e.RemovedByOwner);
            c.Add(SimWorld.IsNews(agent, e));
            ulong attendees = 0, attendeesSwapped = 0;
            foreach (var a in e.Attendees)
            {
                // Order-free: renaming employees reorders the sorted list.
                attendees = unchecked(attendees + Attendee(a, identity));
                if (mirror)
                {
                    attendeesSwapped = unchecked(attendeesSwapped + Attendee(a, swap));
                }
            }

            ni.Add(attendees);
            if (mirror)
            {
                ns.AddName(e.Id, swap);
                ns.Add(attendeesSwapped);
            }
        }

        foreach (var r in w.Crm.Rows)
        {
            c.Add(SimWorld.IsNews(agent, r));
        }

        c.Add(agent.EventIds.Length);
        for (var k = 0; k < agent.EventIds.Length; k++)
        {
            var id = agent.EventIds[k];
            var snap = agent.Events[k];
            ni.AddName(id, identity);
            if (mirror)
            {
                ns.AddName(id, swap);
            }

            c.Add(snap.LinkedRecord);
            c.Add(snap.OutOfWindow);
            AddItem(ref c, snap.Item, ranks);
            var row = w.FindEvent(i, id);
            c.Add(row is not null && !row.Removed && snap.Item.ChangeKey == Versions.ChangeKey(row.Version));
        }

        c.Add(agent.RecordIds.Length);
        for (var k = 0; k < agent.RecordIds.Length; k++)
        {
            var id = agent.RecordIds[k];
            var snap = agent.Records[k];
            c.Add(id);
            ni.AddName(snap.Latest.GroupwareItemId, identity);
            c.Add(snap.Latest.Uid?.Value);
            c.Add((int)snap.Latest.Status);
            ni.AddName(snap.Latest.Owner, identity);
            if (mirror)
            {
                ns.AddName(snap.Latest.GroupwareItemId, swap);
                ns.AddName(snap.Latest.Owner, swap);
            }

            var row = w.FindRecord(id);
            c.Add(row is not null && snap.Latest.ETag == Versions.ETag(row.Version));
            c.Add(snap.Seen is null);
            c.Add(snap.Seen is not null && snap.Seen.ETag == snap.Latest.ETag);
            c.Add(snap.Seen is null ? -1 : (int)snap.Seen.Status);
            c.Add(snap.OutOfWindow); // With the row's time (its version is the row's, else the record is news anyway): whether the clock carries it in.
        }

        var content = c.Value;
        swapped = mirror ? Combine(content, ns.Value) : 0;
        return Combine(content, ni.Value);
    }

    private static ulong Attendee(Engine.Sync.MeetingAttendee a, ReadOnlySpan<int> map)
    {
        var ah = new StateHasher(7);
        ah.AddName(a.Address, map);
        ah.Add((int)a.Response);
        return ah.Value;
    }

    private static void AddItem(ref StateHasher h, MailboxItem item, Ranks ranks)
    {
        h.Add(item.Removed);
        h.Add(item.IsOrganizer);
        h.Add(item.Cancelled);
        h.Add(ranks.Of(item.Subject));
        h.Add(ranks.Of(item.Start));
        h.Add((int)item.OwnResponse);
        foreach (var a in item.Attendees)
        {
            h.Add((int)a.Response);
        }
    }

    /// <summary>The distinct times and subjects of a world, each replaced by its rank.</summary>
    private sealed class Ranks
    {
        [ThreadStatic]
        private static Ranks? _shared;

        private readonly List<long> _times = new(8);
        private readonly List<string> _subjects = new(8);

        private long _now;
        private long _windowEdge;
        private long _pastEdge;

        /// <summary>
        /// An empty instance, reused per thread (hashing is not reentrant), for the syncs' clock <paramref name="now"/>,
        /// the sync window's far edge and its past edge.
        /// </summary>
        public static Ranks Rent(DateTimeOffset now, DateTimeOffset windowEdge, DateTimeOffset pastEdge)
        {
            var r = _shared ??= new Ranks();
            r._times.Clear();
            r._subjects.Clear();
            r._now = now.UtcTicks;
            r._windowEdge = windowEdge.UtcTicks;
            r._pastEdge = pastEdge.UtcTicks;
            return r;
        }

        public void Note(DateTimeOffset time, string subject)
        {
            if (!_times.Contains(time.UtcTicks))
            {
                _times.Add(time.UtcTicks);
            }

            if (!_subjects.Contains(subject))
            {
                _subjects.Add(subject);
            }
        }

        public void Seal()
        {
            _times.Sort();
            _subjects.Sort(StringComparer.Ordinal);
        }

        /// <summary>
        /// The time's rank, and on which side of "now", of the window's far edge and of its past edge it lies (the sync
        /// compares times with all three: timing, and whether a start lies in the window).
        /// </summary>
        public int Of(DateTimeOffset time) =>
            (_times.IndexOf(time.UtcTicks) * 8) + (time.UtcTicks > _windowEdge ? 4 : 0) + (time.UtcTicks < _pastEdge ? 2 : 0) + (time.UtcTicks < _now ? 1 : 0);

        public int Of(string subject) => _subjects.IndexOf(subject);
    }
}
