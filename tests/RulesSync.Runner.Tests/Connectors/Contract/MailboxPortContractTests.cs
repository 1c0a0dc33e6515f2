using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Tests.Connectors.Google;
using RulesSync.Runner.Tests.Connectors.Graph;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Runner.Tests.Connectors.Contract;

/// <summary>An organizer's and an attendee's <see cref="IMailboxPort"/> on one provider, and what to write with them.</summary>
/// <param name="Organizer">The organizer's port.</param>
/// <param name="Attendee">The attendee's port.</param>
/// <param name="OrganizerId">The organizer's id as the port's content names it.</param>
/// <param name="AttendeeId">The attendee's id as the port's content names it.</param>
/// <param name="Day">When the meeting starts.</param>
/// <param name="Resources">What to dispose after the test.</param>
public sealed record MailboxPorts(IMailboxPort Organizer, IMailboxPort Attendee, string OrganizerId, string AttendeeId, DateTimeOffset Day, IAsyncDisposable Resources);

/// <summary>The simulator's mailbox ports (Exchange).</summary>
public sealed class SimulatedMailboxPortContractTests : MailboxPortContractTests
{
    protected override Task<MailboxPorts> OpenAsync()
    {
        var world = SimWorld.Create(new Scenario([Provider.Exchange, Provider.Exchange], 0, ApiVersion.V2, false, MeetingOrigin.Mailbox), ContractPolicy.Instance, ContractPolicy.Now);
        return Task.FromResult(new MailboxPorts(new SimMailboxPort(world, 0), new SimMailboxPort(world, 1), "A", "B", ContractPolicy.Now.AddDays(2), ContractPolicy.Nothing));
    }
}

/// <summary>The Graph connector over the Graph emulator.</summary>
public sealed class GraphMailboxPortContractTests : MailboxPortContractTests
{
    protected override async Task<MailboxPorts> OpenAsync()
    {
        var t = await ConnectorTestHost.StartAsync();
        var graph = GraphTestSetup.Connect(t);
        return new MailboxPorts(graph.ForMailbox(ConnectorTestHost.Alice), graph.ForMailbox(ConnectorTestHost.Bob), ConnectorTestHost.Alice, ConnectorTestHost.Bob, ConnectorTestHost.Epoch.AddDays(2), new Both(graph, t));
    }
}

/// <summary>The Google Calendar connector over the Calendar v3 emulator.</summary>
public sealed class GoogleMailboxPortContractTests : MailboxPortContractTests
{
    protected override async Task<MailboxPorts> OpenAsync()
    {
        var t = await ConnectorTestHost.StartAsync();
        var google = GoogleTestSetup.Connect(t);
        return new MailboxPorts(google.ForMailbox(ConnectorTestHost.Carol), google.ForMailbox(ConnectorTestHost.Dave), ConnectorTestHost.Carol, ConnectorTestHost.Dave, ConnectorTestHost.Epoch.AddDays(2), new Both(google, t));
    }
}

/// <summary>
/// What the engine relies on from every <see cref="IMailboxPort"/>, one suite run against the simulator's ports and the
/// connectors over the emulators: a create is read back by the organizer and invites the attendee, an update comes
/// back as a new version, a cancel reaches the attendee's copy, a delete of a gone replica succeeds, and a read from
/// the latest cursor is empty.
/// </summary>
public abstract class MailboxPortContractTests
{
    protected abstract Task<MailboxPorts> OpenAsync();

    private static MeetingContent Content(MailboxPorts p, string subject) =>
        new(new MeetingUid(SimWorld.MeetingUid), subject, p.Day, p.Day.AddHours(1), p.OrganizerId, [p.AttendeeId], false, MeetingType.Appointment);

    private static MailboxItem Find(MailboxPage page, string eventId) =>
        Assert.Single(page.Items, i => i.EventId == eventId);

    [Fact]
    public async Task CreateEvent_IsReadBackByTheOrganizerAndInvitesTheAttendee()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var before = await p.Organizer.ReadChangesAsync(MailboxCursor.Start);

        var created = await p.Organizer.CreateEventAsync(Content(p, "Contract review"), "contract-key-1");
        var page = await p.Organizer.ReadChangesAsync(before.Next);
        var invited = await p.Attendee.ReadChangesAsync(MailboxCursor.Start);

