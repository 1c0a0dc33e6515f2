namespace RulesSync.Simulator.Scenarios;

/// <summary>
/// One kind of step of a schedule: a user action or one employee's sync. The organizer's steps (<c>A reschedules</c>,
/// <c>A cancels</c>, ...) are the organizer's whoever organizes: the customer when the scenario's organizer is external.
/// </summary>
public enum StepKind : byte
{
    /// <summary>The meeting is created (in the organizer's calendar or in the CRM, per the scenario).</summary>
    Create,

    /// <summary>The employee's sync agent runs once.</summary>
    Sync,

    /// <summary>The organizer moves the meeting by an hour in their calendar.</summary>
    OrganizerReschedules,

    /// <summary>The organizer cancels the meeting in their calendar (attendees are notified).</summary>
    OrganizerCancels,

    /// <summary>The organizer deletes the meeting in their calendar (the calendar sends cancellations).</summary>
    OrganizerDeletes,

    /// <summary>An attendee declines.</summary>
    AttendeeDeclines,

    /// <summary>An attendee deletes their own copy.</summary>
    AttendeeDeletesCopy,

    /// <summary>A CRM user changes the appointment's subject.</summary>
    CrmEdits,

    /// <summary>A CRM user cancels the appointment.</summary>
    CrmCancels,

    /// <summary>A CRM user deletes the appointment.</summary>
    CrmDeletes,

    /// <summary>
    /// Time passes: the syncs' clock moves ten days on, so the meeting (a week ahead) now lies in the past; or, by the
    /// world's state, carries a meeting beyond the window in, or takes a past one out at the window's past edge
    /// (<c>SimWorld.ClockStepDays</c>).
    /// </summary>
    ClockAdvances,

    /// <summary>
    /// The organizer moves the meeting across the edge of the sync window: 400 days later (out of the window, which
    /// reaches 365 days ahead) or, when it is already out, 400 days earlier (back in).
    /// </summary>
    OrganizerCrossesWindow,

    /// <summary>The organizer removes an invited employee from the meeting (who gets a cancellation of their copy).</summary>
    OrganizerRemovesAttendee,

    /// <summary>The organizer invites an employee again whom they had removed.</summary>
    OrganizerAddsAttendee,

    /// <summary>
    /// The employee's sync runs and the process crashes at the journal/carry-out boundary: its first decision is
    /// journaled, none of its effects is carried out. The next sync of the employee resumes. Explored only in worlds
    /// that run the admit and journal stages.
    /// </summary>
    SyncCrashes,

    /// <summary>The organizer moves the second meeting (<c>m2</c>, <see cref="Scenario.SecondMeeting"/>) by an hour in their calendar.</summary>
    SecondMeetingReschedules,

    /// <summary>The organizer cancels the second meeting (<c>m2</c>) in their calendar (its attendees are notified).</summary>
    SecondMeetingCancels,

    /// <summary>A CRM user moves the appointment two hours later (its time; <see cref="Scenario.CrmFieldEdits"/>).</summary>
    CrmReschedules,

    /// <summary>A CRM user hands the appointment over to another employee (its owner; <see cref="Scenario.CrmFieldEdits"/>).</summary>
    CrmChangesOwner,

    /// <summary>A CRM user completes the open appointment (status Completed; <see cref="Scenario.CrmStatusEdits"/>).</summary>
    CrmCompletes,

    /// <summary>A CRM user reopens the completed appointment (status Open again; <see cref="Scenario.CrmStatusEdits"/>).</summary>
    CrmReopens,

    /// <summary>A CRM user removes an employee from the appointment's parties (<see cref="Scenario.CrmStatusEdits"/>).</summary>
    CrmRemovesParty,

    /// <summary>A CRM user adds an employee to the appointment's parties (<see cref="Scenario.CrmStatusEdits"/>).</summary>
    CrmAddsParty,
}

