using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Google;
using RulesSync.Emulators.Graph;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Hosting;

/// <summary>
/// The protocol emulators on one Kestrel listener bound to 127.0.0.1: Graph v1.0 under
/// <c>/v1.0/</c>, Google Calendar v3 under <c>/calendar/v3/</c>, the CRM's OData V2 under
/// <c>/sap/c4c/odata/v1/</c>. Start with <see cref="StartAsync"/>, stop by disposing.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly IProtocolEmulator[] protocols;
    private readonly RequestPipeline pipeline;
    private readonly CancellationTokenSource stopping = new();

    private EmulatorHost(WebApplication app, EmulatorOptions options)
    {
        this.app = app;
        Options = options;
        var world = new CalendarWorld(options.Organization, options.TimeProvider, options.Seed);
        Organization = new EmulatedOrganization(world);
        var crmStore = new CrmStore(options.TimeProvider, options.Seed);
        Crm = new EmulatedCrm(crmStore);
        foreach (var rule in options.Faults)
        {
            Faults.Add(rule);
        }

        pipeline = new RequestPipeline(Counters, Faults, options.TimeProvider, options.GraphConcurrentRequestsPerMailbox, stopping.Token);
        protocols =
        [
            new GraphEmulator(world, options, () => pipeline),
            new GoogleCalendarEmulator(world, options),
            new ODataEmulator(crmStore, options),
        ];
    }

    /// <summary>The options the host started with.</summary>
    public EmulatorOptions Options { get; }

    /// <summary>Root of the listener, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The GraphServiceClient base URL, e.g. <c>http://127.0.0.1:41234/v1.0</c> (no trailing slash).</summary>
    public string GraphBaseUrl => BaseUri.AbsoluteUri.TrimEnd('/') + GraphEmulator.Prefix;

    /// <summary>The Google client's base URI (root; the service's BasePath is <c>calendar/v3/</c>).</summary>
    public Uri GoogleBaseUri => BaseUri;

    /// <summary>The employees, their calendars and every meeting message sent.</summary>
    public EmulatedOrganization Organization { get; }

    /// <summary>The CRM's appointments and visits behind the OData emulator.</summary>
    public EmulatedCrm Crm { get; }

    /// <summary>Faults in force; add rules at any time.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Requests per route and per mailbox.</summary>
    public RequestCounters Counters { get; } = new();

    /// <summary>The OData service root of one CRM API generation, ending in a slash.</summary>
    public Uri CrmServiceRoot(CrmDialect dialect) => new(BaseUri, ODataEmulator.RootPath(dialect));

    /// <summary>Starts the emulators on 127.0.0.1 (port from the options, 0 for any free one).</summary>
    public static async Task<EmulatorHost> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder();
        // No appsettings.json, environment or command line: nothing may add an endpoint beyond 127.0.0.1.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var host = new EmulatorHost(app, options);
        app.Run(host.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return host;
    }

    /// <summary>Stops the listener.</summary>
    public async ValueTask DisposeAsync()
    {
        // Release requests held by Timeout/SlowResponse faults first: a fake clock may never get there.
        await stopping.CancelAsync().ConfigureAwait(false);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(grace.Token).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        EmulatorResponse response;
        try
        {
            var request = await EmulatorRequest.ReadAsync(context, BaseUri).ConfigureAwait(false);
            var protocol = protocols.FirstOrDefault(p => p.Owns(request.Path));
            if (protocol is null)
            {
                response = new EmulatorResponse(404, "{\"error\":\"No emulator serves this path.\"}");
            }
            else
            {
                var (route, error) = protocol.Match(request);
                response = route is null
                    ? error!
                    : await pipeline.ExecuteAsync(protocol, route, request, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            // The client gave up (a timeout fault did its job), or the host is stopping.
            context.Abort();
            return;
        }
#pragma warning disable CA1031 // An emulator bug must reach the test as a 500 with its text, not as a dropped connection.
        catch (Exception e)
#pragma warning restore CA1031
        {
            response = new EmulatorResponse(500, System.Text.Json.JsonSerializer.Serialize(new { error = e.ToString() }));
        }

        await response.WriteAsync(context).ConfigureAwait(false);
    }
}