        var item = Find(page, created.EventId);
        Assert.Equal(("Contract review", p.Day, p.Day.AddHours(1)), (item.Subject, item.Start.ToUniversalTime(), item.End.ToUniversalTime()));
        Assert.True(item.IsOrganizer);
        Assert.False(item.Cancelled || item.Removed);
        Assert.Contains(item.Attendees, a => a.Address == p.AttendeeId);
        Assert.Equal(created.ChangeKey, item.ChangeKey);
        var copy = Assert.Single(invited.Items, i => i.Uid == item.Uid);
        Assert.False(copy.IsOrganizer);
        Assert.Equal(p.OrganizerId, copy.Organizer);
    }

    [Fact]
    public async Task UpdateEvent_ComesBackAsANewVersionWithTheNewContent()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var created = await p.Organizer.CreateEventAsync(Content(p, "Contract review"), "contract-key-1");
        var cursor = (await p.Organizer.ReadChangesAsync(MailboxCursor.Start)).Next;

        var updated = await p.Organizer.UpdateEventAsync(created.EventId, Content(p, "Contract review (moved)") with { Start = p.Day.AddHours(2), End = p.Day.AddHours(3) });
        var page = await p.Organizer.ReadChangesAsync(cursor);

        Assert.Equal(created.EventId, updated.EventId);
        Assert.NotEqual(created.ChangeKey, updated.ChangeKey);
        var item = Find(page, created.EventId);
        Assert.Equal(("Contract review (moved)", p.Day.AddHours(2), updated.ChangeKey), (item.Subject, item.Start.ToUniversalTime(), item.ChangeKey));
    }

    [Fact]
    public async Task CancelEvent_CancelsOrRemovesTheOrganizersEventAndTheAttendeesCopy()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        var created = await p.Organizer.CreateEventAsync(Content(p, "Contract review"), "contract-key-1");
        var organizerCursor = (await p.Organizer.ReadChangesAsync(MailboxCursor.Start)).Next;
        var attendeeCursor = (await p.Attendee.ReadChangesAsync(MailboxCursor.Start)).Next;

        var cancelled = await p.Organizer.CancelEventAsync(created.EventId);
        var organizer = await p.Organizer.ReadChangesAsync(organizerCursor);
        var attendee = await p.Attendee.ReadChangesAsync(attendeeCursor);

        Assert.True(cancelled.Item is null or { Cancelled: true } or { Removed: true });
        Assert.True(Find(organizer, created.EventId) is { Cancelled: true } or { Removed: true });
        Assert.Contains(attendee.Items, i => i.Cancelled || i.Removed);
    }

    [Fact]
    public async Task DeleteEvent_TheAttendeesCopy_IsRemovedAndDeletingItAgainSucceeds()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        await p.Organizer.CreateEventAsync(Content(p, "Contract review"), "contract-key-1");
        var first = await p.Attendee.ReadChangesAsync(MailboxCursor.Start);
        var copy = Assert.Single(first.Items);

        await p.Attendee.DeleteEventAsync(copy.EventId);
        await p.Attendee.DeleteEventAsync(copy.EventId);
        var page = await p.Attendee.ReadChangesAsync(first.Next);

        Assert.True(Find(page, copy.EventId).Removed);
    }

    [Fact]
    public async Task ReadChanges_FromTheLatestCursor_IsEmpty()
    {
        var p = await OpenAsync();
        await using var _ = p.Resources;
        await p.Organizer.CreateEventAsync(Content(p, "Contract review"), "contract-key-1");
        var all = await p.Organizer.ReadChangesAsync(MailboxCursor.Start);

        var again = await p.Organizer.ReadChangesAsync(all.Next);

        Assert.NotEmpty(all.Items);
        Assert.Empty(again.Items);
    }
}

/// <summary>A policy the simulated world needs but the port contract never asks; a fixed clock; nothing to dispose.</summary>
internal sealed class ContractPolicy : IDecisionPolicy
{
    public static readonly ContractPolicy Instance = new();

    public static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static readonly IAsyncDisposable Nothing = new Both();

    public string Hash => "contract";

    public Decision Decide(in ChangeFacts facts) => throw new InvalidOperationException("the port contract decides nothing");
}

/// <summary>Disposes a connection, then its test host.</summary>
internal sealed class Both(params object[] resources) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var r in resources)
        {
            switch (r)
            {
                case IAsyncDisposable a:
                    await a.DisposeAsync();
                    break;
                case IDisposable d:
                    d.Dispose();
                    break;
            }
        }
    }
}
