using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Sync;

/// <summary>
/// The version of a CRM record an effect writes over (If-Match). A sync answers from what it read and wrote
/// (its working set); an operator's approval, later, answers with the record as it now stands.
/// </summary>
public interface IRecordVersions
{
    /// <summary>The record as the writer knows it, or null when it is gone (or was never read).</summary>
    ValueTask<CrmRecord?> CurrentAsync(string objectId, CancellationToken cancellationToken);
}

/// <summary>What carrying out one effect wrote, for the caller's bookkeeping. Immutable.</summary>
/// <param name="Writes">Store writes made (0 for effects that touch no store, or found nothing left to do).</param>
/// <param name="Record">The CRM record as it stands after the write, if one was written.</param>
/// <param name="Event">The mailbox write, if one was made.</param>
public readonly record struct EffectResult(int Writes, CrmRecord? Record = null, MailboxWrite? Event = null);

/// <summary>
/// The one executor of effects: every effect a sync carries out, and every effect an operator approves later, goes
/// through the ports here, exactly as the engine planned it. CRM writes send the version <see cref="IRecordVersions"/>
/// gives; a record already gone counts as deleted, and one already cancelled as cancelled.
/// </summary>
public static class EffectExecutor
{
    /// <summary>Carries out <paramref name="effect"/> through the ports and returns what it wrote.</summary>
    public static async ValueTask<EffectResult> ExecuteAsync(
        Effect effect, IMailboxPort mailbox, ICrmPort crm, IRecordVersions versions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(crm);
        ArgumentNullException.ThrowIfNull(versions);
        switch (effect)
        {
            case CreateCrmRecord e:
                return new(1, (await crm.CreateAsync(e.Content, e.Owner, e.EventId, e.IdempotencyKey, cancellationToken).ConfigureAwait(false)).Record);

            case UpdateCrmRecord e:
                {
                    var current = await Known(versions, e.ObjectId, cancellationToken).ConfigureAwait(false);
                    return new(1, (await crm.UpdateAsync(e.ObjectId, current.ETag, e.Content, e.RelinkTo, cancellationToken).ConfigureAwait(false)).Record);
                }

            case CancelCrmRecord e:
                {
                    var current = await Known(versions, e.ObjectId, cancellationToken).ConfigureAwait(false);
                    return current.Status == CrmStatus.Cancelled
                        ? new(0, current)
                        : new(1, (await crm.CancelAsync(e.ObjectId, current.ETag, cancellationToken).ConfigureAwait(false)).Record);
                }

            case DeleteCrmRecord e:
                {
                    if (await versions.CurrentAsync(e.ObjectId, cancellationToken).ConfigureAwait(false) is not { } current)
                    {
                        return new(0);
                    }

                    await crm.DeleteAsync(e.ObjectId, current.ETag, cancellationToken).ConfigureAwait(false);
                    return new(1);
                }

            case CreateEvent e:
                {
                    var created = await mailbox.CreateEventAsync(e.Content, e.IdempotencyKey, cancellationToken).ConfigureAwait(false);
                    var item = created.Item ?? throw new InvalidOperationException("a created event must be returned");
                    if (await versions.CurrentAsync(e.ObjectId, cancellationToken).ConfigureAwait(false) is not { } record)
                    {
                        return new(1, null, created);
                    }

                    var linked = await crm.UpdateAsync(e.ObjectId, record.ETag, record.ToContent(item.Uid), created.EventId, cancellationToken).ConfigureAwait(false);
                    return new(2, linked.Record, created);
                }

            case UpdateEvent e:
                return new(1, null, await mailbox.UpdateEventAsync(e.EventId, e.Content, cancellationToken).ConfigureAwait(false));

            case CancelEvent e:
                return new(1, null, await mailbox.CancelEventAsync(e.EventId, cancellationToken).ConfigureAwait(false));

            case DeleteEvent e:
                await mailbox.DeleteEventAsync(e.EventId, cancellationToken).ConfigureAwait(false);
                return new(1);

            case LinkReplica or UnlinkReplica or HeldEffect:
                return new(0);

            default:
                throw new ArgumentOutOfRangeException(nameof(effect), effect?.GetType().Name, "unknown effect");
        }
    }

    private static async ValueTask<CrmRecord> Known(IRecordVersions versions, string objectId, CancellationToken cancellationToken) =>
        await versions.CurrentAsync(objectId, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"CRM record {objectId} is written but is not known (never read, or no longer exists)");
}
