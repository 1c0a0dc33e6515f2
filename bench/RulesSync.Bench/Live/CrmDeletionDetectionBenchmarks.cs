using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Bench.Live;

/// <summary>
/// What the CRM side of one live-runner cycle costs for a tenant of <see cref="Records"/> records (appointments with
/// three involved parties each, c4codataapi shape, the emulator's server pages of 1,000), when nothing changed.
/// <list type="bullet">
/// <item><see cref="BeforePollAndFullListing"/> (baseline): the change poll plus the full read of every record with
/// <c>$expand</c> of its parties — how deletions were detected every cycle before.</item>
/// <item><see cref="AfterPoll"/>: the change poll alone — every cycle now.</item>
/// <item><see cref="AfterIdsOnlyListing"/>: the ids-only listing (<c>$select=ObjectID</c>) — once per
/// <c>crm.idListingInterval</c> (hourly by default), not per cycle.</item>
/// </list>
/// Requests and response bytes per invocation are counted client-side and printed at GlobalCleanup (<c>// crm:</c>).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class CrmDeletionDetectionBenchmarks : IDisposable
{
    public const int Records = 10_000;

    private readonly Dictionary<string, (long Requests, long Bytes)> perInvocation = new(StringComparer.Ordinal);
    private EmulatorHost? host;
    private CountingHandler? counter;
    private ODataCrmConnection? connection;
    private ODataCrmConnector? tenant;
    private CrmWatermark latest;

    [GlobalSetup]
    public void Setup()
    {
        host = EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 }).GetAwaiter().GetResult();
        var start = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Records; i++)
        {
            var organizer = $"employee{i % 500}@contoso.example";
            host.Crm.Add(new CrmActivityDraft(
                CrmActivityKind.Appointment, $"Meeting {i}", start.AddHours(i), start.AddHours(i + 1), "P-" + organizer, organizer, "P-" + organizer,
                [
                    new RulesSync.Emulators.Crm.CrmParty("P-" + organizer, CrmRoleCodes.Organizer, organizer),
                    new RulesSync.Emulators.Crm.CrmParty($"P-a{i}", CrmRoleCodes.Attendee, $"employee{(i + 7) % 500}@contoso.example"),
                    new RulesSync.Emulators.Crm.CrmParty($"P-c{i}", CrmRoleCodes.Contact, $"contact{i}@fabrikam.example"),
                ])
            { GroupwareItemID = $"AAMk-{i}" });
        }

        counter = new CountingHandler();
        connection = new ODataCrmConnection(
            new ODataCrmOptions { ServiceRoot = host.CrmServiceRoot(CrmDialect.V2), EmployeeDomains = ["contoso.example"] },
            TimeProvider.System,
            NullLoggerFactory.Instance,
            counter);
        tenant = connection.ForEmployee("tenant@contoso.example");
        latest = tenant.ReadTenantChangesAsync(new CrmWatermark(0)).AsTask().GetAwaiter().GetResult().Next;
    }

    [IterationSetup]
    public void Reset() => counter!.Reset();

    [Benchmark(Baseline = true)]
    public async Task<int> BeforePollAndFullListing()
    {
        var page = await tenant!.ReadTenantChangesAsync(latest).ConfigureAwait(false);
        var live = await tenant.ListTenantRecordsAsync().ConfigureAwait(false);
        Record(nameof(BeforePollAndFullListing));
        return page.Records.Length + live.Length;
    }

    [Benchmark]
    public async Task<int> AfterPoll()
    {
        var page = await tenant!.ReadTenantChangesAsync(latest).ConfigureAwait(false);
        Record(nameof(AfterPoll));
        return page.Records.Length;
    }

    [Benchmark]
    public async Task<int> AfterIdsOnlyListing()
    {
        var ids = await tenant!.ListTenantIdsAsync().ConfigureAwait(false);
        Record(nameof(AfterIdsOnlyListing));
        return ids.Length;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (name, (requests, bytes)) in perInvocation)
        {
            Console.WriteLine($"// crm: {name}: {requests} requests, {bytes:N0} response bytes per invocation ({Records:N0} records)");
        }

        Dispose();
        host?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        connection?.Dispose();
        counter?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Record(string name) => perInvocation[name] = (counter!.Requests, counter.Bytes);

    /// <summary>Counts requests and response body bytes.</summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private long requests;
        private long bytes;

        public long Requests => Interlocked.Read(ref requests);

        public long Bytes => Interlocked.Read(ref bytes);

        public void Reset()
        {
            Interlocked.Exchange(ref requests, 0);
            Interlocked.Exchange(ref bytes, 0);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref requests);
            Interlocked.Add(ref bytes, response.Content.Headers.ContentLength ?? 0);
            return response;
        }
    }
}
