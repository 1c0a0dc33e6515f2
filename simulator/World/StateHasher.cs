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
    public static ulong Of(SimWorld w) => Of(w, symmetric: false, out _);

    /// <summary>
    /// The hash of <paramref name="w"/>; when <paramref name="symmetric"/> and attendees B and C have the same
    /// provider (three employees), the smaller of the hashes under the identity and under swapping B and C, so a
    /// state and its mirror image are one state. <paramref name="swapped"/> tells which naming was chosen (the
    /// explorer orders per-employee budgets the same way).
    /// </summary>
    public static ulong Of(SimWorld w, bool symmetric, out bool swapped)
    {
        swapped = false;
        // Times and subjects enter by rank among the values present: the sync and the invariants only compare
        // them for equality (and every simulated time lies on the same side of "now"), so a meeting moved twice
        // while nobody synced is the same state as one moved once.
        var ranks = Ranks.Rent();
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

            foreach (var (_, snap) in w.Agents[i].Events)
            {
                ranks.Note(snap.Item.Start, snap.Item.Subject);
            }
        }

        ranks.Seal();
        Span<int> map = stackalloc int[w.Mailboxes.Length];
        Span<int> inverse = stackalloc int[w.Mailboxes.Length];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = i;
            inverse[i] = i;
        }

        var identity = Mapped(w, ranks, map, inverse);
        if (!symmetric || w.Mailboxes.Length != 3 || w.Mailboxes[1].Provider != w.Mailboxes[2].Provider)
        {
            return identity;
        }

        map[1] = 2;
        map[2] = 1;
        inverse[1] = 2;
        inverse[2] = 1;
        var mirror = Mapped(w, ranks, map, inverse);
        swapped = mirror < identity;
        return swapped ? mirror : identity;
    }

    private static ulong Mapped(SimWorld w, Ranks ranks, ReadOnlySpan<int> map, ReadOnlySpan<int> inverse)
    {
        var h = new StateHasher(0x5EED);
        h.Add((int)w.Intents);
        h.Add(w.Created);
        h.Add(w.HeldDeletes > 0);
        h.Add(w.HeldCancels > 0);
        h.Add(w.Violated);
        h.Add(w.CancellationSent);
        h.Add(w.Crm.NextId);
        foreach (var r in w.Crm.Rows)
        {
            h.Add(r.ObjectId);
            h.Add(r.Uid);
            h.AddName(r.GroupwareItemId, map);
            h.Add(ranks.Of(r.Subject));
            h.Add(ranks.Of(r.Start));
            h.Add((int)r.Status);
            h.AddName(r.Owner, map);
            h.Add(r.Parties.Length);
            h.Add(r.Deleted);
        }

        for (var slot = 0; slot < w.Mailboxes.Length; slot++)
        {
            var i = inverse[slot];
            var mb = w.Mailboxes[i];
            var agent = w.Agents[i];
            h.Add(mb.NextId);
            foreach (var e in mb.Rows)
            {
                h.AddName(e.Id, map);
                h.Add(e.Uid);
                h.Add(e.Cancelled);
                h.Add(ranks.Of(e.Subject));
                h.Add(ranks.Of(e.Start));
                h.Add((int)e.OwnResponse);
                h.Add(e.Removed);
                h.Add(e.RemovedByOwner);
                h.Add(SimWorld.IsNews(agent, e));
                ulong attendees = 0;
                foreach (var a in e.Attendees)
                {
                    // Order-free: renaming employees reorders the sorted list.
                    var ah = new StateHasher(7);
                    ah.AddName(a.Address, map);
                    ah.Add((int)a.Response);
                    attendees = unchecked(attendees + ah.Value);
                }

                h.Add(attendees);
            }

            foreach (var r in w.Crm.Rows)
            {
                h.Add(SimWorld.IsNews(agent, r));
            }

            foreach (var (id, snap) in agent.Events)
            {
                h.AddName(id, map);
                h.Add(snap.LinkedRecord);
                AddItem(ref h, snap.Item, ranks);
                var row = w.FindEvent(i, id);
                h.Add(row is not null && !row.Removed && snap.Item.ChangeKey == Versions.ChangeKey(row.Version));
            }

            foreach (var (id, snap) in agent.Records)
            {
                h.Add(id);
                h.AddName(snap.Latest.GroupwareItemId, map);
                h.Add(snap.Latest.Uid?.Value);
                h.Add((int)snap.Latest.Status);
                h.AddName(snap.Latest.Owner, map);
                var row = w.FindRecord(id);
                h.Add(row is not null && snap.Latest.ETag == Versions.ETag(row.Version));
                h.Add(snap.Seen is null);
                h.Add(snap.Seen is not null && snap.Seen.ETag == snap.Latest.ETag);
                h.Add(snap.Seen is null ? -1 : (int)snap.Seen.Status);
            }
        }

        return h.Value;
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

        /// <summary>An empty instance, reused per thread (hashing is not reentrant).</summary>
        public static Ranks Rent()
        {
            var r = _shared ??= new Ranks();
            r._times.Clear();
            r._subjects.Clear();
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

        public int Of(DateTimeOffset time) => _times.IndexOf(time.UtcTicks);

        public int Of(string subject) => _subjects.IndexOf(subject);
    }
}
