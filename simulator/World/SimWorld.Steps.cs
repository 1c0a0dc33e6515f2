using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.World;

/// <summary>The steps of a schedule: user actions and syncs.</summary>
internal sealed partial class SimWorld
{
    private static readonly SyncSettings[] NoSettings = [];
    private SyncSettings[] _settings = NoSettings;

    [ThreadStatic]
    private static (SimMailboxPort Mailbox, SimCrmPort Crm)?[]? _ports;

    /// <summary>Whether <paramref name="step"/> can happen now (a disabled step is a no-op in a replayed schedule).</summary>
    public bool IsEnabled(ScheduleStep step)
    {
        var org = LiveEvent(OrganizerMailbox);
        var rec = LiveRecord();
        return step.Kind switch
        {
            StepKind.Create => !Created,
            StepKind.Sync => Created && step.Employee >= 0 && step.Employee < Scenario.Employees,
            StepKind.SyncCrashes => Admit && Created && step.Employee >= 0 && step.Employee < Scenario.Employees && HasNews(step.Employee),
            StepKind.OrganizerReschedules => org is { Cancelled: false, IsOrganizer: true },
            StepKind.OrganizerCancels => org is { Cancelled: false, IsOrganizer: true },
            StepKind.OrganizerDeletes => org is { IsOrganizer: true },
            StepKind.AttendeeDeclines => step.Employee >= Scenario.FirstAttendee && step.Employee < Scenario.Employees
                && LiveEvent(step.Employee) is { Cancelled: false, OwnResponse: not AttendeeResponse.Declined },
            StepKind.AttendeeDeletesCopy => step.Employee >= Scenario.FirstAttendee && step.Employee < Scenario.Employees && LiveEvent(step.Employee) is not null,
            StepKind.OrganizerRemovesAttendee => org is { Cancelled: false, IsOrganizer: true } && IsAttendee(step.Employee),
            StepKind.OrganizerAddsAttendee => org is { Cancelled: false, IsOrganizer: true } && step.Employee >= Scenario.FirstAttendee
                && step.Employee < Scenario.Employees && !IsAttendee(step.Employee),
            StepKind.CrmEdits => rec is { Status: CrmStatus.Open },
            StepKind.CrmCancels => rec is { Status: CrmStatus.Open },
            StepKind.CrmReschedules => rec is { Status: CrmStatus.Open },
            StepKind.CrmChangesOwner => step.Employee > 0 && step.Employee < Scenario.Employees
                && rec is { Status: CrmStatus.Open } && rec.Owner != Scenario.EmployeeName(step.Employee),
            StepKind.CrmDeletes => rec is not null,
            StepKind.CrmCompletes => rec is { Status: CrmStatus.Open },
            StepKind.CrmReopens => rec is { Status: CrmStatus.Completed },
            StepKind.CrmRemovesParty => rec is { Status: CrmStatus.Open } && !Scenario.ExternalOrganizer && IsEmployeeParty(rec, step.Employee),
            StepKind.CrmAddsParty => rec is { Status: CrmStatus.Open } && !Scenario.ExternalOrganizer && step.Employee > 0 && step.Employee < Scenario.Employees
                && !IsEmployeeParty(rec, step.Employee),
            // Ten days pass only while every replica lies within the window (a meeting moved beyond it stays in the
            // future, and its stale record would be "past" on its own); the other variants: ClockStepDays.
            StepKind.ClockAdvances => ClockStepDays() > 0,
            StepKind.OrganizerCrossesWindow => org is { Cancelled: false, IsOrganizer: true } && !ClockAdvanced && !Scenario.Past && !Scenario.ExternalOrganizer,
            StepKind.SecondMeetingReschedules or StepKind.SecondMeetingCancels =>
                Scenario.HasSecondMeeting && LiveEvent(0, SecondUid) is { Cancelled: false, IsOrganizer: true },
            _ => false,
        };
    }

