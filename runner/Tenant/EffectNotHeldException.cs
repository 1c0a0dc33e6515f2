using RulesSync.Runner.State;

namespace RulesSync.Runner.Tenant;

/// <summary>An approve or discard named an effect that is no longer held (already reviewed or carried out).</summary>
internal sealed class EffectNotHeldException(string key, EffectStatus status)
    : Exception($"effect {key} is {status.ToString().ToLowerInvariant()}, not held")
{
    public string Key { get; } = key;

    public EffectStatus Status { get; } = status;
}
