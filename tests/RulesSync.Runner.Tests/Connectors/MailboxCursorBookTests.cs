using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors;

namespace RulesSync.Runner.Tests.Connectors;

public sealed class MailboxCursorBookTests
{
    private static MailboxItem Item(string id, bool removed) =>
        new(id, "ck", new MeetingUid("uid-" + id), true, "a@x", ImmutableArray<MeetingAttendee>.Empty, false, "s", default, default, MeetingType.Appointment, AttendeeResponse.None, removed);

    [Fact]
    public void Resolve_PositionZero_IsAFullListingAndIssuedPositionsResolveToTheirTokens()
    {
        var book = new MailboxCursorBook();

        var first = book.Issue("delta-1");
        var second = book.Issue("delta-2");

        Assert.Null(book.Resolve(new MailboxCursor(0)));
        Assert.Equal("delta-1", book.Resolve(first));
        Assert.Equal("delta-2", book.Resolve(second));
        Assert.True(second.Position > first.Position);
        Assert.Throws<ArgumentException>(() => book.Resolve(new MailboxCursor(99)));
    }

    [Fact]
    public void Observe_RemovalNotice_ForgetsTheIdAndLiveItemsAreKnown()
    {
        var book = new MailboxCursorBook();

        book.Observe([Item("e1", false), Item("e2", false)]);
        book.Observe([Item("e1", true)]);

        Assert.Equal(["e2"], book.KnownEventIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ExportImport_RoundTrip_KeepsTokensKnownIdsAndNextPosition()
    {
        var book = new MailboxCursorBook();
        var cursor = book.Issue("sync-token-1");
        book.Observe([Item("e1", false)]);

        var restored = MailboxCursorBook.Import(book.Export());

        Assert.Equal("sync-token-1", restored.Resolve(cursor));
        Assert.Equal(["e1"], restored.KnownEventIds);
        Assert.Equal(cursor.Position + 1, restored.Issue("sync-token-2").Position);
    }
}