    /// <summary>Carries out one step; false (and nothing changes) when it is not enabled.</summary>
    public bool Apply(ScheduleStep step)
    {
        if (!IsEnabled(step))
        {
            return false;
        }

        const string user = "user";
        switch (step.Kind)
        {
            case StepKind.Create:
                Created = true;
                if (Scenario.ExternalOrganizer)
                {
                    CreateCustomerMeeting();
                }
                else if (Scenario.Origin == MeetingOrigin.Mailbox)
                {
                    Trace("action", "user:A", "mailbox:A", "A creates the meeting in A's calendar");
                    CreateMeeting(0, MeetingUid, "Quarterly review", MeetingStart, MeetingStart.AddHours(1), InitialAttendees(), Scenario.MeetingType, user);
                }
                else
                {
                    MutableCrm().NextId++;
                    var id = "R" + Crm.NextId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    PutRecord(new CrmRow(id, MeetingUid, null, "Quarterly review", MeetingStart, MeetingStart.AddHours(1), CrmStatus.Open, "A", "A", Parties("A", InitialAttendees()), Scenario.MeetingType, 1, 0, false));
                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", $"a CRM user creates appointment {id} (owner A, organizer A)");
                    }
                }

                if (Scenario.HasSecondMeeting)
                {
                    // A's second meeting, a day later, with the same attendees: always created in A's calendar.
                    Trace("action", "user:A", "mailbox:A", "A creates a second meeting (m2) in A's calendar");
                    var start = MeetingStart.AddDays(1);
                    CreateMeeting(0, SecondUid, "Budget review", start, start.AddHours(1), InitialAttendees(), Scenario.MeetingType, user);
                }

                return true;

            case StepKind.SecondMeetingReschedules:
                {
                    var ev = LiveEvent(0, SecondUid)!;
                    Trace("action", "user:A", "mailbox:A", "A moves the second meeting (m2) by an hour");
                    UpdateMeeting(0, ev.Id, ev.Subject, ev.Start.AddHours(1), ev.End.AddHours(1), Names(ev), user);
                    return true;
                }

            case StepKind.SecondMeetingCancels:
                SecondIntents |= Intents.OrganizerCancelled;
                if (Log is not null)
                {
                    Trace("action", "user:A", "mailbox:A", "A cancels the second meeting (m2)");
                    Trace("intent", "user:A", "mailbox:A", "intent: the organizer cancelled the second meeting m2 (licenses cancelling m2 everywhere, never deleting; nothing on m1)");
                }

                CancelMeeting(0, LiveEvent(0, SecondUid)!.Id, user);
                return true;

            case StepKind.Sync:
                Sync(step.Employee);
                return true;

            case StepKind.SyncCrashes:
                Sync(step.Employee, crashAt: 1);
                return true;

            case StepKind.OrganizerReschedules:
                {
                    var ev = LiveEvent(OrganizerMailbox)!;
                    if (Log is not null)
                    {
                        Trace("action", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", $"{OrganizerName} moves the meeting by an hour");
                    }

                    UpdateMeeting(OrganizerMailbox, ev.Id, ev.Subject, ev.Start.AddHours(1), ev.End.AddHours(1), Names(ev), user);
                    return true;
                }

            case StepKind.OrganizerCancels:
                Intents |= Intents.OrganizerCancelled;
                if (Log is not null)
                {
                    Trace("action", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", $"{OrganizerName} cancels the meeting");
                    Trace("intent", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", "intent: the organizer cancelled the meeting (licenses cancelling it everywhere, never deleting)");
                }

                CancelMeeting(OrganizerMailbox, LiveEvent(OrganizerMailbox)!.Id, user);
                return true;

            case StepKind.OrganizerDeletes:
                // A user deleting their organized meeting in Outlook or Google Calendar sends cancellations: meant.
                Intents |= Intents.OrganizerDeleted;
                if (Log is not null)
                {
                    Trace("action", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", $"{OrganizerName} deletes the meeting from their calendar");
                    Trace("intent", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", "intent: the organizer deleted the meeting (licenses cancelling and deleting it)");
                }

                RemoveEvent(OrganizerMailbox, LiveEvent(OrganizerMailbox)!.Id, byOwner: true, notifyAttendees: true, user);
                return true;

            case StepKind.OrganizerRemovesAttendee:
                RemoveAttendee(step.Employee, user);
                return true;

            case StepKind.OrganizerAddsAttendee:
                AddAttendee(step.Employee, user);
                return true;

            case StepKind.AttendeeDeclines:
                {
                    var name = Scenario.EmployeeName(step.Employee);
                    if (Log is not null)
                    {
                        Trace("action", $"user:{name}", $"mailbox:{name}", $"{name} declines");
                        Trace("intent", $"user:{name}", $"mailbox:{name}", $"intent: {name} declined (licenses nothing beyond {name}'s own copy)");
                    }

                    Decline(step.Employee, LiveEvent(step.Employee)!, user);
                    return true;
                }

            case StepKind.AttendeeDeletesCopy:
                {
                    var name = Scenario.EmployeeName(step.Employee);
                    if (Log is not null)
                    {
                        Trace("action", $"user:{name}", $"mailbox:{name}", $"{name} deletes their copy");
                        Trace("intent", $"user:{name}", $"mailbox:{name}", $"intent: {name} deleted their own copy (licenses nothing beyond it)");
                    }

                    RemoveEvent(step.Employee, LiveEvent(step.Employee)!.Id, byOwner: true, notifyAttendees: false, user);
                    return true;
                }

            case StepKind.CrmEdits:
                {
                    var r = LiveRecord()!;
                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", $"a CRM user renames {r.ObjectId}");
                    }

                    PutRecord(r with { Subject = r.Subject + " (edited)", Version = r.Version + 1 });
                    return true;
                }

            case StepKind.CrmReschedules:
                {
                    // An appointment beyond the sync window is moved into it (400 days earlier): a reschedule that
                    // brings a meeting into the window; one inside it, two hours later.
                    var r = LiveRecord()!;
                    var shift = BeyondWindow(r.Start) ? TimeSpan.FromDays(-400) : TimeSpan.FromHours(2);
                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", shift < TimeSpan.Zero ? $"a CRM user moves {r.ObjectId} 400 days earlier, into the sync window" : $"a CRM user moves {r.ObjectId} two hours later");
                    }

                    PutRecord(r with { Start = r.Start + shift, End = r.End + shift, Version = r.Version + 1 });
                    return true;
                }

            case StepKind.CrmChangesOwner:
                {
                    var r = LiveRecord()!;
                    var owner = Scenario.EmployeeName(step.Employee);
                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", $"a CRM user hands {r.ObjectId} over to {owner} (owner {r.Owner} → {owner})");
                    }

                    PutRecord(r with { Owner = owner, Version = r.Version + 1 });
                    return true;
                }

            case StepKind.CrmCompletes:
            case StepKind.CrmReopens:
                {
                    // Neither is an intent: completing records that the activity took place, reopening undoes that.
                    var r = LiveRecord()!;
                    var completes = step.Kind == StepKind.CrmCompletes;
                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", completes ? $"a CRM user completes {r.ObjectId}" : $"a CRM user reopens {r.ObjectId}");
                    }

                    PutRecord(r with { Status = completes ? CrmStatus.Completed : CrmStatus.Open, Version = r.Version + 1 });
                    return true;
                }

            case StepKind.CrmRemovesParty:
            case StepKind.CrmAddsParty:
                {
                    var r = LiveRecord()!;
                    var name = Scenario.EmployeeName(step.Employee);
                    var removes = step.Kind == StepKind.CrmRemovesParty;
                    if (removes)
                    {
                        Intents |= Intents.CrmRemovedParty;
                    }

                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", removes ? $"a CRM user removes {name} from {r.ObjectId}'s parties" : $"a CRM user adds {name} to {r.ObjectId}'s parties");
                        if (removes)
                        {
                            Trace("intent", "user:crm", "crm", $"intent: a CRM user removed {name} from the appointment (licenses the end of {name}'s copy by the organizer's calendar; nothing else)");
                        }
                    }

                    var parties = removes ? r.Parties.RemoveAll(p => p.Party == name)
                        : r.Parties.Add(new CrmParty(name, PartyRole.Attendee)).Sort((x, y) => string.CompareOrdinal(x.Party, y.Party));
                    PutRecord(r with { Parties = parties, Version = r.Version + 1 });
                    return true;
                }

            case StepKind.CrmCancels:
                {
                    Intents |= Intents.CrmCancelled;
                    var r = LiveRecord()!;
                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", $"a CRM user cancels {r.ObjectId}");
                        Trace("intent", "user:crm", "crm", "intent: a CRM user cancelled the appointment (licenses cancelling the meeting, never deleting)");
                    }

                    PutRecord(r with { Status = CrmStatus.Cancelled, Version = r.Version + 1 });
                    return true;
                }

