using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Hosting;

/// <summary>How an <see cref="EmulatorHost"/> starts.</summary>
public sealed record EmulatorOptions
{
    /// <summary>The clock for event timestamps, CRM change times and injected delays. Tests pass a FakeTimeProvider.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Seed for every generated id: same seed, same requests, same ids.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Port on 127.0.0.1; 0 picks a free one (tests).</summary>
    public int Port { get; init; }

    /// <summary>Port of the HTTPS twin listener on 127.0.0.1 (the token endpoints' host); 0 picks a free one.</summary>
    public int HttpsPort { get; init; }

    /// <summary>
    /// The identity providers' clock: token lifetimes and client assertions are checked on it. Defaults to the
    /// machine clock, because MSAL stamps its client assertions from the machine clock and cannot be given another;
    /// a test of token expiry passes a FakeTimeProvider here.
    /// </summary>
    public TimeProvider IdentityTimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long an issued access token lives (Entra and Google: an hour).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether the Graph and Google emulators demand an access token from the token endpoints (the default, as
    /// the real services do). Off only for tests of the protocol shapes that call the emulators without signing in.
    /// </summary>
    public bool RequireAccessTokens { get; init; } = true;

    /// <summary>Employees and their providers.</summary>
    public OrganizationSeed Organization { get; init; } = OrganizationSeed.Default;

    /// <summary>Graph page size when the client sends no <c>Prefer: odata.maxpagesize</c>.</summary>
    public int GraphDefaultPageSize { get; init; } = 10;

    /// <summary>
    /// Exchange's concurrency limit per mailbox (4 in production): more Graph requests in flight
    /// for one mailbox answer 429. Null (the default) enforces nothing; the peak is always counted.
    /// </summary>
    public int? GraphConcurrentRequestsPerMailbox { get; init; }

    /// <summary>
    /// Graph's request budget per mailbox (10,000 in production) per <see cref="GraphRequestWindow"/>: more answer
    /// 429 with Retry-After until the oldest request leaves the sliding window. Null (the default) enforces nothing.
    /// Each <c>$batch</c> sub-request counts.
    /// </summary>
    public int? GraphRequestsPerMailbox { get; init; }

    /// <summary>The window of <see cref="GraphRequestsPerMailbox"/> (10 minutes in production).</summary>
    public TimeSpan GraphRequestWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Google's per-user quota (600 per minute by default) per <see cref="GoogleRequestWindow"/>: more answer 403
    /// <c>usageLimits</c>/<c>userRateLimitExceeded</c>. Null (the default) enforces nothing.
    /// </summary>
    public int? GoogleRequestsPerUser { get; init; }

    /// <summary>The window of <see cref="GoogleRequestsPerUser"/>.</summary>
    public TimeSpan GoogleRequestWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Google <c>maxResults</c> default (the API's is 250; its maximum is 2500).</summary>
    public int GoogleDefaultPageSize { get; init; } = 250;

    /// <summary>CRM server page size (C4C pages at 1000).</summary>
    public int CrmPageSize { get; init; } = 1000;

    /// <summary>Faults in force from the start; more can be added through <see cref="EmulatorHost.Faults"/>.</summary>
    public IReadOnlyList<FaultRule> Faults { get; init; } = [];
}
