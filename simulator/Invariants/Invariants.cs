using RulesSync.Engine.Sync;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Invariants;

/// <summary>The named invariants every explored state (and every quiescent state) must hold.</summary>
public enum InvariantId
{
    /// <summary>A cancellation is sent, and a replica becomes cancelled, only if the organizer or a CRM user cancelled (or the organizer deleted) the meeting.</summary>
    NoSpuriousCancellation,

    /// <summary>A CRM record or event disappears only if someone deleted or cancelled the meeting, or an attendee removed their own copy; a held destructive decision counts too.</summary>
    NoSpuriousDeletion,

    /// <summary>After every agent synced twice with no new actions, the CRM and all mailboxes agree.</summary>
    Convergence,

    /// <summary>At most one live CRM record and one live event per mailbox per meeting.</summary>
    NoDuplicates,

    /// <summary>A sync with nothing new writes nothing.</summary>
    Idempotence,
}

/// <summary>The invariants' names and checks. Pure functions of a world state.</summary>
public static class InvariantCatalog
{
    /// <summary>Every invariant, in report order.</summary>
    public static IReadOnlyList<InvariantId> All { get; } =
        [InvariantId.NoSpuriousCancellation, InvariantId.NoSpuriousDeletion, InvariantId.Convergence, InvariantId.NoDuplicates, InvariantId.Idempotence];