            case StepKind.OrganizerCrossesWindow:
                {
                    var ev = LiveEvent(OrganizerMailbox)!;
                    var shift = BeyondWindow(ev.Start) ? TimeSpan.FromDays(-400) : TimeSpan.FromDays(400);
                    Trace("action", "user:A", "mailbox:A", shift > TimeSpan.Zero ? "A moves the meeting 400 days later, beyond the sync window" : "A moves the meeting 400 days earlier, back into the sync window");
                    UpdateMeeting(0, ev.Id, ev.Subject, ev.Start + shift, ev.End + shift, Names(ev), user);
                    return true;
                }

            case StepKind.ClockAdvances:
                {
                    var days = ClockStepDays();
                    if (Log is not null)
                    {
                        Trace("action", "clock", "clock", days == 10 && ClockDays == 0 ? "ten days pass: the meeting now lies in the past"
                            : ClockDays == 0 ? $"{days} days pass: the meeting, beyond the sync window, now lies just inside its far edge"
                            : $"{days} more days pass: the meeting leaves the sync window at its past edge ({WindowPast.TotalDays:0} days back)");
                    }

                    ClockDays += days;
                    return true;
                }

            case StepKind.CrmDeletes:
                {
                    Intents |= Intents.CrmDeleted;
                    var r = LiveRecord()!;
                    if (CrmDeletedAt == 0)
                    {
                        CrmDeletedAt = Crm.NextId;
                    }

                    if (Log is not null)
                    {
                        Trace("action", "user:crm", "crm", $"a CRM user deletes {r.ObjectId}");
                        Trace("intent", "user:crm", "crm", $"intent: a CRM user deleted {r.ObjectId} (licenses removing the meeting's replicas; no sync may create its record again)");
                    }

                    PutRecord(r with { Deleted = true, Version = r.Version + 1 });
                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>Whether employee <paramref name="employee"/> is an attendee party of <paramref name="record"/>.</summary>
    private static bool IsEmployeeParty(CrmRow record, int employee)
    {
        var name = Scenario.EmployeeName(employee);
        foreach (var p in record.Parties)
        {
            if (p.Party == name && p.Role == PartyRole.Attendee)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Attendee <paramref name="employee"/> declines <paramref name="copy"/>: Outlook removes a declined meeting from the
    /// attendee's calendar, Google keeps it marked declined; the organizer's event records the response.
    /// </summary>
    private void Decline(int employee, EventRow copy, string cause)
    {
        var name = Scenario.EmployeeName(employee);
        if (Mailboxes[employee].Provider == Provider.Exchange)
        {
            RemoveEvent(employee, copy.Id, byOwner: true, notifyAttendees: false, cause);
        }
        else
        {
            Put(employee, copy with { OwnResponse = AttendeeResponse.Declined, Version = copy.Version + 1 });
        }

        if (MailboxIndex(copy.Organizer) is var o && o >= 0 && LiveEvent(o, copy.Uid) is { } orgEv)
        {
            var attendees = orgEv.Attendees.Select(a => a.Address == name ? a with { Response = AttendeeResponse.Declined } : a).ToImmutableArray();
            Put(o, orgEv with { Attendees = attendees, Version = orgEv.Version + 1 });
            Send(MessageKind.Response, name, copy.Organizer, cause);
        }
    }

    /// <summary>
    /// Whether employee <paramref name="employee"/>'s sync would find anything: a mailbox change past its cursor, a
    /// CRM change past its watermark, a pending CRM change, or a known record gone. When not, a sync changes nothing
    /// but the cursor and watermark positions (the explorer treats it as a stutter).
    /// </summary>
    public bool HasNews(int employee)
    {
        var agent = View(employee);
        foreach (var r in Mailboxes[employee].Rows)
        {
            if (IsNews(agent, r))
            {
                return true;
            }
        }

        foreach (var r in Crm.Rows)
        {
            if (IsNews(agent, r))
            {
                return true;
            }
        }

        var ids = agent.RecordIds;
        for (var i = 0; i < ids.Length; i++)
        {
            if (agent.Records[i].Pending || FindRecord(ids[i]) is not { Deleted: false } row || !row.Involves(agent.EmployeeId))
            {
                return true;
            }

            if (agent.Records[i] is { OutOfWindow: true } r && InSyncWindow(r.Latest.Start))
            {
                return true; // Carried into the window by the clock: decided on as new.
            }
        }

        foreach (var snap in agent.Events)
        {
            if (snap is { OutOfWindow: true, Item.Removed: false } && InSyncWindow(snap.Item.Start))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the agent's next mailbox delta brings something it would decide on: a row changed past its cursor
    /// that is neither its own write coming back (same version as its snapshot) nor the removal of a replica it
    /// never knew or already knows removed.
    /// </summary>
    public static bool IsNews(AgentView agent, EventRow e)
    {
        if (e.Changed <= agent.CursorPosition)
        {
            return false;
        }

        var snap = agent.Event(e.Id);
        if (e.Removed)
        {
            return snap is { Item.Removed: false };
        }

        return snap is null || snap.Item.Removed || snap.Item.ChangeKey != Versions.ChangeKey(e.Version);
    }

    /// <summary>Whether the agent's next CRM poll brings a version of a record it has not read yet.</summary>
    public static bool IsNews(AgentView agent, CrmRow r)
    {
        if (r.Deleted || r.Changed <= agent.Watermark || !r.Involves(agent.EmployeeId))
        {
            return false;
        }

        return agent.Record(r.ObjectId) is not { } snap || snap.Latest.ETag != Versions.ETag(r.Version);
    }

    /// <summary>
    /// Runs employee <paramref name="employee"/>'s sync agent once, through the engine's <see cref="SyncCycle"/> (with
    /// <see cref="Admit"/>: the admit and journal stages too). With <paramref name="crashAt"/> &gt; 0 the sync crashes
    /// after journaling that decision, before its effects; the agent keeps the progress its completed decisions saved.
    /// </summary>
    public void Sync(int employee, int crashAt = 0)
    {
        if (_settings.Length != Scenario.Employees)
        {
            _settings = new SyncSettings[Scenario.Employees];
            for (var i = 0; i < _settings.Length; i++)
            {
                _settings[i] = SyncSettings.For(Scenario.EmployeeName(i), Scenario.AutoShare);
            }
        }

        if (FirstSyncer < 0 && Created)
        {
            FirstSyncer = employee;
        }

        if (IsAttendee(employee) && LiveEvent(employee) is { Cancelled: true } copy && Agents[employee].Event(copy.Id) is not { Item.Cancelled: true })
        {
            SawCopyCancelled |= 1 << employee;
        }

        var name = Scenario.EmployeeName(employee);
        // One port pair per employee and thread, pointed at this world for the sync and cleared after (so it keeps no
        // world alive): the sync completes synchronously, so nothing holds the ports once it returns.
        var ports = _ports ??= new (SimMailboxPort, SimCrmPort)?[26];
        var (mailboxPort, crmPort) = ports[employee] ??= (new SimMailboxPort(this, employee), new SimCrmPort(this, employee));
        SyncOutcome outcome;
        var journal = Admit ? new SimJournal(this, crashAt) : null;
        var budget = journal is null ? null : new SimBudget(Limits);
        try
        {
            var stages = journal is null ? null : new SyncStages(journal, budget);
            var run = SyncCycle.RunAsync(Agents[employee].State, mailboxPort.Bind(this), crmPort.Bind(this), Policy, _settings[employee], SyncNow, stages);

            // The simulated ports complete synchronously, so the sync does too: one atomic step of the model.
            outcome = run.IsCompleted ? run.GetAwaiter().GetResult() : throw new InvalidOperationException("a simulated sync must complete synchronously");
        }
        catch (SimulatedCrash crash)
        {
            // The process died at the journal/carry-out boundary: what earlier decisions carried out stays done, their
            // saved progress is the agent's state; the crashed decision is decided again by the next sync (resume).
            if (journal!.Progress is { } progress)
            {
                Agents[employee] = new AgentView(progress, Agents[employee]);
            }

            AdmittedOverBudget |= journal.AdmittedDestructive > Limits.MaxDestructivePerMailbox;
            if (Log is not null)
            {
                Trace("crash", $"agent:{Scenario.EmployeeName(employee)}", $"agent:{Scenario.EmployeeName(employee)}", $"{Scenario.EmployeeName(employee)}'s sync {crash.Message}");
            }

            return;
        }
        finally
        {
            mailboxPort.Bind(null);
            crmPort.Bind(null);
        }

        if (journal is not null)
        {
            AdmittedOverBudget |= journal.AdmittedDestructive > Limits.MaxDestructivePerMailbox;
        }
        Agents[employee] = ReferenceEquals(outcome.State, Agents[employee].State) ? Agents[employee] : new AgentView(outcome.State, Agents[employee]);
        LastSyncWrites = outcome.StoreWrites;
        PastTouched |= outcome.StoreWrites > 0 && MeetingIsPast;
        var recording = Policy as Comparison.RecordingPolicy;
        foreach (var d in outcome.Decisions)
        {
            Fired?.Add(d.Decision.Rule);
            if (recording is not null && !d.Effects.IsEmpty)
            {
                recording.Effective.Add(d.Facts);
            }

            foreach (var e in d.Effects)
            {
                if (e is HeldEffect anyHeld && Held is null)
                {
                    Held = $"{name}'s sync: rule {d.Decision.Rule} decided {Lower(d.Decision.Action)} {Lower(d.Decision.Target)}, held: {anyHeld.Intended} ({anyHeld.Reason})";
                }

                if (e is HeldEffect && journal is not null && journal.HeldKeys.Contains(e.IdempotencyKey))
                {
                    AdmissionHeld++; // Contained by the admit stage: nothing went out.
                    continue;
                }

                if (e is HeldEffect { Destructive: true } secondHeld && IsSecondMeetingKey(d.Change.MeetingKey))
                {
                    if (d.Decision.Action == DecisionAction.Cancel)
                    {
                        SecondHeldCancels++;
                        SecondHeldCancelNote ??= HeldNote(d, secondHeld, name);
                    }
                    else
                    {
                        SecondHeldDeletes++;
                        SecondHeldDeleteNote ??= HeldNote(d, secondHeld, name);
                    }
                }
                else if (e is HeldEffect { Destructive: true } held)
                {
                    if (d.Decision.Action == DecisionAction.Cancel)
                    {
                        HeldCancels++;
                        HeldCancelNote ??= HeldNote(d, held, name);
                    }
                    else
                    {
                        HeldDeletes++;
                        HeldDeleteNote ??= HeldNote(d, held, name);
                    }
                }
            }

            if (Log is not null)
            {
                Log.Add(new Reports.TraceEvent("decision", $"agent:{name}", d.Decision.Target == DecisionTarget.Crm ? "crm" : $"mailbox:{name}", Describe(d), d.Decision.Rule));
            }
        }

        if (Log is not null && outcome.Decisions.IsEmpty)
        {
            Log.Add(new Reports.TraceEvent("decision", $"agent:{name}", $"agent:{name}", $"{name}'s sync: nothing new"));
        }
    }

    /// <summary>
    /// A customer (outside the tenant) creates the meeting and invites every employee and the externals; with the CRM
    /// origin, employee A tracks the invitation in the CRM at once (the CRM's calendar add-in: a record owned by A,
    /// organized by the customer, linked to A's copy, with the meeting's UID).
    /// </summary>
    private void CreateCustomerMeeting()
    {
        const string user = "user";
        var org = OrganizerMailbox;
        if (Log is not null)
        {
            Trace("action", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", $"{OrganizerName} (a customer) creates the meeting and invites the employees");
        }

        CreateMeeting(org, MeetingUid, "Customer meeting", MeetingStart, MeetingStart.AddHours(1), InitialAttendees(), Scenario.MeetingType, user);
        if (Scenario.Origin != MeetingOrigin.Crm || LiveEvent(0) is not { } copy)
        {
            return;
        }

        MutableCrm().NextId++;
        var id = "R" + Crm.NextId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        PutRecord(new CrmRow(id, MeetingUid, copy.Id, copy.Subject, copy.Start, copy.End, CrmStatus.Open, "A", OrganizerName, Parties(OrganizerName, Names(copy)), Scenario.MeetingType, 1, 0, false));
        if (Log is not null)
        {
            Trace("action", "user:A", "crm", $"A tracks the invitation in the CRM: appointment {id} (owner A, organizer {OrganizerName}), linked to {copy.Id}");
        }
    }

    /// <summary>
    /// The organizer removes employee <paramref name="employee"/> from the meeting: the others get an update, the
    /// removed one a cancellation. Exchange marks their copy cancelled (it stays, now without them among its
    /// attendees: the copy's role is none); Google removes it from their calendar. Either is the organizer's doing.
    /// </summary>
    private void RemoveAttendee(int employee, string cause)
    {
        var name = Scenario.EmployeeName(employee);
        var ev = LiveEvent(OrganizerMailbox)!;
        if (Log is not null)
        {
            Trace("action", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", $"{OrganizerName} removes {name} from the meeting");
        }

        Uninvited |= 1 << employee;
        UpdateMeeting(OrganizerMailbox, ev.Id, ev.Subject, ev.Start, ev.End, Names(ev).Remove(name), cause);
    }

    /// <summary>
    /// The organizer invites employee <paramref name="employee"/> again: the others get an update, they an invitation
    /// that reopens their cancelled copy (Exchange) or delivers a new one (<see cref="UpdateMeeting"/>).
    /// </summary>
    private void AddAttendee(int employee, string cause)
    {
        var name = Scenario.EmployeeName(employee);
        var ev = LiveEvent(OrganizerMailbox)!;
        if (Log is not null)
        {
            Trace("action", $"user:{OrganizerName}", $"mailbox:{OrganizerName}", $"{OrganizerName} invites {name} again");
        }

        var names = Names(ev).Add(name).Sort(StringComparer.Ordinal);
        UpdateMeeting(OrganizerMailbox, ev.Id, ev.Subject, ev.Start, ev.End, names, cause);
    }

    /// <summary>
    /// Whether a sync's meeting key names the second meeting: its UID, or (a record whose UID the dialect hides and
    /// nothing correlated) <c>record:ObjectID</c> of the second meeting's record.
    /// </summary>
    private bool IsSecondMeetingKey(string key) =>
        key == SecondUid || (key.StartsWith("record:", StringComparison.Ordinal) && FindRecord(key[7..]) is { } r && IsSecond(r));

    /// <summary>A held destructive effect in words: what was held, on which side, which rule decided it, and why it was held.</summary>
    private static string HeldNote(SyncDecision d, HeldEffect held, string employee) =>
        $"rule {d.Decision.Rule} decided to {held.Intended} on the {(d.Decision.Target == DecisionTarget.Crm ? "CRM" : $"{employee}'s mailbox")} side; held: {held.Reason}";

    private static string Describe(SyncDecision d)
    {
        var f = d.Facts;
        var what = d.Change.Source == ChangeSource.Crm ? $"CRM record {d.Change.ReplicaId}"
            : f.Kind == ChangeKind.Missing ? $"the meeting of CRM record {d.Change.ReplicaId}, in {d.EmployeeId}'s calendar, is"
            : $"{d.EmployeeId}'s replica {d.Change.ReplicaId}";
        var effects = string.Join("; ", d.Effects.Select(DescribeEffect));
        return $"{d.EmployeeId}'s sync: {what} {f.Kind.ToString().ToLowerInvariant()} (source={Lower(f.Source)} role={Lower(f.Role)} link={Lower(f.Link)} ownsRecord={(f.OwnsRecord ? "true" : "false")})"
            + $" → rule {d.Decision.Rule} decides {Lower(d.Decision.Action)} {Lower(d.Decision.Target)}"
            + (effects.Length > 0 ? $" → {effects}" : string.Empty);
    }

    private static string DescribeEffect(Effect e) => e switch
    {
        CreateCrmRecord c => $"create CRM record from {c.EventId} (owner {c.Owner})",
        UpdateCrmRecord u => $"update CRM record {u.ObjectId}{(u.RelinkTo is null ? string.Empty : $" (link to {u.RelinkTo})")}",
        CancelCrmRecord c => $"cancel CRM record {c.ObjectId}",
        DeleteCrmRecord d => $"delete CRM record {d.ObjectId}",
        CreateEvent c => $"create the meeting in the calendar from {c.ObjectId}",
        UpdateEvent u => $"update event {u.EventId}",
        CancelEvent c => $"cancel event {c.EventId} (attendees notified)",
        DeleteEvent d => $"delete event {d.EventId}",
        LinkReplica l => $"link {l.EventId} ↔ {l.ObjectId}",
        UnlinkReplica u => $"unlink {u.ObjectId}",
        HeldEffect h => $"HELD: {h.Intended} ({h.Reason})",
        _ => e.GetType().Name,
    };

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static System.Collections.Immutable.ImmutableArray<string> Names(EventRow ev) =>
        ev.Attendees.Select(a => a.Address).ToImmutableArray();
}