/// <summary>One step of a schedule: its kind and, for syncs and attendee actions, the employee. Immutable.</summary>
/// <param name="Kind">What happens.</param>
/// <param name="Employee">The employee index (sync, attendee actions); 0 otherwise.</param>
public readonly record struct ScheduleStep(StepKind Kind, int Employee)
{
    /// <summary>A compact text form, e.g. <c>sync B</c>, <c>B declines</c>.</summary>
    public override string ToString() => Kind switch
    {
        StepKind.Create => "create",
        StepKind.Sync => $"sync {Scenario.EmployeeName(Employee)}",
        StepKind.SyncCrashes => $"sync {Scenario.EmployeeName(Employee)} crashes",
        StepKind.OrganizerReschedules => "A reschedules",
        StepKind.OrganizerCancels => "A cancels",
        StepKind.OrganizerDeletes => "A deletes",
        StepKind.AttendeeDeclines => $"{Scenario.EmployeeName(Employee)} declines",
        StepKind.AttendeeDeletesCopy => $"{Scenario.EmployeeName(Employee)} deletes copy",
        StepKind.CrmEdits => "crm edits",
        StepKind.CrmCancels => "crm cancels",
        StepKind.CrmDeletes => "crm deletes",
        StepKind.ClockAdvances => "time passes",
        StepKind.OrganizerCrossesWindow => "A moves across the window edge",
        StepKind.OrganizerRemovesAttendee => $"organizer removes {Scenario.EmployeeName(Employee)}",
        StepKind.OrganizerAddsAttendee => $"organizer adds {Scenario.EmployeeName(Employee)}",
        StepKind.SecondMeetingReschedules => "A reschedules m2",
        StepKind.SecondMeetingCancels => "A cancels m2",
        StepKind.CrmReschedules => "crm reschedules",
        StepKind.CrmChangesOwner => $"crm hands over to {Scenario.EmployeeName(Employee)}",
        StepKind.CrmCompletes => "crm completes",
        StepKind.CrmReopens => "crm reopens",
        StepKind.CrmRemovesParty => $"crm removes {Scenario.EmployeeName(Employee)}",
        StepKind.CrmAddsParty => $"crm adds {Scenario.EmployeeName(Employee)}",
        _ => Kind.ToString(),
    };

    /// <summary>Parses <see cref="ToString"/>'s form back (for replaying schedules from reports).</summary>
    public static ScheduleStep Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        static int E(string s) => s[0] - 'A';
        if (t == "create")
        {
            return new(StepKind.Create, 0);
        }

        if (t.StartsWith("sync ", StringComparison.Ordinal) && t.EndsWith(" crashes", StringComparison.Ordinal))
        {
            return new(StepKind.SyncCrashes, E(t[5..]));
        }

        if (t.StartsWith("sync ", StringComparison.Ordinal))
        {
            return new(StepKind.Sync, E(t[5..]));
        }

        return t switch
        {
            "A reschedules" => new(StepKind.OrganizerReschedules, 0),
            "A cancels" => new(StepKind.OrganizerCancels, 0),
            "A deletes" => new(StepKind.OrganizerDeletes, 0),
            "crm edits" => new(StepKind.CrmEdits, 0),
            "crm cancels" => new(StepKind.CrmCancels, 0),
            "crm deletes" => new(StepKind.CrmDeletes, 0),
            "time passes" => new(StepKind.ClockAdvances, 0),
            "A moves across the window edge" => new(StepKind.OrganizerCrossesWindow, 0),
            "A reschedules m2" => new(StepKind.SecondMeetingReschedules, 0),
            "A cancels m2" => new(StepKind.SecondMeetingCancels, 0),
            "crm reschedules" => new(StepKind.CrmReschedules, 0),
            "crm completes" => new(StepKind.CrmCompletes, 0),
            "crm reopens" => new(StepKind.CrmReopens, 0),
            _ when t.StartsWith("crm removes ", StringComparison.Ordinal) => new(StepKind.CrmRemovesParty, E(t[12..])),
            _ when t.StartsWith("crm adds ", StringComparison.Ordinal) => new(StepKind.CrmAddsParty, E(t[9..])),
            _ when t.StartsWith("crm hands over to ", StringComparison.Ordinal) => new(StepKind.CrmChangesOwner, E(t[18..])),
            _ when t.StartsWith("organizer removes ", StringComparison.Ordinal) => new(StepKind.OrganizerRemovesAttendee, E(t[18..])),
            _ when t.StartsWith("organizer adds ", StringComparison.Ordinal) => new(StepKind.OrganizerAddsAttendee, E(t[15..])),
            _ when t.EndsWith(" declines", StringComparison.Ordinal) => new(StepKind.AttendeeDeclines, E(t)),
            _ when t.EndsWith(" deletes copy", StringComparison.Ordinal) => new(StepKind.AttendeeDeletesCopy, E(t)),
            _ => throw new FormatException($"unknown schedule step '{text}'"),
        };
    }
}