    /// <summary>The invariant's name in reports: <c>no-spurious-cancellation</c>, ...</summary>
    public static string Name(InvariantId id) => id switch
    {
        InvariantId.NoSpuriousCancellation => "no-spurious-cancellation",
        InvariantId.NoSpuriousDeletion => "no-spurious-deletion",
        InvariantId.Convergence => "convergence",
        InvariantId.NoDuplicates => "no-duplicates",
        InvariantId.Idempotence => "idempotence",
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    internal static int Bit(InvariantId id) => 1 << (int)id;

    /// <summary>The invariants checked after every step; returns the violated ones as bits, with a reason each.</summary>
    internal static int CheckStep(SimWorld w, List<(InvariantId Id, string Reason)>? reasons)
    {
        var mask = 0;
        var cancelMeant = (w.Intents & (Intents.OrganizerCancelled | Intents.OrganizerDeleted | Intents.CrmCancelled)) != 0;
        var removalMeant = cancelMeant || (w.Intents & Intents.CrmDeleted) != 0;

        if (!cancelMeant)
        {
            if (w.CancellationSent)
            {
                foreach (var m in w.Messages)
                {
                    if (m.Kind == MessageKind.Cancellation)
                    {
                        Fail(ref mask, reasons, InvariantId.NoSpuriousCancellation, $"{m.To} received a cancellation from {m.From} ({m.Cause}) though nobody cancelled the meeting");
                        break;
                    }
                }
            }

            foreach (var r in w.Crm.Rows)
            {
                if (!r.Deleted && r.Status == CrmStatus.Cancelled)
                {
                    Fail(ref mask, reasons, InvariantId.NoSpuriousCancellation, $"CRM record {r.ObjectId} is cancelled though nobody cancelled the meeting");
                }
            }

            if (w.HeldCancels > 0)
            {
                Fail(ref mask, reasons, InvariantId.NoSpuriousCancellation, $"{w.HeldCancelNote ?? "a rule decided to cancel (held)"} — though nobody cancelled the meeting");
            }
        }

        if (!removalMeant)
        {
            foreach (var r in w.Crm.Rows)
            {
                if (r.Deleted)
                {
                    Fail(ref mask, reasons, InvariantId.NoSpuriousDeletion, $"CRM record {r.ObjectId} was deleted though nobody deleted or cancelled the meeting");
                }
            }

            foreach (var mb in w.Mailboxes)
            {
                foreach (var e in mb.Rows)
                {
                    if (e.Removed && !e.RemovedByOwner)
                    {
                        Fail(ref mask, reasons, InvariantId.NoSpuriousDeletion, $"{e.Id} vanished from {mb.Owner}'s calendar though nobody deleted or cancelled the meeting");
                    }
                }
            }

            if (w.HeldDeletes > 0)
            {
                Fail(ref mask, reasons, InvariantId.NoSpuriousDeletion, $"{w.HeldDeleteNote ?? "a rule decided to delete (held)"} — though nobody deleted the meeting");
            }
        }

        var liveRecords = 0;
        foreach (var r in w.Crm.Rows)
        {
            liveRecords += r.Deleted ? 0 : 1;
        }

        if (liveRecords > 1)
        {
            Fail(ref mask, reasons, InvariantId.NoDuplicates, $"the CRM holds {liveRecords} live records of the meeting");
        }

        foreach (var mb in w.Mailboxes)
        {
            var live = 0;
            foreach (var e in mb.Rows)
            {
                live += e.Removed ? 0 : 1;
            }

            if (live > 1)
            {
                Fail(ref mask, reasons, InvariantId.NoDuplicates, $"{mb.Owner}'s calendar holds {live} events of the meeting");
            }
        }

        return mask;
    }

    /// <summary>
    /// Convergence at quiescence: the live CRM record agrees with the organizer's event (existence, status, time,
    /// subject, attendees) — a live, open record without the organizer's event is a divergence, while a meeting the
    /// CRM never received (auto-share off) or a CRM user deleted is not; every employee attendee's live copy agrees
    /// with the organizer's event, or is cancelled when that event is gone.
    /// </summary>
    internal static int CheckConvergence(SimWorld w, List<(InvariantId Id, string Reason)>? reasons)
    {
        var mask = 0;
        if (w.Scenario.Past)
        {
            return mask; // Past meetings are history: no policy carries them anywhere, so nothing must converge.
        }

        var org = w.LiveEvent(0);
        CrmRow? record = null;
        foreach (var r in w.Crm.Rows)
        {
            if (!r.Deleted)
            {
                record = r;
                break;
            }
        }

        if (record is not null)
        {
            if (org is null)
            {
                if (record.Status != CrmStatus.Cancelled && w.Created)
                {
                    Fail(ref mask, reasons, InvariantId.Convergence, $"CRM record {record.ObjectId} is open but A's calendar has no such meeting");
                }
            }
            else
            {
                if (org.Cancelled != (record.Status == CrmStatus.Cancelled))
                {
                    Fail(ref mask, reasons, InvariantId.Convergence, $"A's event is {(org.Cancelled ? "cancelled" : "open")}, CRM record {record.ObjectId} is {(record.Status == CrmStatus.Cancelled ? "cancelled" : "open")}");
                }
                else if (org.Cancelled)
                {
                    // Both cancelled: time and subject of a cancelled meeting no longer matter.
                }
                else if (org.Start != record.Start || org.End != record.End || org.Subject != record.Subject || !SameAttendees(org, record))
                {
                    Fail(ref mask, reasons, InvariantId.Convergence, $"A's event \"{org.Subject}\" {org.Start:MM-dd HH:mm} and CRM record {record.ObjectId} \"{record.Subject}\" {record.Start:MM-dd HH:mm} disagree");
                }
            }
        }

        for (var i = 1; i < w.Mailboxes.Length; i++)
        {
            var copy = w.LiveEvent(i);
            if (copy is null)
            {
                continue;
            }

            var name = w.Mailboxes[i].Owner;
            if (org is null)
            {
                if (!copy.Cancelled && w.Mailboxes[0].Rows.Count > 0)
                {
                    Fail(ref mask, reasons, InvariantId.Convergence, $"{name}'s copy {copy.Id} is still on though A's event is gone");
                }
            }
            else if (copy.Cancelled != org.Cancelled || (!org.Cancelled && (copy.Start != org.Start || copy.Subject != org.Subject)))
            {
                Fail(ref mask, reasons, InvariantId.Convergence, $"{name}'s copy {copy.Id} disagrees with A's event");
            }
        }

        return mask;
    }

    /// <summary>Whether the organizer's attendees and the record's non-organizer parties are the same addresses (as multisets).</summary>
    private static bool SameAttendees(EventRow org, CrmRow record)
    {
        var parties = 0;
        foreach (var p in record.Parties)
        {
            parties += p.Role != PartyRole.Organizer ? 1 : 0;
        }

        if (parties != org.Attendees.Length)
        {
            return false;
        }

        foreach (var a in org.Attendees)
        {
            var inEvent = 0;
            foreach (var b in org.Attendees)
            {
                inEvent += b.Address == a.Address ? 1 : 0;
            }

            var inRecord = 0;
            foreach (var p in record.Parties)
            {
                inRecord += p.Role != PartyRole.Organizer && p.Party == a.Address ? 1 : 0;
            }

            if (inEvent != inRecord)
            {
                return false;
            }
        }

        return true;
    }

    private static void Fail(ref int mask, List<(InvariantId Id, string Reason)>? reasons, InvariantId id, string reason)
    {
        if ((mask & Bit(id)) == 0)
        {
            reasons?.Add((id, reason));
        }

        mask |= Bit(id);
    }
}
