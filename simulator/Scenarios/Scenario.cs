using System.Collections.Immutable;
using RulesSync.Engine.Changes;

namespace RulesSync.Simulator.Scenarios;

/// <summary>Where the meeting is created.</summary>
public enum MeetingOrigin : byte
{
    /// <summary>The organizer creates it in their calendar and invites the attendees.</summary>
    Mailbox,

    /// <summary>A CRM user creates the appointment (owner and organizer: the organizing employee).</summary>
    Crm,
}

/// <summary>
/// One simulated tenant and meeting: employees (index 0 organizes, the others are invited), their providers,
/// external attendees, the CRM API version, auto-share, the meeting type and where it is created. Immutable.
/// </summary>
/// <param name="Providers">One mailbox provider per employee; employee 0 is the organizer.</param>
/// <param name="ExternalAttendees">How many people outside the tenant are invited.</param>
/// <param name="ApiVersion">The CRM API generation every sync speaks.</param>
/// <param name="AutoShare">The tenant's auto-share flag.</param>
/// <param name="Origin">Where the meeting is created (the schedule's first step).</param>
/// <param name="MeetingType">Appointment or visit.</param>
/// <param name="Past">Whether the meeting lies in the past relative to the syncs' clock.</param>
/// <param name="ExternalOrganizer">
/// Whether a customer (<see cref="ExternalOrganizerName"/>, outside the tenant, no sync) organizes the meeting and
/// every employee is invited. With <see cref="MeetingOrigin.Crm"/>, employee A tracked the meeting in the CRM when the
/// invitation arrived (a record owned by A, linked to A's copy), as the CRM's calendar add-in does.
/// </param>
public sealed record Scenario(
    ImmutableArray<Provider> Providers,
    int ExternalAttendees,
    ApiVersion ApiVersion,
    bool AutoShare,
    MeetingOrigin Origin,
    MeetingType MeetingType = MeetingType.Appointment,
    bool Past = false,
    bool ExternalOrganizer = false)
{
    /// <summary>The address of the customer who organizes the meeting when <see cref="ExternalOrganizer"/>.</summary>
    public const string ExternalOrganizerName = "org@customer.example";

    /// <summary>The meeting's organizer: employee A, or the customer.</summary>
    public string Organizer => ExternalOrganizer ? ExternalOrganizerName : EmployeeName(0);

    /// <summary>
    /// Whether the organizer's removing and inviting again an employee are among <see cref="Actions"/> (the
    /// exhaustive phase explores them for small populations only: <c>SimulationOptions.AttendeeChangeEmployees</c>).
    /// </summary>
    public bool AttendeeChanges { get; init; } = true;

    /// <summary>
    /// Whether the organizer's moving the meeting across the sync window's edge is among <see cref="Actions"/> (the
    /// exhaustive phase explores it for small populations only: <c>SimulationOptions.WindowEdgeEmployees</c>).
    /// </summary>
    public bool WindowEdge { get; init; }

    /// <summary>
    /// Whether the organizer (employee A) also organizes a second meeting, <c>m2</c>, created with the first and
    /// inviting the same people, which A may reschedule or cancel (the exhaustive phase explores it for small
    /// populations only: <c>SimulationOptions.SecondMeetingEmployees</c>). Two meetings of one owner share every store,
    /// sync and CRM poll; each is judged against its own intents. Not with a customer organizing.
    /// </summary>
    public bool SecondMeeting { get; init; }

    /// <summary>
    /// Whether a CRM user's edits of the appointment's time (<c>crm reschedules</c>) and owner (<c>crm hands over to
    /// C</c>: the last-named employee, as with attendee changes) are among <see cref="Actions"/>, beside the subject edit
    /// (the exhaustive phase explores them for small populations only: <c>SimulationOptions.CrmEditEmployees</c>).
    /// </summary>
    public bool CrmFieldEdits { get; init; }

    /// <summary>
    /// Whether a CRM user's edits of the appointment's status (<c>crm completes</c>, <c>crm reopens</c>) and parties
    /// (<c>crm removes C</c>, <c>crm adds C</c>: the last-named employee, as with attendee changes; not with a customer
    /// organizing) are among <see cref="Actions"/> (the exhaustive phase explores them for small populations only:
    /// <c>SimulationOptions.CrmStatusEditEmployees</c>).
    /// </summary>
    public bool CrmStatusEdits { get; init; }

    /// <summary>
    /// Whether the meeting is created beyond the sync window (400 days later than usual, so 407 days ahead: the rule
    /// set sees <c>inSyncWindow: false</c> from its first sync) and enters it when the organizer moves it back
    /// (<c>A moves across the window edge</c>), a CRM user reschedules it into the window (<c>crm reschedules</c>
    /// of a record beyond the window moves it 400 days earlier), or time carries it in (<c>time passes</c>). Such scenarios also carry <see cref="WindowEdge"/>
    /// and <see cref="CrmFieldEdits"/> (the exhaustive phase explores them for small populations only:
    /// <c>SimulationOptions.BeyondWindowEmployees</c>). Not with a customer organizing.
    /// </summary>
    public bool CreatedBeyondWindow { get; init; }

    /// <summary>Whether the world holds the second meeting (<see cref="SecondMeeting"/>, and an employee organizes).</summary>
    public bool HasSecondMeeting => SecondMeeting && !ExternalOrganizer;

    /// <summary>The first employee invited to the meeting: B, or A when a customer organizes it.</summary>
    public int FirstAttendee => ExternalOrganizer ? 0 : 1;

    /// <summary>
    /// The user actions of the exhaustive scope (the issue's list): the organizer reschedules, cancels or deletes the
    /// meeting; the organizer removes the last-named employee (and invites them again), or with
    /// <paramref name="anyAttendeeRemoved"/> any invited employee (random mode; so too a CRM user's hand-over and party
    /// edits, which otherwise name the last-named employee); each invited employee declines or
    /// deletes their copy; a CRM user edits, cancels or deletes the record; time passes (the meeting, linked or not,
    /// becomes past); with <see cref="WindowEdge"/>, the organizer moves the meeting across the sync window's edge.
    /// Removing only the last-named employee keeps the exhaustive phase within
    /// its budget and loses no case up to renaming: attendees are explored with providers in sorted order, and every
    /// smaller population is explored too, so each provider's removal occurs.
    /// </summary>
    public ImmutableArray<ScheduleStep> Actions(bool anyAttendeeRemoved = false)
    {
        var b = ImmutableArray.CreateBuilder<ScheduleStep>();
        b.Add(new(StepKind.OrganizerReschedules, 0));
        b.Add(new(StepKind.OrganizerCancels, 0));
        b.Add(new(StepKind.OrganizerDeletes, 0));
        for (var e = FirstAttendee; e < Employees; e++)
        {
            b.Add(new(StepKind.AttendeeDeclines, e));
            b.Add(new(StepKind.AttendeeDeletesCopy, e));
            if (AttendeeChanges && (anyAttendeeRemoved || e == Employees - 1))
            {
                b.Add(new(StepKind.OrganizerRemovesAttendee, e));
                b.Add(new(StepKind.OrganizerAddsAttendee, e));
            }
        }

        b.Add(new(StepKind.CrmEdits, 0));
        var firstEdited = anyAttendeeRemoved ? 1 : Employees - 1;
        if (CrmFieldEdits)
        {
            b.Add(new(StepKind.CrmReschedules, 0));
            for (var e = Math.Max(firstEdited, 1); e < Employees; e++)
            {
                b.Add(new(StepKind.CrmChangesOwner, e));
            }
        }

        if (CrmStatusEdits)
        {
            b.Add(new(StepKind.CrmCompletes, 0));
            b.Add(new(StepKind.CrmReopens, 0));
            for (var e = Math.Max(firstEdited, 1); e < Employees && !ExternalOrganizer; e++)
            {
                b.Add(new(StepKind.CrmRemovesParty, e));
                b.Add(new(StepKind.CrmAddsParty, e));
            }
        }

        b.Add(new(StepKind.CrmCancels, 0));
        b.Add(new(StepKind.CrmDeletes, 0));
        b.Add(new(StepKind.ClockAdvances, 0));
        if (WindowEdge && !ExternalOrganizer)
        {
            b.Add(new(StepKind.OrganizerCrossesWindow, 0));
        }

        if (HasSecondMeeting)
        {
            b.Add(new(StepKind.SecondMeetingReschedules, 0));
            b.Add(new(StepKind.SecondMeetingCancels, 0));
        }

        return b.ToImmutable();
    }

    /// <summary>The number of employees (organizer included).</summary>
    public int Employees => Providers.Length;

    /// <summary>The employee id of employee <paramref name="index"/>: A, B, C, ...</summary>
    public static string EmployeeName(int index) =>
        (uint)index < (uint)Names.Length ? Names[index] : ((char)('A' + index)).ToString();

    private static readonly string[] Names = [.. Enumerable.Range(0, 26).Select(i => ((char)('A' + i)).ToString())];

    /// <summary>The address of external attendee <paramref name="index"/>.</summary>
    public static string ExternalName(int index) => $"x{index + 1}@customer.example";

    /// <summary>A short description, e.g. <c>api=v2 autoShare=on origin=mailbox A:exchange B:google +1 external</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>
        {
            $"api={(ApiVersion == ApiVersion.V1 ? "v1" : "v2")}",
            $"autoShare={(AutoShare ? "on" : "off")}",
            $"origin={(Origin == MeetingOrigin.Mailbox ? "mailbox" : "crm")}",
        };
        for (var i = 0; i < Providers.Length; i++)
        {
            parts.Add($"{EmployeeName(i)}:{Providers[i].ToString().ToLowerInvariant()}");
        }

        if (ExternalAttendees > 0)
        {
            parts.Add($"+{ExternalAttendees} external");
        }

        if (MeetingType == MeetingType.Visit)
        {
            parts.Add("visit");
        }

        if (Past)
        {
            parts.Add("past");
        }

        if (ExternalOrganizer)
        {
            parts.Add("organizer=external");
        }

        if (HasSecondMeeting)
        {
            parts.Add("+m2");
        }

        if (CrmFieldEdits)
        {
            parts.Add("crm-edits");
        }

        if (CrmStatusEdits)
        {
            parts.Add("crm-status-edits");
        }

        if (CreatedBeyondWindow)
        {
            parts.Add("beyond-window");
        }

        return string.Join(' ', parts);
    }

    /// <summary>Equality comparing providers element by element.</summary>
    public bool Equals(Scenario? other) =>
        other is not null && ExternalAttendees == other.ExternalAttendees && ApiVersion == other.ApiVersion
        && AutoShare == other.AutoShare && Origin == other.Origin && MeetingType == other.MeetingType
        && Past == other.Past && ExternalOrganizer == other.ExternalOrganizer && AttendeeChanges == other.AttendeeChanges && WindowEdge == other.WindowEdge && SecondMeeting == other.SecondMeeting && CrmFieldEdits == other.CrmFieldEdits && CrmStatusEdits == other.CrmStatusEdits && CreatedBeyondWindow == other.CreatedBeyondWindow && Providers.SequenceEqual(other.Providers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Providers.Length, ExternalAttendees, ApiVersion, AutoShare, Origin, MeetingType, Past, ExternalOrganizer);
}
