using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Reports;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.World;

/// <summary>
/// What users meant to do to the meeting as a whole: the ground truth invariants judge syncs against. What one
/// attendee meant for their own copy (deleted or declined it) is on that copy's row (<see cref="EventRow.RemovedByOwner"/>,
/// <see cref="EventRow.OwnResponse"/>): it licenses nothing beyond that copy.
/// </summary>
[Flags]
internal enum Intents : byte
{
    None = 0,

    /// <summary>The organizer cancelled the meeting in their calendar: licenses cancelling it everywhere, never deleting.</summary>
    OrganizerCancelled = 1,

    /// <summary>The organizer deleted the meeting from their calendar: licenses cancelling and deleting it.</summary>
    OrganizerDeleted = 2,

    /// <summary>A CRM user cancelled the appointment: licenses cancelling the meeting, never deleting.</summary>
    CrmCancelled = 4,

    /// <summary>A CRM user deleted the appointment: licenses removing the meeting's replicas; the record stays deleted (no resurrection).</summary>
    CrmDeleted = 8,

    /// <summary>
    /// A CRM user removed an employee from the record's parties: licenses the end of that employee's copy by the
    /// organizer's calendar (their cancellation, Google's removal) once a sync carries the removal there; nothing else.
    /// </summary>
    CrmRemovedParty = 16,
}

/// <summary>One simulated mailbox: its provider, its events (removed ones as tombstones), its change sequence.</summary>
internal sealed class MailboxStore
{
    public required string Owner { get; init; }

    public required Provider Provider { get; init; }

    public List<EventRow> Rows { get; init; } = [];

    public long Seq { get; set; }

    public int NextId { get; set; }

    public MailboxStore Clone() => new() { Owner = Owner, Provider = Provider, Rows = [.. Rows], Seq = Seq, NextId = NextId };
}

/// <summary>The simulated CRM: rows (deleted ones as tombstones) and the change sequence the polls read.</summary>
internal sealed class CrmStore
{
    public List<CrmRow> Rows { get; init; } = [];

    public long Seq { get; set; }

    public int NextId { get; set; }

    public CrmStore Clone() => new() { Rows = [.. Rows], Seq = Seq, NextId = NextId };
}

/// <summary>
/// The whole simulated world for one scenario: the CRM, every employee's mailbox, every employee's sync state,
/// the messages sent, and what users meant. Mutable and cheap to clone; not thread-safe. Each step mutates it.
/// </summary>
internal sealed partial class SimWorld
{
    public const string MeetingUid = "m1";

    /// <summary>The UID of the organizer's second meeting (<see cref="Scenarios.Scenario.SecondMeeting"/>).</summary>
    public const string SecondUid = "m2";

    private static readonly string[] AgentCauses = [.. Enumerable.Range(0, 26).Select(i => "agent:" + Scenario.EmployeeName(i))];

    /// <summary>Whether this world may write <see cref="Crm"/> in place (not shared with a clone).</summary>
    private bool _ownsCrm = true;

    /// <summary>Which mailbox stores this world may write in place (bit per employee; not shared with a clone).</summary>
    private int _ownedMailboxes = -1;

    private SimWorld(Scenario scenario, IDecisionPolicy policy, DateTimeOffset now)
    {
        Scenario = scenario;
        Policy = policy;
        Now = now;
    }

    public Scenario Scenario { get; }

    public IDecisionPolicy Policy { get; }

    public DateTimeOffset Now { get; }

    /// <summary>
    /// How many days passed (<see cref="StepKind.ClockAdvances"/>, <see cref="ClockStepDays"/>): 0; 10 (the meeting a
    /// week ahead is past); 40 (it left the window at its past edge); or what carried a meeting beyond the window in.
    /// </summary>
    public int ClockDays { get; set; }

    /// <summary>Whether time passed: the syncs' clock reads <see cref="SyncNow"/>, <see cref="ClockDays"/> on.</summary>
    public bool ClockAdvanced => ClockDays > 0;

    /// <summary>The clock reading the syncs get: <see cref="Now"/>, <see cref="ClockDays"/> later.</summary>
    public DateTimeOffset SyncNow => Now.AddDays(ClockDays);

    public CrmStore Crm { get; private set; } = new();

    public MailboxStore[] Mailboxes { get; private set; } = [];

    /// <summary>Each agent's sync state, flattened (<see cref="AgentView"/>) once per sync for the explorer's reads; shared by clones.</summary>
    public AgentView[] Agents { get; private set; } = [];

