using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Live;

/// <summary>
/// The record versions an approved effect writes over: the record as it now stands in the CRM (the approval is the
/// operator's decision on the record as it is, not as the sync that held it read it). For <see cref="EffectExecutor"/>.
/// </summary>
internal sealed class CrmRecordVersions(ODataCrmConnector crm) : IRecordVersions
{
    public async ValueTask<CrmRecord?> CurrentAsync(string objectId, CancellationToken cancellationToken) =>
        await crm.GetAsync(objectId, cancellationToken).ConfigureAwait(false);
}
