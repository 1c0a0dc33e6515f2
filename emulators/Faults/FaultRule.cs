namespace RulesSync.Emulators.Faults;

/// <summary>
/// One fault to inject. A request matches when its route and mailbox match; the rule counts its
/// matching requests and fires on the <see cref="FromNth"/>-th and the <see cref="Times"/> - 1
/// after it (forever when <see cref="Times"/> is null). Bindable from configuration.
/// </summary>
public sealed record FaultRule
{
    /// <summary>What happens to a matching request.</summary>
    public FaultKind Kind { get; init; }

    /// <summary>Route name such as <c>graph.calendarView.delta</c>; a trailing <c>*</c> matches a prefix; null matches all.</summary>
    public string? Route { get; init; }

    /// <summary>Mailbox (email, case-insensitive) the request acts on; null matches all.</summary>
    public string? Mailbox { get; init; }

    /// <summary>The first matching request (1-based) that faults.</summary>
    public int FromNth { get; init; } = 1;

    /// <summary>How many matching requests fault, from <see cref="FromNth"/> on; null for all of them.</summary>
    public int? Times { get; init; } = 1;

    /// <summary>The Retry-After value sent with 429 and 503.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="FaultKind.Timeout"/> and <see cref="FaultKind.SlowResponse"/> hold a request.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Items per page under <see cref="FaultKind.ShortPage"/>.</summary>
    public int PageSize { get; init; } = 1;

    internal bool Matches(string route, string? mailbox)
    {
        if (Route is not null)
        {
            var matches = Route.EndsWith('*')
                ? route.StartsWith(Route[..^1], StringComparison.Ordinal)
                : string.Equals(route, Route, StringComparison.Ordinal);
            if (!matches)
            {
                return false;
            }
        }

        return Mailbox is null || string.Equals(Mailbox, mailbox, StringComparison.OrdinalIgnoreCase);
    }
}
