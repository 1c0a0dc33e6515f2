using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
using RulesSync.Emulators.Identity;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Push;

namespace RulesSync.Emulators.Hosting;

/// <summary>
/// The protocol emulators on one Kestrel listener bound to 127.0.0.1: Graph v1.0 under
/// <c>/v1.0/</c>, Google Calendar v3 under <c>/calendar/v3/</c>, the CRM's OData V2 under
/// <c>/sap/c4c/odata/v1/</c>, and the identity providers' token endpoints (<see cref="Identity"/>). A second
/// listener on 127.0.0.1 serves the same over HTTPS with a self-signed certificate made at start
/// (<see cref="TlsCertificate"/>): MSAL refuses an authority that is not HTTPS, so clients reach the token endpoints
/// there and trust exactly this certificate. Start with <see cref="StartAsync"/>, stop by disposing.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly IProtocolEmulator[] protocols;
    private readonly RequestPipeline pipeline;
    private readonly CancellationTokenSource stopping = new();

    private EmulatorHost(WebApplication app, EmulatorOptions options, X509Certificate2 tls)
    {
        this.app = app;
        Options = options;
        TlsCertificate = tls;
        var world = new CalendarWorld(options.Organization, options.TimeProvider, options.Seed);
        Identity = new EmulatedIdentity(options.Seed, options.IdentityTimeProvider, options.TokenLifetime);
        Organization = new EmulatedOrganization(world);
        var crmStore = new CrmStore(options.TimeProvider, options.Seed);
        Crm = new EmulatedCrm(crmStore);
        foreach (var rule in options.Faults)
        {
            Faults.Add(rule);
        }

        pipeline = new RequestPipeline(Counters, Faults, options.TimeProvider, options, stopping.Token);
        var access = options.RequireAccessTokens ? Identity : null;
        Push = new PushOutbox(options.TimeProvider);
        var graph = new GraphEmulator(world, options, () => pipeline, access);
        var google = new GoogleCalendarEmulator(world, options, access);
        GraphSubscriptions = new GraphSubscriptions(world, graph, Push, Identity.TenantId);
        GoogleChannels = new GoogleChannels(world, google, Push);
        world.Changed = item =>
        {
            GraphSubscriptions.OnChanged(item);
            GoogleChannels.OnChanged(item);
        };
        protocols =
        [
            new IdentityEmulator(Identity, world),
            GraphSubscriptions,
            GoogleChannels,
            graph,
            google,
            new ODataEmulator(crmStore, options),
        ];
    }

    /// <summary>The options the host started with.</summary>
    public EmulatorOptions Options { get; }

    /// <summary>Root of the listener, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The HTTPS root of the same listener's twin, e.g. <c>https://127.0.0.1:41235/</c> (the token endpoints' host).</summary>
    public Uri HttpsBaseUri { get; private set; } = new("https://127.0.0.1/");

    /// <summary>The HTTPS listener's self-signed certificate (public part): the one certificate a client should trust here.</summary>
    public X509Certificate2 TlsCertificate { get; }

    /// <summary>The tenant, app registration and service account the token endpoints know; revoke and delete credentials here.</summary>
    public EmulatedIdentity Identity { get; }

    /// <summary>The GraphServiceClient base URL, e.g. <c>http://127.0.0.1:41234/v1.0</c> (no trailing slash).</summary>
    public string GraphBaseUrl => BaseUri.AbsoluteUri.TrimEnd('/') + GraphEmulator.Prefix;

    /// <summary>The Google client's base URI (root; the service's BasePath is <c>calendar/v3/</c>).</summary>
    public Uri GoogleBaseUri => BaseUri;

    /// <summary>The employees, their calendars and every meeting message sent.</summary>
    public EmulatedOrganization Organization { get; }

    /// <summary>The CRM's appointments and visits behind the OData emulator.</summary>
    public EmulatedCrm Crm { get; }

    /// <summary>Change notifications and channel messages waiting to be POSTed, with drop/duplicate/delay knobs.</summary>
    public PushOutbox Push { get; }

    /// <summary>The live Graph change-notification subscriptions' ids.</summary>
    public IReadOnlyList<string> GraphSubscriptionIds => GraphSubscriptions.Ids;

    /// <summary>The live Google channels' ids.</summary>
    public IReadOnlyList<string> GoogleChannelIds => GoogleChannels.Ids;

    private GraphSubscriptions GraphSubscriptions { get; }

    private GoogleChannels GoogleChannels { get; }

    /// <summary>
    /// Queues a Graph lifecycle notification (<c>reauthorizationRequired</c>, <c>subscriptionRemoved</c> — which also
    /// deletes the subscription — or <c>missed</c>); false if no such live subscription.
    /// </summary>
    public bool SendGraphLifecycle(string subscriptionId, string lifecycleEvent) => GraphSubscriptions.SendLifecycle(subscriptionId, lifecycleEvent);

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
        var tls = SelfSignedLoopbackCertificate(options.IdentityTimeProvider.GetUtcNow());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Listen(IPAddress.Loopback, options.HttpsPort, listen => listen.UseHttps(tls));
        });
        var app = builder.Build();
        var host = new EmulatorHost(app, options, tls);
        app.Run(host.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        host.BaseUri = new Uri(addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal)).TrimEnd('/') + "/");
        host.HttpsBaseUri = new Uri(addresses.First(a => a.StartsWith("https:", StringComparison.Ordinal)).TrimEnd('/') + "/");
        host.Identity.AuthorityHost = host.HttpsBaseUri;
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
        Identity.Dispose();
        Push.Dispose();
        TlsCertificate.Dispose();
    }

    /// <summary>A certificate for 127.0.0.1 and localhost, made fresh for each host (never written to disk).</summary>
    private static X509Certificate2 SelfSignedLoopbackCertificate(DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=RulesSync emulators (127.0.0.1)", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var made = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }

    private async Task HandleAsync(HttpContext context)
    {
        EmulatorResponse response;
        try
        {
            // Links in answers name the listener the request came in on (HTTP or HTTPS).
            var request = await EmulatorRequest.ReadAsync(context, context.Request.IsHttps ? HttpsBaseUri : BaseUri).ConfigureAwait(false);
            var protocol = protocols.FirstOrDefault(p => p.Owns(request.Path));
            if (protocol is null)
            {
                response = new EmulatorResponse(404, "{\"error\":\"No emulator serves this path.\"}");
            }
            else
            {
                var (principal, refused) = protocol.Authorize(request);
                if (refused is not null)
                {
                    response = refused;
                }
                else
                {
                    request = request with { Principal = principal };
                    var (route, error) = protocol.Match(request);
                    response = route is null
                        ? error!
                        : await pipeline.ExecuteAsync(protocol, route, request, context.RequestAborted).ConfigureAwait(false);
                }
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