    /// <summary>Agent <paramref name="employee"/>'s sync state.</summary>
    public AgentView View(int employee) => Agents[employee];

    /// <summary>Every message sent, oldest first. Persistent, so clones share it.</summary>
    public MessageLog Messages { get; private set; } = MessageLog.Empty;

    /// <summary>Whether any cancellation was sent (what the invariants and the state hash read).</summary>
    public bool CancellationSent { get; private set; }

    public Intents Intents { get; set; }

    /// <summary>What users meant for the second meeting (<see cref="SecondUid"/>): judged apart from <see cref="Intents"/>.</summary>
    public Intents SecondIntents { get; set; }

    /// <summary>Whether a sync caused a cancellation of the second meeting to be sent.</summary>
    public bool SecondCancellationSent { get; private set; }

    /// <summary>Destructive decisions the planner held about the second meeting (delete, cancel), by action.</summary>
    public int SecondHeldDeletes { get; set; }

    public int SecondHeldCancels { get; set; }

    /// <summary>The first held deletion and cancellation of the second meeting, in words.</summary>
    public string? SecondHeldDeleteNote { get; set; }

    public string? SecondHeldCancelNote { get; set; }

    /// <summary>
    /// When a CRM user deleted the appointment: the CRM's record counter at that moment (records numbered above it
    /// were created afterwards, by a sync: a resurrection); 0 while no CRM user deleted it.
    /// </summary>
    public int CrmDeletedAt { get; set; }

    /// <summary>Whether a sync wrote to a store while the meeting lay in the past.</summary>
    public bool PastTouched { get; set; }

    /// <summary>Whether a sync created a CRM record from a mailbox while the tenant's auto-share is off.</summary>
    public bool SharedWhileAutoShareOff { get; set; }

    /// <summary>
    /// Whether a sync cancelled or deleted a replica of a meeting a customer organizes (or sent a cancellation for it):
    /// only the customer may cancel their meeting, for anyone.
    /// </summary>
    public bool ExternalMeetingCancelled { get; set; }

    /// <summary>
    /// Employees whose sync saw their copy turn cancelled while they were invited (bit per employee): the only way
    /// our syncs learn of a customer's cancellation. A copy cancelled when its owner was removed, then reopened and
    /// cancelled again between two syncs, reads as merely updated.
    /// </summary>
    public int SawCopyCancelled { get; set; }

    /// <summary>Employees the organizer removed from the meeting (bit per employee), while removed.</summary>
    public int Uninvited { get; set; }

    /// <summary>The mailbox holding the organizer's event: employee A's, or the customer's (after the employees', never synced).</summary>
    public int OrganizerMailbox => Scenario.ExternalOrganizer ? Scenario.Employees : 0;

    /// <summary>The organizer's address (what the organizer's user actions are traced as).</summary>
    public string OrganizerName => Scenario.Organizer;

    /// <summary>Whether employee <paramref name="employee"/> is invited to the meeting (not the organizer, not removed by the organizer).</summary>
    public bool IsAttendee(int employee) =>
        employee >= Scenario.FirstAttendee && employee < Scenario.Employees && (Uninvited & (1 << employee)) == 0;

    public bool Created { get; set; }

    /// <summary>The first employee whose sync ran after the meeting was created; -1 before.</summary>
    public int FirstSyncer { get; set; } = -1;

    /// <summary>Destructive decisions the planner held (delete, cancel), by action.</summary>
    public int HeldDeletes { get; set; }

    public int HeldCancels { get; set; }

    /// <summary>Destructive effects the admit stage held (with <see cref="Admit"/>), counted apart from the planner's holds.</summary>
    public int AdmissionHeld { get; set; }

    /// <summary>
    /// Whether syncs run the admit and journal stages as the runner does (<see cref="SyncStages"/>: the intent guard and
    /// the mass-change budget over the in-memory journal <see cref="SimJournal"/>), and crashes at the journal/carry-out
    /// boundary are steps (<see cref="Scenarios.StepKind.SyncCrashes"/>).
    /// </summary>
    public bool Admit { get; private set; }

    /// <summary>The mass-change guard's limits the admit stage applies (each simulated sync is one mailbox's cycle).</summary>
    public GuardLimits Limits { get; private set; } = GuardLimits.Defaults;

    /// <summary>Whether some sync's admit stage let more destructive effects through than the budget allows (<c>admitted-within-budget</c>).</summary>
    public bool AdmittedOverBudget { get; set; }

