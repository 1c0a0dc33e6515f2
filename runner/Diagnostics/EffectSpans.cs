using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Diagnostics;

/// <summary>
/// A mailbox port whose writes — the effects the engine carries out — are each one <c>rulesync.effect</c> span
/// (named by the effect's kind, as the journal names it), so the HTTP requests of an effect nest under it. Reads pass
/// through untouched. Adds nothing else: a decorator the live runner puts around its port.
/// </summary>
internal sealed class EffectSpanMailboxPort(IMailboxPort inner) : IMailboxPort
{
    public Provider Provider => inner.Provider;

    public ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default) =>
        inner.ReadChangesAsync(cursor, cancellationToken);

    public ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(CreateEvent), () => inner.CreateEventAsync(content, idempotencyKey, cancellationToken));

    public ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(UpdateEvent), () => inner.UpdateEventAsync(eventId, content, cancellationToken));

    public ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(CancelEvent), () => inner.CancelEventAsync(eventId, cancellationToken));

    public ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(DeleteEvent), () => inner.DeleteEventAsync(eventId, cancellationToken));
}

/// <summary>The CRM port's counterpart of <see cref="EffectSpanMailboxPort"/>.</summary>
internal sealed class EffectSpanCrmPort(ICrmPort inner) : ICrmPort
{
    public ApiVersion Dialect => inner.Dialect;

    public ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default) =>
        inner.ReadChangesAsync(since, cancellationToken);

    public ValueTask<ImmutableArray<string>> ListIdsAsync(CancellationToken cancellationToken = default) =>
        inner.ListIdsAsync(cancellationToken);

    public ValueTask<CrmWrite> CreateAsync(MeetingContent content, string owner, string groupwareItemId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(CreateCrmRecord), () => inner.CreateAsync(content, owner, groupwareItemId, idempotencyKey, cancellationToken));

    public ValueTask<CrmWrite> UpdateAsync(string objectId, string ifMatch, MeetingContent content, string? relinkTo, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(UpdateCrmRecord), () => inner.UpdateAsync(objectId, ifMatch, content, relinkTo, cancellationToken));

    public ValueTask<CrmWrite> CancelAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(CancelCrmRecord), () => inner.CancelAsync(objectId, ifMatch, cancellationToken));

    public ValueTask DeleteAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default) =>
        EffectSpan.Around(nameof(DeleteCrmRecord), () => inner.DeleteAsync(objectId, ifMatch, cancellationToken));
}

/// <summary>Runs one write inside a <c>rulesync.effect</c> span; a failure marks the span (by exception type, never its message).</summary>
internal static class EffectSpan
{
    public static async ValueTask<T> Around<T>(string kind, Func<ValueTask<T>> write)
    {
        using var activity = RunnerTelemetry.StartEffect(kind);
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RunnerTelemetry.Failed(activity, e.GetType().Name);
            throw;
        }
    }

    public static async ValueTask Around(string kind, Func<ValueTask> write) =>
        await Around(kind, async () =>
        {
            await write().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
}
