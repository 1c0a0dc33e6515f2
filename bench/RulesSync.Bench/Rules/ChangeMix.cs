using RulesSync.Engine.Changes;

namespace RulesSync.Bench.Rules;

/// <summary>
/// A realistic mix of observed changes, from a fixed seed: mostly updates to linked meetings seen in
/// mailboxes, some new meetings, CRM changes, and a few removals, cancellations and past meetings.
/// </summary>
internal static class ChangeMix
{
    public static ChangeFacts[] Create(int count, int seed)
    {
        var random = new Random(seed);
        var mix = new ChangeFacts[count];
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            var kind = roll switch
            {
                < 55 => ChangeKind.Updated,
                < 75 => ChangeKind.Created,
                < 83 => ChangeKind.Declined,
                < 90 => ChangeKind.Deleted,
                < 95 => ChangeKind.Cancelled,
                _ => ChangeKind.Missing,
            };
            mix[i] = new ChangeFacts(
                random.Next(100) < 75 ? ChangeSource.Mailbox : ChangeSource.Crm,
                random.Next(100) < 60 ? Provider.Exchange : Provider.Google,
                kind,
                random.Next(100) < 40 ? Role.Organizer : (random.Next(10) == 0 ? Role.None : Role.Attendee),
                kind == ChangeKind.Created ? (random.Next(4) == 0 ? LinkState.Other : LinkState.Unlinked) : (random.Next(5) == 0 ? LinkState.Other : LinkState.This),
                OwnsRecord: random.Next(2) == 0,
                random.Next(100) < 10 ? Timing.Past : Timing.Future,
                EmployeeAttendees: random.Next(100) < 70,
                ExternalAttendees: random.Next(100) < 50,
                random.Next(100) < 80 ? MeetingType.Appointment : MeetingType.Visit,
                random.Next(100) < 70 ? ApiVersion.V2 : ApiVersion.V1,
                AutoShare: random.Next(2) == 0,
                InSyncWindow: random.Next(100) < 95);
        }

        return mix;
    }
}
