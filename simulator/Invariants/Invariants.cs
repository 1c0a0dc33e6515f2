using RulesSync.Engine.Sync;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Invariants;

/// <summary>
/// The named invariants every explored state (and every quiescent state) must hold. The first eight judge each
/// effect against who meant what: the organizer (cancelled or deleted the meeting), each attendee (deleted or declined
/// their own copy), a CRM user (cancelled or deleted the record), and the tenant (auto-share off).
/// </summary>
public enum InvariantId
{
    /// <summary>Nobody meant a cancellation: no cancellation is sent, no replica or record becomes cancelled, no cancel is decided.</summary>
    NoSpuriousCancellation,

    /// <summary>Nobody meant anything destructive: no CRM record or event disappears (but an attendee's own copy), no delete is decided.</summary>
    NoSpuriousDeletion,

    /// <summary>After every agent synced twice with no new actions, the CRM and all mailboxes agree.</summary>
    Convergence,

    /// <summary>At most one live CRM record and one live event per mailbox per meeting.</summary>
    NoDuplicates,

    /// <summary>A sync with nothing new writes nothing.</summary>
    Idempotence,

    /// <summary>A cancellation was meant, a deletion was not: nothing is deleted (CRM record, replica, or a decided delete).</summary>
    CancelIsNotDeletion,

    /// <summary>An attendee removed (deleted or declined) their own copy and nobody meant more: no other replica, the record or the meeting is deleted or cancelled.</summary>
    RemovalStaysPersonal,

    /// <summary>A CRM user deleted the record: no sync creates the meeting's record again.</summary>
    NoResurrection,

    /// <summary>The meeting lies in the past: no sync writes anything about it.</summary>
    PastUntouched,

    /// <summary>Auto-share is off: no sync creates a CRM record from a mailbox.</summary>
    NoAutoShareWhenOff,

    /// <summary>No effect is held by the planner: every decision is one the calendars and the CRM can carry out.</summary>
    NothingHeld,

    /// <summary>
    /// A customer organizes the meeting: no sync cancels or deletes any employee's copy of it or sends a cancellation
    /// for it. Only the organizer cancels a meeting for its attendees, and ours is not the organizer's calendar.
    /// </summary>
    ExternalOrganizerNeverCancelledFor,

    /// <summary>
    /// With the admit stage: no sync carries out more destructive effects than the mass-change budget allows. Judges
    /// the admit stage, not the rules; checked only in worlds that admit (not in <see cref="InvariantCatalog.All"/>).
    /// </summary>
    AdmittedWithinBudget,
}

/// <summary>The invariants' names and checks. Pure functions of a world state.</summary>
public static class InvariantCatalog
{
    /// <summary>Every invariant, in report order.</summary>
    public static IReadOnlyList<InvariantId> All { get; } =
    [
        InvariantId.NoSpuriousCancellation, InvariantId.NoSpuriousDeletion, InvariantId.Convergence, InvariantId.NoDuplicates, InvariantId.Idempotence,
        InvariantId.CancelIsNotDeletion, InvariantId.RemovalStaysPersonal, InvariantId.NoResurrection, InvariantId.PastUntouched, InvariantId.NoAutoShareWhenOff,
        InvariantId.NothingHeld, InvariantId.ExternalOrganizerNeverCancelledFor,
    ];

