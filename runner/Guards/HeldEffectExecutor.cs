using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Guards;

/// <summary>
/// Carries out one effect an operator approved, exactly as the engine planned it, through the same ports the sync
/// uses. CRM writes send the record's current version (the approval is the operator's decision on the record as it
/// now stands); a record already gone counts as deleted. The consequences come back through the next delta and
/// poll and are decided by the rules like any other change.
/// </summary>
internal static class HeldEffectExecutor
{
    public static async Task ExecuteAsync(Effect effect, IMailboxPort mailbox, ODataCrmConnector crm, CancellationToken cancellationToken)
    {
        ICrmPort port = crm;
        switch (effect)
        {
            case CancelEvent e:
                await mailbox.CancelEventAsync(e.EventId, cancellationToken).ConfigureAwait(false);
                break;
            case DeleteEvent e:
                await mailbox.DeleteEventAsync(e.EventId, cancellationToken).ConfigureAwait(false);
                break;
            case DeleteCrmRecord e:
                if (await crm.GetAsync(e.ObjectId, cancellationToken).ConfigureAwait(false) is { } gone)
                {
                    await port.DeleteAsync(e.ObjectId, gone.ETag, cancellationToken).ConfigureAwait(false);
                }

                break;
            case CancelCrmRecord e:
                {
                    var current = await crm.GetAsync(e.ObjectId, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"CRM record {e.ObjectId} no longer exists");
                    if (current.Status != CrmStatus.Cancelled)
                    {
                        await port.CancelAsync(e.ObjectId, current.ETag, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                }

            case UpdateCrmRecord e:
                {
                    var current = await crm.GetAsync(e.ObjectId, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"CRM record {e.ObjectId} no longer exists");
                    await port.UpdateAsync(e.ObjectId, current.ETag, e.Content, e.RelinkTo, cancellationToken).ConfigureAwait(false);
                    break;
                }

            default:
                throw new InvalidOperationException($"{effect.GetType().Name} is never held for review");
        }
    }
}