    /// <summary>
    /// The in-memory journal of our own destructive writes, when <see cref="Admit"/>: every replica a sync of ours
    /// cancelled or deleted, and every meeting whose organizer's event we cancelled. Persistent, so clones share it.
    /// </summary>
    public ImmutableHashSet<string> OwnRemovals { get; set; } = ImmutableHashSet.Create<string>(StringComparer.Ordinal);

    /// <summary>The first held deletion and cancellation in words: what was held, on which side, by which rule, and why.</summary>
    public string? HeldDeleteNote { get; set; }

    public string? HeldCancelNote { get; set; }

    /// <summary>The first effect the planner held (destructive or not), described; null while none was.</summary>
    public string? Held { get; set; }

    /// <summary>Invariants already violated on the way here (bit per <see cref="Invariants.InvariantId"/>).</summary>
    public int Violated { get; set; }

    /// <summary>Trace events of the current step, when tracing; null while exploring.</summary>
    public List<TraceEvent>? Log { get; set; }

    /// <summary>Rules that decided something, when coverage is collected (shared by clones).</summary>
    public HashSet<string>? Fired { get; set; }

    /// <summary>Store writes by the last sync (idempotence).</summary>
    public int LastSyncWrites { get; private set; }

    public static SimWorld Create(Scenario scenario, IDecisionPolicy policy, DateTimeOffset now, bool admit = false, GuardLimits? limits = null)
    {
        var w = new SimWorld(scenario, policy, now) { Admit = admit, Limits = limits ?? GuardLimits.Defaults };

        // A customer's calendar is one more store after the employees', with an agent that never syncs (so every
        // loop over the stores and the state hash see it like any other).
        var stores = scenario.Employees + (scenario.ExternalOrganizer ? 1 : 0);
        w.Mailboxes = new MailboxStore[stores];
        w.Agents = new AgentView[stores];
        for (var i = 0; i < stores; i++)
        {
            var name = i < scenario.Employees ? Scenario.EmployeeName(i) : Scenario.ExternalOrganizerName;
            w.Mailboxes[i] = new MailboxStore { Owner = name, Provider = i < scenario.Employees ? scenario.Providers[i] : Provider.Exchange };
            w.Agents[i] = new AgentView(MailboxSyncState.Initial(name));
        }

        return w;
    }

    /// <summary>
    /// A copy that shares the stores copy-on-write: a step usually writes one or two of them, so each is copied on
    /// its first write (<see cref="MutableMailbox"/>, <see cref="MutableCrm"/>), by whichever world writes first.
    /// </summary>
    public SimWorld Clone()
    {
        _ownsCrm = false;
        _ownedMailboxes = 0;
        return new(Scenario, Policy, Now)
        {
            Crm = Crm,
            _ownsCrm = false,
            Mailboxes = [.. Mailboxes], // A span copy: Array.Clone goes through the runtime's slower MemberwiseClone.
            _ownedMailboxes = 0,
            Agents = [.. Agents],
            Messages = Messages,
            CancellationSent = CancellationSent,
            Intents = Intents,
            SecondIntents = SecondIntents,
            SecondCancellationSent = SecondCancellationSent,
            SecondHeldDeletes = SecondHeldDeletes,
            SecondHeldCancels = SecondHeldCancels,
            SecondHeldDeleteNote = SecondHeldDeleteNote,
            SecondHeldCancelNote = SecondHeldCancelNote,
            ClockDays = ClockDays,
            CrmDeletedAt = CrmDeletedAt,
            PastTouched = PastTouched,
            SharedWhileAutoShareOff = SharedWhileAutoShareOff,
            ExternalMeetingCancelled = ExternalMeetingCancelled,
            Uninvited = Uninvited,
            SawCopyCancelled = SawCopyCancelled,
            Created = Created,
            FirstSyncer = FirstSyncer,
            HeldDeletes = HeldDeletes,
            HeldCancels = HeldCancels,
            Admit = Admit,
            Limits = Limits,
            AdmittedOverBudget = AdmittedOverBudget,
            OwnRemovals = OwnRemovals,
            AdmissionHeld = AdmissionHeld,
            HeldDeleteNote = HeldDeleteNote,
            HeldCancelNote = HeldCancelNote,
            Held = Held,
            Violated = Violated,
            Fired = Fired,
            Series = Series,
            _settings = _settings,
        };
    }

    /// <summary>Mailbox <paramref name="mailbox"/>'s store, copied first if this world shares it with another.</summary>
    public MailboxStore MutableMailbox(int mailbox)
    {
        var bit = 1 << mailbox;
        if ((_ownedMailboxes & bit) == 0)
        {
            Mailboxes[mailbox] = Mailboxes[mailbox].Clone();
            _ownedMailboxes |= bit;
        }

        return Mailboxes[mailbox];
    }

