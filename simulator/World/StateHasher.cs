using RulesSync.Engine.Sync;

namespace RulesSync.Simulator.World;

/// <summary>
/// A stable 64-bit hash of a world state (stores, sync states, messages, intents), so the explorer visits each
/// distinct state once. Hand-rolled (no LINQ, no string building) because it runs on every explored transition;
/// stable across processes (no randomized string hashing), so distinct-state counts are reproducible.
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

        Add(s.Length);
        foreach (var c in s)
        {
            _h = unchecked((_h ^ c) * Prime);
        }
    }

    public void Add(DateTimeOffset t) => Add(t.UtcTicks);

    public static ulong Of(SimWorld w)
    {
        var h = new StateHasher(0x5EED);
        h.Add((int)w.Intents);
        h.Add(w.Created);
        h.Add(w.FirstSyncer);
        h.Add(w.HeldDeletes);
        h.Add(w.HeldCancels);
        h.Add(w.Violated);
        h.Add(w.Crm.Seq);
        h.Add(w.Crm.NextId);
        foreach (var r in w.Crm.Rows)
        {
            h.Add(r.ObjectId);
            h.Add(r.Uid);
            h.Add(r.GroupwareItemId);
            h.Add(r.Subject);
            h.Add(r.Start);
            h.Add((int)r.Status);
            h.Add(r.Owner);
            h.Add(r.Parties.Length);
            h.Add(r.Version);
            h.Add(r.Changed);
            h.Add(r.Deleted);
        }

        foreach (var mb in w.Mailboxes)
        {
            h.Add(mb.Seq);
            h.Add(mb.NextId);
            foreach (var e in mb.Rows)
            {
                h.Add(e.Id);
                h.Add(e.Uid);
                h.Add(e.Cancelled);
                h.Add(e.Subject);
                h.Add(e.Start);
                h.Add((int)e.OwnResponse);
                h.Add(e.Version);
                h.Add(e.Changed);
                h.Add(e.Removed);
                h.Add(e.RemovedByOwner);
                foreach (var a in e.Attendees)
                {
                    h.Add(a.Address);
                    h.Add((int)a.Response);
                }
            }
        }

        foreach (var s in w.Agents)
        {
            h.Add(s.Cursor.Position);
            h.Add(s.Watermark.Value);
            foreach (var (id, snap) in s.Events)
            {
                h.Add(id);
                h.Add(snap.LinkedRecord);
                AddItem(ref h, snap.Item);
            }

            foreach (var (id, snap) in s.Records)
            {
                h.Add(id);
                h.Add(snap.Latest.ETag);
                h.Add(snap.Latest.GroupwareItemId);
                h.Add(snap.Seen?.ETag);
            }
        }

        h.Add(w.Messages.Count);
        foreach (var m in w.Messages)
        {
            h.Add((int)m.Kind);
            h.Add(m.To);
        }

        return h.Value;
    }

    private static void AddItem(ref StateHasher h, MailboxItem item)
    {
        h.Add(item.ChangeKey);
        h.Add(item.Removed);
        h.Add(item.Cancelled);
        h.Add(item.Subject);
        h.Add(item.Start);
        h.Add((int)item.OwnResponse);
        foreach (var a in item.Attendees)
        {
            h.Add((int)a.Response);
        }
    }
}
