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

    /// <summary>Employees and their providers.</summary>
    public OrganizationSeed Organization { get; init; } = OrganizationSeed.Default;

    /// <summary>Graph page size when the client sends no <c>Prefer: odata.maxpagesize</c>.</summary>
    public int GraphDefaultPageSize { get; init; } = 10;

    /// <summary>
    /// Exchange's concurrency limit per mailbox (4 in production): more Graph requests in flight
    /// for one mailbox answer 429. Null (the default) enforces nothing; the peak is always counted.
    /// </summary>
    public int? GraphConcurrentRequestsPerMailbox { get; init; }

    /// <summary>Google <c>maxResults</c> default (the API's is 250; its maximum is 2500).</summary>
    public int GoogleDefaultPageSize { get; init; } = 250;

    /// <summary>CRM server page size (C4C pages at 1000).</summary>
    public int CrmPageSize { get; init; } = 1000;

    /// <summary>Faults in force from the start; more can be added through <see cref="EmulatorHost.Faults"/>.</summary>
    public IReadOnlyList<FaultRule> Faults { get; init; } = [];
}