    /// <summary>The CRM store, copied first if this world shares it with another.</summary>
    public CrmStore MutableCrm()
    {
        if (!_ownsCrm)
        {
            Crm = Crm.Clone();
            _ownsCrm = true;
        }

        return Crm;
    }

    public int EmployeeIndex(string name) =>
        name.Length == 1 && name[0] - 'A' is var i && i >= 0 && i < Scenario.Employees ? i : -1;

    public bool IsEmployee(string name) => EmployeeIndex(name) >= 0;

    /// <summary>The store of <paramref name="name"/>'s calendar: an employee's, the customer organizer's, or -1 (another external).</summary>
    public int MailboxIndex(string name) =>
        EmployeeIndex(name) is var i && i >= 0 ? i : Scenario.ExternalOrganizer && name == Scenario.ExternalOrganizerName ? OrganizerMailbox : -1;

    /// <summary>How far ahead the syncs' window reaches (<see cref="SyncSettings.For"/>: 365 days).</summary>
    public static readonly TimeSpan WindowFuture = SyncSettings.For("A", false).WindowFuture;

    /// <summary>How far back the syncs' window reaches (<see cref="SyncSettings.For"/>: 30 days).</summary>
    public static readonly TimeSpan WindowPast = SyncSettings.For("A", false).WindowPast;

    /// <summary>Whether <paramref name="start"/> lies beyond the sync window's far edge on the syncs' clock.</summary>
    public bool BeyondWindow(DateTimeOffset start) => start > SyncNow + WindowFuture;

    /// <summary>Whether <paramref name="start"/> lies inside the sync window on the syncs' clock (both edges included, as the engine's).</summary>
    public bool InSyncWindow(DateTimeOffset start) => start >= SyncNow - WindowPast && start <= SyncNow + WindowFuture;

    /// <summary>
    /// How many days the next <c>time passes</c> moves the clock; 0 when time cannot pass now. Once, while every live
    /// replica lies inside the window: ten days (the meeting, a week ahead, becomes past). In a scenario created beyond
    /// the window, once, while every live replica lies beyond it: the days that bring the earliest one just inside the
    /// far edge (the clock carries the meeting in). With the window edge explored, once more after the ten days, while
    /// every live replica is past: thirty days (the meeting leaves the window at its past edge).
    /// </summary>
    public int ClockStepDays()
    {
        if (!Created || Scenario.Past)
        {
            return 0;
        }

        if (ClockDays == 0)
        {
            if (!AnyLiveRowEndsAfter(SyncNow + WindowFuture))
            {
                return 10;
            }

            return Scenario.CreatedBeyondWindow && EarliestLiveStart() is { } start && BeyondWindow(start)
                ? (int)Math.Ceiling((start - SyncNow - WindowFuture).TotalDays)
                : 0;
        }

        return ClockDays == 10 && Scenario.WindowEdge && !AnyLiveRowEndsAfter(SyncNow) ? 30 : 0;
    }

    private DateTimeOffset? EarliestLiveStart()
    {
        DateTimeOffset? min = null;
        foreach (var mb in Mailboxes)
        {
            foreach (var e in mb.Rows)
            {
                if (!e.Removed && (min is null || e.Start < min))
                {
                    min = e.Start;
                }
            }
        }

        foreach (var r in Crm.Rows)
        {
            if (!r.Deleted && (min is null || r.Start < min))
            {
                min = r.Start;
            }
        }

        return min;
    }

    /// <summary>Whether the meeting (the organizer's event, else the record) lies beyond the sync window: out of scope, so nothing must converge.</summary>
    public bool MeetingBeyondWindow => (LiveEvent(OrganizerMailbox)?.Start ?? LiveRecord()?.Start) is { } start && BeyondWindow(start);

    /// <summary>Whether the meeting lies in the past on the syncs' clock (a past meeting is history: no sync may touch it).</summary>
    /// <summary>
    /// Whether the meeting lies in the past: the clock advanced and no replica — live, or removed (a deletion the
    /// syncs may not have seen yet) — ends after now. A removed replica counts: when the organizer moved the meeting
    /// beyond the window and then deleted it, the meeting was last set in the future, and the record left at its old
    /// time is stale, not history; cancelling it is right.
    /// </summary>
    public bool MeetingIsPast => Scenario.Past || (ClockAdvanced && !AnyRowEndsAfter(SyncNow, removedToo: true));

