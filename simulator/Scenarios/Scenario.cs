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
public sealed record Scenario(
    ImmutableArray<Provider> Providers,
    int ExternalAttendees,
    ApiVersion ApiVersion,
    bool AutoShare,
    MeetingOrigin Origin,
    MeetingType MeetingType = MeetingType.Appointment,
    bool Past = false)
{
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

        return string.Join(' ', parts);
    }

    /// <summary>Equality comparing providers element by element.</summary>
    public bool Equals(Scenario? other) =>
        other is not null && ExternalAttendees == other.ExternalAttendees && ApiVersion == other.ApiVersion
        && AutoShare == other.AutoShare && Origin == other.Origin && MeetingType == other.MeetingType
        && Past == other.Past && Providers.SequenceEqual(other.Providers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Providers.Length, ExternalAttendees, ApiVersion, AutoShare, Origin, MeetingType, Past);
}
