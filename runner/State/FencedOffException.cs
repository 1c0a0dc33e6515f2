namespace RulesSync.Runner.State;

/// <summary>
/// A write refused because a lease moved on: another holder (another activation, on another silo) took the tenant's
/// lease, or the meeting's, after the writer did. Nothing of the refused write was stored.
/// </summary>
/// <param name="subject">What the lease is for: <c>tenant t</c>, or <c>meeting m of tenant t</c>.</param>
/// <param name="token">The writer's fencing token.</param>
/// <param name="current">The newest token the store knows for the subject.</param>
/// <param name="holder">Who holds the newest token, when the store knows.</param>
internal sealed class FencedOffException(string subject, long token, long current, string? holder)
    : Exception($"{subject}: fenced off: the writer holds lease token {token}, the lease is at {current} (held by {holder ?? "nobody"}); nothing was written")
{
    public long Token { get; } = token;

    public long Current { get; } = current;
}
