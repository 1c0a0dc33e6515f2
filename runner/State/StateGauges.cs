using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.State;

/// <summary>The telemetry's gauges of one tenant, read from its state file at each collection (docs/runner.md, "Telemetry").</summary>
internal static class StateGauges
{
    /// <summary>Registers <paramref name="store"/> with the gauges until disposed.</summary>
    public static IDisposable Observe(StateStore store) => RunnerTelemetry.Observe(() => Read(store));

    /// <summary>Held effects, quarantined CRM records and each mailbox's breaker, as the state file has them now.</summary>
    internal static TenantReading Read(StateStore store)
    {
        var tenant = store.Tenant();
        return new TenantReading(
            tenant.Tenant ?? string.Empty,
            store.Effects(EffectStatus.Held).Count,
            tenant.CrmQuarantine.Count,
            [.. store.Mailboxes().Select(m => (m.Id, (int)m.Status))]);
    }
}
