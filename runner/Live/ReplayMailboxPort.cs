using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Live;

/// <summary>
/// A mailbox port that reads the provider's delta once per cycle: the guard's plan and the sync itself read the same
/// page from the same cursor, so a cycle still costs one delta round per mailbox. Writes pass straight through. One
/// instance per mailbox sync attempt.
/// </summary>
internal sealed class ReplayMailboxPort(IMailboxPort inner) : IMailboxPort
{
    private (MailboxCursor Cursor, MailboxPage Page)? read;

    public Provider Provider => inner.Provider;

    public async ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default)
    {
        if (read is { } r && r.Cursor == cursor)
        {
            return r.Page;
        }

        var page = await inner.ReadChangesAsync(cursor, cancellationToken).ConfigureAwait(false);
        read = (cursor, page);
        return page;
    }

    public ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default) =>
        inner.CreateEventAsync(content, idempotencyKey, cancellationToken);

    public ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default) =>
        inner.UpdateEventAsync(eventId, content, cancellationToken);

    public ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        inner.CancelEventAsync(eventId, cancellationToken);

    public ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        inner.DeleteEventAsync(eventId, cancellationToken);
}