    /// <summary>The invariant's name in reports: <c>no-spurious-cancellation</c>, ...</summary>
    public static string Name(InvariantId id) => id switch
    {
        InvariantId.NoSpuriousCancellation => "no-spurious-cancellation",
        InvariantId.NoSpuriousDeletion => "no-spurious-deletion",
        InvariantId.Convergence => "convergence",
        InvariantId.NoDuplicates => "no-duplicates",
        InvariantId.Idempotence => "idempotence",
        InvariantId.CancelIsNotDeletion => "cancel-is-not-deletion",
        InvariantId.RemovalStaysPersonal => "removal-stays-personal",
        InvariantId.NoResurrection => "no-resurrection",
        InvariantId.PastUntouched => "past-untouched",
        InvariantId.NoAutoShareWhenOff => "no-auto-share-when-off",
        InvariantId.NothingHeld => "nothing-held",
        InvariantId.ExternalOrganizerNeverCancelledFor => "external-organizer-never-cancelled-for",
        InvariantId.AdmittedWithinBudget => "admitted-within-budget",
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    internal static int Bit(InvariantId id) => 1 << (int)id;

    /// <summary>The invariants checked after every step; returns the violated ones as bits, with a reason each.</summary>
    internal static int CheckStep(SimWorld w, List<(InvariantId Id, string Reason)>? reasons)
    {
        var mask = 0;

        // Each meeting is judged against its own intents: what was meant for one licenses nothing on the other.
        var personalRemoval = false;
        for (var i = w.Scenario.FirstAttendee; i < w.Scenario.Employees && !personalRemoval; i++)
        {
            personalRemoval = w.RemovedOwnCopy(i);
        }

        JudgeDestruction(w, new(false, w.Intents, personalRemoval, w.CancellationSent, w.HeldCancels, w.HeldCancelNote, w.HeldDeletes, w.HeldDeleteNote), ref mask, reasons);
        if (w.Scenario.HasSecondMeeting)
        {
            JudgeDestruction(w, new(true, w.SecondIntents, false, w.SecondCancellationSent, w.SecondHeldCancels, w.SecondHeldCancelNote, w.SecondHeldDeletes, w.SecondHeldDeleteNote), ref mask, reasons);
        }

        if (w.CrmDeletedAt > 0)
        {
            foreach (var r in w.Crm.Rows)
            {
                if (!r.Deleted && !SimWorld.IsSecond(r) && RecordNumber(r.ObjectId) > w.CrmDeletedAt)
                {
                    Fail(ref mask, reasons, InvariantId.NoResurrection, $"CRM record {r.ObjectId} was created after a CRM user deleted the appointment: the deletion was undone");
                }
            }
        }

        if (w.Scenario.ExternalOrganizer && (w.ExternalMeetingCancelled || w.CancellationSent))
        {
            Fail(ref mask, reasons, InvariantId.ExternalOrganizerNeverCancelledFor, $"a sync cancelled or deleted an employee's copy of {w.OrganizerName}'s meeting, or sent a cancellation for it: only the customer who organizes it may");
        }

        if (w.PastTouched)
        {
            Fail(ref mask, reasons, InvariantId.PastUntouched, "a sync wrote to a meeting that lies in the past");
        }

        if (w.Held is { } held)
        {
            Fail(ref mask, reasons, InvariantId.NothingHeld, held);
        }

        if (w.AdmittedOverBudget)
        {
            Fail(ref mask, reasons, InvariantId.AdmittedWithinBudget, $"a sync's admit stage let more than {w.Limits.MaxDestructivePerMailbox} destructive effects through");
        }

        if (w.SharedWhileAutoShareOff)
        {
            Fail(ref mask, reasons, InvariantId.NoAutoShareWhenOff, "a sync created a CRM record from a mailbox though auto-share is off");
        }

        // Counted per meeting: two meetings of one owner are one record and one event per calendar each.
        int liveRecords = 0, liveSecondRecords = 0;
        foreach (var r in w.Crm.Rows)
        {
            if (!r.Deleted)
            {
                _ = SimWorld.IsSecond(r) ? liveSecondRecords++ : liveRecords++;
            }
        }

        if (liveRecords > 1 || liveSecondRecords > 1)
        {
            var second = liveSecondRecords > 1;
            Fail(ref mask, reasons, InvariantId.NoDuplicates, $"the CRM holds {(second ? liveSecondRecords : liveRecords)} live records of {(second ? "the second meeting (m2)" : "the meeting")}");
        }

        foreach (var mb in w.Mailboxes)
        {
            int live = 0, liveSecond = 0;
            foreach (var e in mb.Rows)
            {
                if (!e.Removed)
                {
                    _ = SimWorld.IsSecond(e) ? liveSecond++ : live++;
                }
            }

            if (live > 1 || liveSecond > 1)
            {
                var second = liveSecond > 1;
                Fail(ref mask, reasons, InvariantId.NoDuplicates, $"{mb.Owner}'s calendar holds {(second ? liveSecond : live)} events of {(second ? "the second meeting (m2)" : "the meeting")}");
            }
        }

        return mask;
    }

    /// <summary>What one meeting's judgement reads: which meeting, its intents, and what the syncs did to it.</summary>
    private readonly record struct MeetingJudgement(bool Second, Intents Intents, bool PersonalRemoval, bool CancellationSent, int HeldCancels, string? HeldCancelNote, int HeldDeletes, string? HeldDeleteNote);

    /// <summary>
    /// The cancellations and deletions of one meeting's replicas and record, its messages and its held decisions, judged
    /// against that meeting's intents only (who may have licensed them: only meeting-level intents do; an attendee's
    /// removal of their own copy licenses nothing beyond it; a cancel licenses no deletion).
    /// </summary>
    private static void JudgeDestruction(SimWorld w, MeetingJudgement m, ref int mask, List<(InvariantId Id, string Reason)>? reasons)
    {
        var intents = m.Intents;
        var cancelMeant = (intents & (Intents.OrganizerCancelled | Intents.OrganizerDeleted | Intents.CrmCancelled)) != 0;
        var deletionMeant = (intents & (Intents.OrganizerDeleted | Intents.CrmDeleted)) != 0;
        var personal = m.PersonalRemoval && (intents & ~Intents.CrmRemovedParty) == Intents.None;
        var unmeantCancel = personal ? InvariantId.RemovalStaysPersonal : InvariantId.NoSpuriousCancellation;
        var unmeantDeletion = (intents & (Intents.OrganizerCancelled | Intents.CrmCancelled)) != 0 ? InvariantId.CancelIsNotDeletion
            : personal ? InvariantId.RemovalStaysPersonal
            : InvariantId.NoSpuriousDeletion;
        var meeting = m.Second ? "the second meeting (m2)" : "the meeting";
        var unmeantWhy = unmeantDeletion switch
        {
            InvariantId.CancelIsNotDeletion => $"only a cancellation of {meeting} was meant",
            InvariantId.RemovalStaysPersonal => "only an attendee removed their own copy",
            _ => $"nobody deleted or cancelled {meeting}",
        };

        if (!cancelMeant)
        {
            var why = unmeantCancel == InvariantId.RemovalStaysPersonal ? "only an attendee removed their own copy" : $"nobody cancelled {meeting}";
            if (m.CancellationSent)
            {
                foreach (var msg in w.Messages)
                {
                    if (msg.Kind == MessageKind.Cancellation && SimWorld.IsAgentCause(msg.Cause) && (msg.Uid == SimWorld.SecondUid) == m.Second)
                    {
                        Fail(ref mask, reasons, unmeantCancel, $"{msg.To} received a cancellation{(m.Second ? " of m2" : string.Empty)} from {msg.From} ({msg.Cause}) though {why}");
                        break;
                    }
                }
            }

            foreach (var r in w.Crm.Rows)
            {
                if (!r.Deleted && r.Status == CrmStatus.Cancelled && SimWorld.IsSecond(r) == m.Second)
                {
                    Fail(ref mask, reasons, unmeantCancel, $"CRM record {r.ObjectId} is cancelled though {why}");
                }
            }

            if (m.HeldCancels > 0)
            {
                Fail(ref mask, reasons, unmeantCancel, $"{m.HeldCancelNote ?? "a rule decided to cancel (held)"} — though {why}");
            }

            if (m.Second)
            {
                // The first meeting's replicas turning cancelled are judged by the message and the record above; the
                // second meeting's copies are judged here too, since its cancellation by a sync of A's event shows there.
                foreach (var mb in w.Mailboxes)
                {
                    foreach (var e in mb.Rows)
                    {
                        if (!e.Removed && e.Cancelled && SimWorld.IsSecond(e))
                        {
                            Fail(ref mask, reasons, unmeantCancel, $"{e.Id} in {mb.Owner}'s calendar is cancelled though {why}");
                        }
                    }
                }
            }
        }

        if (!deletionMeant)
        {
            foreach (var r in w.Crm.Rows)
            {
                if (r.Deleted && SimWorld.IsSecond(r) == m.Second)
                {
                    Fail(ref mask, reasons, unmeantDeletion, $"CRM record {r.ObjectId} was deleted though {unmeantWhy}");
                }
            }

            foreach (var mb in w.Mailboxes)
            {
                foreach (var e in mb.Rows)
                {
                    if (e.Removed && !e.RemovedByOwner && SimWorld.IsSecond(e) == m.Second)
                    {
                        Fail(ref mask, reasons, unmeantDeletion, $"{e.Id} vanished from {mb.Owner}'s calendar though {unmeantWhy}");
                    }
                }
            }

            if (m.HeldDeletes > 0)
            {
                Fail(ref mask, reasons, unmeantDeletion, $"{m.HeldDeleteNote ?? "a rule decided to delete (held)"} — though {unmeantWhy}");
            }
        }
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
        if (w.LiveReplicasPast)
        {
            return mask; // Past meetings are history: no policy carries them anywhere, so nothing must converge.
        }

        if (w.Scenario.HasSecondMeeting && w.MeetingBeyondWindow)
        {
            CheckSecondMeetingConvergence(w, ref mask, reasons);
            return mask; // Beyond the window, the first meeting is out of scope; the second is not.
        }

        if (w.MeetingBeyondWindow)
        {
            return mask;
        }

        if (w.Scenario.HasSecondMeeting)
        {
            CheckSecondMeetingConvergence(w, ref mask, reasons);
        }

        var org = w.LiveEvent(w.OrganizerMailbox);
        var record = w.LiveRecord();

        // A customer's meeting is never auto-shared (only an organizer's calendar shares), and a CRM user's edit or
        // cancellation of its tracked record cannot reach it: the record must only follow the customer's cancellation.
        var external = w.Scenario.ExternalOrganizer;
        if (record is null && org is { Cancelled: false } && w.Scenario.AutoShare && (w.Intents & Intents.CrmDeleted) == 0 && !external)
        {
            Fail(ref mask, reasons, InvariantId.Convergence, $"auto-share is on but the CRM has no record of A's meeting {org.Id}");
        }

        if (record is not null && external)
        {
            // Only an employee's copy tells our syncs of the customer's cancellation, and only a copy that a sync can
            // tie to the record (any copy on v2, where the record carries the meeting's UID; only the linked copy on
            // v1) and that its owner's sync saw turn cancelled while they were invited. Once every such copy is gone
            // (deleted by its owner before their sync saw it cancelled), no sync can know.
            if ((org is null || org.Cancelled) && record.Status != CrmStatus.Cancelled && CancellationVisible(w, record))
            {
                Fail(ref mask, reasons, InvariantId.Convergence, $"{w.OrganizerName} cancelled the meeting but CRM record {record.ObjectId} is still open");
            }
        }
        else if (record is not null)
        {
            if (org is null)
            {
                // A completed record is an activity that took place: nothing requires it in the calendar.
                if (record.Status == CrmStatus.Open && w.Created)
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

        for (var i = 0; i < w.Scenario.Employees; i++)
        {
            var copy = w.LiveEvent(i);
            if (copy is null || !w.IsAttendee(i))
            {
                continue; // A removed attendee's copy is the organizer's to end, not a sync's.
            }

            var name = w.Mailboxes[i].Owner;
            if (org is null)
            {
                if (!copy.Cancelled && w.HeldFirstMeeting(w.OrganizerMailbox))
                {
                    Fail(ref mask, reasons, InvariantId.Convergence, $"{name}'s copy {copy.Id} is still on though {w.OrganizerName}'s event is gone");
                }
            }
            else if (copy.Cancelled != org.Cancelled || (!org.Cancelled && (copy.Start != org.Start || copy.Subject != org.Subject)))
            {
                Fail(ref mask, reasons, InvariantId.Convergence, $"{name}'s copy {copy.Id} disagrees with {w.OrganizerName}'s event");
            }
        }

        return mask;
    }

    /// <summary>
    /// The second meeting converges on its own: its record (with auto-share on, it must have one while open; nobody's
    /// intent removes it) agrees with A's event on status, time, subject and attendees, and every employee's copy agrees
    /// with A's event. Called only when the live replicas are not all past.
    /// </summary>
    private static void CheckSecondMeetingConvergence(SimWorld w, ref int mask, List<(InvariantId Id, string Reason)>? reasons)
    {
        var org = w.LiveEvent(0, SimWorld.SecondUid);
        var record = w.LiveSecondRecord();
        if (record is null && org is { Cancelled: false } && w.Scenario.AutoShare)
        {
            Fail(ref mask, reasons, InvariantId.Convergence, $"auto-share is on but the CRM has no record of A's second meeting {org.Id} (m2)");
        }

        if (record is not null && org is null && record.Status != CrmStatus.Cancelled)
        {
            Fail(ref mask, reasons, InvariantId.Convergence, $"CRM record {record.ObjectId} of the second meeting is open but A's calendar has no such meeting");
        }
        else if (record is not null && org is not null)
        {
            if (org.Cancelled != (record.Status == CrmStatus.Cancelled))
            {
                Fail(ref mask, reasons, InvariantId.Convergence, $"A's second meeting {org.Id} is {(org.Cancelled ? "cancelled" : "open")}, its CRM record {record.ObjectId} is {(record.Status == CrmStatus.Cancelled ? "cancelled" : "open")}");
            }
            else if (!org.Cancelled && (org.Start != record.Start || org.End != record.End || org.Subject != record.Subject || !SameAttendees(org, record)))
            {
                Fail(ref mask, reasons, InvariantId.Convergence, $"A's second meeting \"{org.Subject}\" {org.Start:MM-dd HH:mm} and its CRM record {record.ObjectId} \"{record.Subject}\" {record.Start:MM-dd HH:mm} disagree");
            }
        }

        for (var i = 1; i < w.Scenario.Employees; i++)
        {
            if (w.LiveEvent(i, SimWorld.SecondUid) is not { } copy)
            {
                continue;
            }

            if (org is null ? !copy.Cancelled : copy.Cancelled != org.Cancelled || (!org.Cancelled && (copy.Start != org.Start || copy.Subject != org.Subject)))
            {
                Fail(ref mask, reasons, InvariantId.Convergence, $"{w.Mailboxes[i].Owner}'s copy {copy.Id} of the second meeting disagrees with A's event");
            }
        }
    }

    /// <summary>Whether some invited employee's live copy that a sync can tie to <paramref name="record"/> shows the meeting cancelled.</summary>
    private static bool CancellationVisible(SimWorld w, CrmRow record)
    {
        for (var i = 0; i < w.Scenario.Employees; i++)
        {
            if (w.IsAttendee(i) && w.LiveEvent(i) is { Cancelled: true } copy && (w.SawCopyCancelled & (1 << i)) != 0
                && (w.Scenario.ApiVersion == Engine.Changes.ApiVersion.V2 || copy.Id == record.GroupwareItemId))
            {
                return true;
            }
        }

        return false;
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

    /// <summary>The number of a simulated ObjectID (<c>R3</c> → 3).</summary>
    private static int RecordNumber(string objectId)
    {
        var n = 0;
        for (var i = 1; i < objectId.Length; i++)
        {
            n = (n * 10) + (objectId[i] - '0');
        }

        return n;
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