    /// <summary>
    /// Whether every live replica lies in the past (removed ones not counted): convergence is not required then. It
    /// differs from <see cref="MeetingIsPast"/> only after the organizer moved the meeting beyond the window and
    /// deleted it before any sync saw the move: the syncs last knew it at its old, now past, time, so they leave its
    /// record alone as history (<c>past-meetings-untouched</c>) — a record at a past time no sync could know was moved.
    /// </summary>
    public bool LiveReplicasPast => Scenario.Past || (ClockAdvanced && !AnyLiveRowEndsAfter(SyncNow));

    /// <summary>Whether a live replica (event or record) ends at or after <paramref name="t"/>.</summary>
    public bool AnyLiveRowEndsAfter(DateTimeOffset t) => AnyRowEndsAfter(t, removedToo: false);

    private bool AnyRowEndsAfter(DateTimeOffset t, bool removedToo)
    {
        foreach (var mb in Mailboxes)
        {
            foreach (var e in mb.Rows)
            {
                if ((removedToo || !e.Removed) && e.End >= t)
                {
                    return true;
                }
            }
        }

        foreach (var r in Crm.Rows)
        {
            if ((removedToo || !r.Deleted) && r.End >= t)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether employee attendee <paramref name="employee"/> removed their own copy: deleted it, or declined (Outlook
    /// then removes the copy; Google keeps it, marked declined). Their intent, which licenses nothing beyond that copy.
    /// </summary>
    public bool RemovedOwnCopy(int employee)
    {
        if ((Uninvited & (1 << employee)) != 0)
        {
            return false; // The organizer removed them: their copy's end is the organizer's doing, not theirs.
        }

        foreach (var e in Mailboxes[employee].Rows)
        {
            if (!IsSecond(e) && ((e.Removed && e.RemovedByOwner) || (!e.IsOrganizer && e.OwnResponse == AttendeeResponse.Declined)))
            {
                return true;
            }
        }

        return false;
    }

    public DateTimeOffset MeetingStart => Scenario.Past ? Now.AddDays(-3).AddHours(1)
        : Scenario.CreatedBeyondWindow ? Now.AddDays(407).AddHours(1)
        : Now.AddDays(7).AddHours(1);

    /// <summary>The meeting as first created: the organizer (A, or the customer) invites every other employee and the externals.</summary>
    public ImmutableArray<string> InitialAttendees()
    {
        var b = ImmutableArray.CreateBuilder<string>();
        for (var i = Scenario.FirstAttendee; i < Scenario.Employees; i++)
        {
            b.Add(Scenario.EmployeeName(i));
        }

        for (var x = 0; x < Scenario.ExternalAttendees; x++)
        {
            b.Add(Scenario.ExternalName(x));
        }

        b.Sort(StringComparer.Ordinal);
        return b.ToImmutable();
    }

    /// <summary>Whether <paramref name="cause"/> is a sync agent's (<c>agent:B</c>), not a user's.</summary>
    public static bool IsAgentCause(string cause) => cause.StartsWith("agent:", StringComparison.Ordinal);

    /// <summary><c>agent:B</c>, without building it each time.</summary>
    public static string AgentCause(int employee) =>
        (uint)employee < (uint)AgentCauses.Length ? AgentCauses[employee] : "agent:" + Scenario.EmployeeName(employee);

    public void Trace(string kind, string from, string to, string text, string? rule = null) =>
        Log?.Add(new TraceEvent(kind, from, to, text, rule));

    // ---- Mailbox mechanics (what Exchange and Google do on their own) ----

    /// <summary>
    /// The mailbox's live event of the (first) simulated meeting, whatever UID a sync gave it (<c>m1</c>, or
    /// <c>crm-R1</c> when a v1 sync created it from its record): any live row but the second meeting's.
    /// </summary>
    public EventRow? LiveEvent(int mailbox)
    {
        foreach (var r in Mailboxes[mailbox].Rows)
        {
            if (!r.Removed && !IsSecond(r))
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="row"/> belongs to the second meeting (<see cref="SecondUid"/>).</summary>
    public static bool IsSecond(EventRow row) => ReferenceEquals(row.Uid, SecondUid) || row.Uid == SecondUid;

    /// <summary>
    /// Whether <paramref name="row"/> is the second meeting's record: it carries that UID (v2), or was created from a
    /// replica of it (its <see cref="CrmRow.Meeting"/> tag, which v1 does not expose).
    /// </summary>
    public static bool IsSecond(CrmRow row) => row.Uid == SecondUid || row.Meeting == SecondUid;

    /// <summary>Whether mailbox <paramref name="mailbox"/> ever held a row (live or removed) of the first meeting.</summary>
    public bool HeldFirstMeeting(int mailbox)
    {
        foreach (var r in Mailboxes[mailbox].Rows)
        {
            if (!IsSecond(r))
            {
                return true;
            }
        }

        return false;
    }

    public EventRow? LiveEvent(int mailbox, string uid)
    {
        foreach (var r in Mailboxes[mailbox].Rows)
        {
            if (!r.Removed && r.Uid == uid)
            {
                return r;
            }
        }

        return null;
    }

    public EventRow? FindEvent(int mailbox, string id)
    {
        foreach (var r in Mailboxes[mailbox].Rows)
        {
            if (r.Id == id)
            {
                return r;
            }
        }

        return null;
    }

    public void Put(int mailbox, EventRow row)
    {
        var mb = MutableMailbox(mailbox);
        mb.Seq = checked(mb.Seq + 1);
        row = row with { Changed = mb.Seq };
        var rows = mb.Rows;
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Id == row.Id)
            {
                rows[i] = row;
                return;
            }
        }

        rows.Add(row);
    }

    /// <summary>The organizer's calendar creates the meeting and delivers a copy to each employee attendee.</summary>
    public EventRow CreateMeeting(int organizer, string uid, string subject, DateTimeOffset start, DateTimeOffset end, ImmutableArray<string> attendees, MeetingType type, string cause)
    {
        var orgName = Mailboxes[organizer].Owner;
        var list = Attendees(attendees, null);
        var mb = MutableMailbox(organizer);
        mb.NextId++;
        var ev = new EventRow($"{orgName}-ev{mb.NextId}", uid, true, orgName, list, false, subject, start, end, type, AttendeeResponse.Accepted, 1, 0, false, false);
        Put(organizer, ev);
        if (Log is not null)
        {
            Trace("write", cause, $"mailbox:{orgName}", $"{orgName}'s calendar creates the meeting {ev.Id} (uid {uid}) \"{subject}\"");
        }

        foreach (var a in list)
        {
            if (a.Address == orgName)
            {
                continue;
            }

            Send(MessageKind.Invitation, orgName, a.Address, cause);
            var i = EmployeeIndex(a.Address);
            if (i >= 0)
            {
                var amb = MutableMailbox(i);
                amb.NextId++;
                Put(i, ev with { Id = $"{a.Address}-ev{amb.NextId}", IsOrganizer = false, OwnResponse = AttendeeResponse.None, Version = 1 });
            }
        }

        return FindEvent(organizer, ev.Id)!;
    }

    /// <summary>
    /// The organizer's calendar changes the meeting and updates every live copy. An employee the update lists who was
    /// not on the meeting's attendee list before (the organizer invites them, or a sync writes back a list that still
    /// names someone the organizer removed) is invited as the providers do on an organizer's update: Exchange sends a
    /// meeting request that reopens their cancelled copy (or delivers a new one), Google puts the event on the guest's
    /// calendar again (their removed copy is gone, so a new one). docs/simulator.md, "Mailbox providers", cites both.
    /// </summary>
    public EventRow UpdateMeeting(int organizer, string eventId, string subject, DateTimeOffset start, DateTimeOffset end, ImmutableArray<string> attendees, string cause)
    {
        var ev = FindEvent(organizer, eventId) ?? throw new InvalidOperationException($"no event {eventId}");
        var updated = ev with { Subject = subject, Start = start, End = end, Attendees = Attendees(attendees, ev.Attendees), Version = ev.Version + 1 };
        Put(organizer, updated);
        if (Log is not null)
        {
            Trace("write", cause, $"mailbox:{ev.Organizer}", $"{ev.Organizer}'s calendar updates {ev.Id}: \"{subject}\" at {start:MM-dd HH:mm}");
        }

        foreach (var a in updated.Attendees)
        {
            var i = EmployeeIndex(a.Address);
            if (a.Address != ev.Organizer)
            {
                Send(MessageKind.Update, ev.Organizer, a.Address, cause);
            }

            if (i < 0 || i == organizer)
            {
                continue;
            }

            if (!Lists(ev.Attendees, a.Address))
            {
                Invite(i, updated, cause);
            }
            else if (LiveEvent(i, ev.Uid) is { } copy)
            {
                Put(i, copy with { Subject = subject, Start = start, End = end, Attendees = updated.Attendees, Version = copy.Version + 1 });
            }
        }

        // An employee the update no longer lists is removed from the meeting, whoever wrote the update (the organizer,
        // or a sync carrying a CRM user's removal of that party): they get a cancellation and lose their copy.
        foreach (var a in ev.Attendees)
        {
            if (a.Address != ev.Organizer && EmployeeIndex(a.Address) is var i && i >= 0 && i != organizer && !Lists(updated.Attendees, a.Address))
            {
                EndRemovedAttendeesCopy(i, updated, cause);
            }
        }

        return FindEvent(organizer, eventId)!;
    }

    /// <summary>
    /// Employee <paramref name="employee"/> is off the organizer's attendee list (<paramref name="updated"/>): they get a
    /// cancellation; Exchange marks their copy cancelled (it stays, now without them among its attendees: the copy's
    /// role is none), Google removes it from their calendar. Either is the organizer's calendar's doing.
    /// </summary>
    private void EndRemovedAttendeesCopy(int employee, EventRow updated, string cause)
    {
        var name = Scenario.EmployeeName(employee);
        Uninvited |= 1 << employee;

        // A sync carrying a CRM user's removal of this party to the organizer's calendar: the cancellation is the CRM
        // user's meant one (Intents.CrmRemovedParty), as the organizer's own removal is the organizer's. (Reading an
        // intent here is sound for the reduction: only the organizer's syncs update the event, and every step that
        // writes an intent also writes the CRM or the organizer's mailbox, which those syncs read.)
        var meant = IsAgentCause(cause) && (Intents & Intents.CrmRemovedParty) != 0 && !IsSecond(updated) && LiveRecord() is { } r && !IsEmployeeParty(r, employee) ? "user:crm" : cause;
        Send(MessageKind.Cancellation, updated.Organizer, name, meant);
        if (LiveEvent(employee, updated.Uid) is not { } copy)
        {
            return;
        }

        if (Mailboxes[employee].Provider == Provider.Exchange)
        {
            Put(employee, copy with { Cancelled = true, Attendees = updated.Attendees, Version = copy.Version + 1 });
            if (Log is not null)
            {
                Trace("write", cause, $"mailbox:{name}", $"{name}'s calendar marks {copy.Id} cancelled");
            }
        }
        else
        {
            RemoveEvent(employee, copy.Id, byOwner: true, notifyAttendees: false, cause);
        }
    }

    private static bool Lists(ImmutableArray<MeetingAttendee> attendees, string address)
    {
        foreach (var a in attendees)
        {
            if (a.Address == address)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Employee <paramref name="employee"/> is on the organizer's attendee list again: an Exchange copy the organizer's
    /// removal cancelled reopens, otherwise a new copy arrives. They are an attendee again (no longer uninvited).
    /// </summary>
    private void Invite(int employee, EventRow organizers, string cause)
    {
        Uninvited &= ~(1 << employee);
        if (LiveEvent(employee, organizers.Uid) is { } copy)
        {
            Put(employee, copy with { Cancelled = organizers.Cancelled, Subject = organizers.Subject, Start = organizers.Start, End = organizers.End, Attendees = organizers.Attendees, Version = copy.Version + 1 });
        }
        else
        {
            var mb = MutableMailbox(employee);
            mb.NextId++;
            Put(employee, organizers with { Id = $"{mb.Owner}-ev{mb.NextId}", IsOrganizer = false, OwnResponse = AttendeeResponse.None, Version = 1 });
        }

        if (Log is not null)
        {
            Trace("write", cause, $"mailbox:{Mailboxes[employee].Owner}", $"{Mailboxes[employee].Owner}'s calendar receives the invitation again");
        }
    }

    /// <summary>The organizer's calendar cancels the meeting: copies are cancelled, each attendee gets a cancellation.</summary>
    public EventRow CancelMeeting(int organizer, string eventId, string cause)
    {
        var ev = FindEvent(organizer, eventId) ?? throw new InvalidOperationException($"no event {eventId}");
        Put(organizer, ev with { Cancelled = true, Version = ev.Version + 1 });
        if (Log is not null)
        {
            Trace("write", cause, $"mailbox:{ev.Organizer}", $"{ev.Organizer}'s calendar cancels {ev.Id}");
        }

        NotifyCancellation(organizer, ev, cause);
        return FindEvent(organizer, eventId)!;
    }

    private void NotifyCancellation(int organizer, EventRow ev, string cause)
    {
        foreach (var a in ev.Attendees)
        {
            if (a.Address == ev.Organizer)
            {
                continue;
            }

            Send(MessageKind.Cancellation, ev.Organizer, a.Address, cause, ev.Uid);
            var i = EmployeeIndex(a.Address);
            if (i >= 0 && i != organizer && LiveEvent(i, ev.Uid) is { } copy && !copy.Cancelled)
            {
                Put(i, copy with { Cancelled = true, Version = copy.Version + 1 });
            }
        }
    }

    /// <summary>Removes an event. An organizer's event removed with notification cancels the meeting for attendees.</summary>
    public void RemoveEvent(int mailbox, string eventId, bool byOwner, bool notifyAttendees, string cause)
    {
        var ev = FindEvent(mailbox, eventId);
        if (ev is null || ev.Removed)
        {
            return;
        }

        Put(mailbox, ev with { Removed = true, RemovedByOwner = byOwner, Version = ev.Version + 1 });
        if (Log is not null)
        {
            Trace("write", cause, $"mailbox:{Mailboxes[mailbox].Owner}", $"{Mailboxes[mailbox].Owner}'s calendar removes {ev.Id}{(notifyAttendees && ev.IsOrganizer ? " and notifies the attendees" : string.Empty)}");
        }

        if (ev.IsOrganizer && notifyAttendees && !ev.Cancelled)
        {
            NotifyCancellation(mailbox, ev, cause);
        }
    }

    public void Send(MessageKind kind, string from, string to, string cause, string? uid = null)
    {
        Messages = Messages.Add(new SimMessage(kind, from, to, cause, uid));

        // A user's cancellation (the organizer's, or the one an attendee the organizer removed receives) is meant;
        // what the invariants judge is a cancellation a sync caused, per meeting.
        var bySync = kind == MessageKind.Cancellation && IsAgentCause(cause);
        var second = uid == SecondUid;
        CancellationSent |= bySync && !second;
        SecondCancellationSent |= bySync && second;
        if (Log is not null)
        {
            Trace("message", $"mailbox:{from}", IsEmployee(to) ? $"mailbox:{to}" : to, $"{kind.ToString().ToLowerInvariant()} {from} → {to}");
        }
    }

    private ImmutableArray<MeetingAttendee> Attendees(ImmutableArray<string> names, ImmutableArray<MeetingAttendee>? previous)
    {
        var b = ImmutableArray.CreateBuilder<MeetingAttendee>(names.Length);
        foreach (var n in names)
        {
            var response = AttendeeResponse.None;
            if (previous is { } prev)
            {
                foreach (var p in prev)
                {
                    if (p.Address == n)
                    {
                        response = p.Response;
                    }
                }
            }

            b.Add(new MeetingAttendee(n, IsEmployee(n), response));
        }

        b.Sort((x, y) => string.CompareOrdinal(x.Address, y.Address));
        return b.MoveToImmutable();
    }

    // ---- CRM mechanics ----

    /// <summary>The live record of the (first) meeting: any live record but the second meeting's.</summary>
    public CrmRow? LiveRecord()
    {
        foreach (var r in Crm.Rows)
        {
            if (!r.Deleted && !IsSecond(r))
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>The second meeting's live record, if any.</summary>
    public CrmRow? LiveSecondRecord()
    {
        foreach (var r in Crm.Rows)
        {
            if (!r.Deleted && IsSecond(r))
            {
                return r;
            }
        }

        return null;
    }

    public CrmRow? FindRecord(string objectId)
    {
        foreach (var r in Crm.Rows)
        {
            if (r.ObjectId == objectId)
            {
                return r;
            }
        }

        return null;
    }

    public CrmRow PutRecord(CrmRow row)
    {
        var crm = MutableCrm();
        crm.Seq = checked(crm.Seq + 1);
        row = row with { Changed = crm.Seq };
        for (var i = 0; i < crm.Rows.Count; i++)
        {
            if (crm.Rows[i].ObjectId == row.ObjectId)
            {
                crm.Rows[i] = row;
                return row;
            }
        }

        crm.Rows.Add(row);
        return row;
    }

    public ImmutableArray<CrmParty> Parties(string organizer, ImmutableArray<string> attendees)
    {
        var b = ImmutableArray.CreateBuilder<CrmParty>(attendees.Length + 1);
        b.Add(new CrmParty(organizer, PartyRole.Organizer));
        foreach (var a in attendees)
        {
            if (a != organizer)
            {
                b.Add(new CrmParty(a, IsEmployee(a) ? PartyRole.Attendee : PartyRole.Contact));
            }
        }

        b.Sort((x, y) => string.CompareOrdinal(x.Party, y.Party));
        return b.ToImmutable();
    }
}
