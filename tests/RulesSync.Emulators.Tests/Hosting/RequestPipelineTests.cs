using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Tests.Hosting;
using RulesSync.Runner.Connectors.Google;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Hosting;

/// <summary>Each injected fault, seen by a client the way the providers' documentation says it is seen.</summary>
public sealed partial class RequestPipelineTests
{
    private const string DeltaQuery = "calendarView/delta()?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-03-01T00:00:00Z";

    private static void Seed(TestHost t) =>
        t.Host.Organization.ScheduleMeeting(Alice, new MeetingDraft("m", Epoch.AddDays(1), Epoch.AddDays(1).AddHours(1), [Bob]));

    [Fact]
    public async Task Throttle_GraphSdkDefaultPipeline_RetriesAfterRetryAfterAndSucceeds()
    {
        await using var t = await StartAsync();
        Seed(t);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.events.list", RetryAfter = TimeSpan.Zero });

        var page = await t.Graph().Users[Alice].Events.GetAsync();

        Assert.Single(page!.Value!);
        Assert.Equal(2, t.Host.Counters.For("graph.events.list", Alice));
    }

    [Fact]
    public async Task Throttle_GraphSdkWithRetriesOff_Surfaces429()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.events.list" });

        var error = await Assert.ThrowsAsync<ODataError>(() =>
            t.Graph().Users[Alice].Events.GetAsync(rc => rc.Options.Add(new RetryHandlerOption { MaxRetry = 0 })));

        Assert.Equal(429, error.ResponseStatusCode);
        Assert.Equal("TooManyRequests", error.Error!.Code);
    }

    [Theory]
    [InlineData(FaultKind.Throttle, 429)]
    [InlineData(FaultKind.Unavailable, 503)]
    public async Task RetryableFault_Graph_CarriesRetryAfterSeconds(FaultKind kind, int status)
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = kind, Route = "graph.*", RetryAfter = TimeSpan.FromSeconds(7) });

        using var response = await t.Http.GetAsync($"v1.0/users/{Alice}/events");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]);
    }

    [Fact]
    public async Task Throttle_PerMailbox_OnlyThatMailboxIsThrottled()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Mailbox = Bob, Times = null });

        using var alice = await t.Http.GetAsync($"v1.0/users/{Alice}/events");
        using var bob = await t.Http.GetAsync($"v1.0/users/{Bob}/events");

        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, bob.StatusCode);
    }

    [Fact]
    public async Task ExpiredToken_GraphDelta_Surfaces410SyncStateNotFound()
    {
        await using var t = await StartAsync();
        var graph = t.Graph();
        var first = await graph.Users[Alice].CalendarView.Delta.GetAsDeltaGetResponseAsync(rc =>
        {
            rc.QueryParameters.StartDateTime = "2026-01-01T00:00:00Z";
            rc.QueryParameters.EndDateTime = "2026-03-01T00:00:00Z";
        });
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "graph.calendarView.delta" });

        var error = await Assert.ThrowsAsync<ODataError>(() =>
            graph.Users[Alice].CalendarView.Delta.WithUrl(first!.OdataDeltaLink!).GetAsDeltaGetResponseAsync());

        Assert.Equal(410, error.ResponseStatusCode);
        Assert.Equal("SyncStateNotFound", error.Error!.Code);
    }

    [Fact]
    public async Task MalformedJson_GraphSdk_FailsToParse()
    {
        await using var t = await StartAsync();
        Seed(t);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Route = "graph.events.list" });

        await Assert.ThrowsAnyAsync<JsonException>(() => t.Graph().Users[Alice].Events.GetAsync());
    }

    [Fact]
    public async Task TruncatedBody_RawClient_FailsWhileReading()
    {
        await using var t = await StartAsync();
        Seed(t);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.TruncatedBody, Route = "graph.calendarView.delta" });

        var error = await Record.ExceptionAsync(() => t.Http.GetStringAsync($"v1.0/users/{Alice}/{DeltaQuery}"));

        Assert.True(error is HttpRequestException or IOException, error?.ToString());
    }

    [Fact]
    public async Task Timeout_ClientTimeoutShorterThanDelay_ClientGivesUp()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Timeout, Route = "graph.events.list", Delay = TimeSpan.FromMinutes(5) });
        using var impatient = new HttpClient { BaseAddress = t.Host.BaseUri, Timeout = TimeSpan.FromMilliseconds(300) };

        var call = impatient.GetAsync($"v1.0/users/{Alice}/events");
        Assert.Equal("graph.events.list", await t.Host.Faults.NextDelayedRequestAsync());

        await Assert.ThrowsAsync<TaskCanceledException>(() => call);
    }

    [Fact]
    public async Task Timeout_ClientWaitsOut_Gets504()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Timeout, Route = "google.events.list", Delay = TimeSpan.FromMinutes(5) });

        var call = t.Http.GetAsync($"calendar/v3/calendars/{Carol}/events");
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromMinutes(5));
        using var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task SlowResponse_AnswersOnlyAfterFakeClockPassesDelay()
    {
        await using var t = await StartAsync();
        Seed(t);
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.SlowResponse, Route = "graph.events.list", Delay = TimeSpan.FromSeconds(20) });

        var call = t.Http.GetAsync($"v1.0/users/{Alice}/events");
        await t.Host.Faults.NextDelayedRequestAsync();
        t.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(call.IsCompleted);
        t.Time.Advance(TimeSpan.FromSeconds(1));
        using var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["value"]!.AsArray());
    }

    [Fact]
    public async Task RateLimitForbidden_GoogleApis_Surfaces403UserRateLimitExceeded()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.RateLimitForbidden, Route = "google.events.list" });
        using var service = t.GoogleCalendar();

        var error = await Assert.ThrowsAsync<GoogleApiException>(() => new EventsListRequest(service, Carol).ExecuteAsync());

        Assert.Equal(HttpStatusCode.Forbidden, error.HttpStatusCode);
        Assert.Equal(("usageLimits", "userRateLimitExceeded"), (error.Error.Errors.Single().Domain, error.Error.Errors.Single().Reason));
    }

    [Fact]
    public async Task Unavailable_GoogleApisDefaultBackoff_Retries503AndSucceeds()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "google.events.list" });
        using var service = t.GoogleCalendar();

        var page = await new EventsListRequest(service, Carol).ExecuteAsync();

        Assert.Equal("calendar#events", page.Kind);
        Assert.Equal(2, t.Host.Counters.For("google.events.list", Carol));
    }

    [Fact]
    public async Task ExpiredToken_CrmWrite_Answers403CsrfRequired()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.ExpiredToken, Route = "crm.v2.AppointmentCollection.create" });

        using var response = await t.Http.PostAsync(t.Host.CrmServiceRoot(CrmDialect.V2) + "AppointmentCollection", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Required", response.Headers.GetValues("x-csrf-token").Single());
    }

    [Fact]
    public async Task Throttle_CrmQuery_Answers429WithRetryAfterInODataShape()
    {
        await using var t = await StartAsync();
        t.Host.Faults.Add(new FaultRule { Kind = FaultKind.Throttle, Route = "crm.*", RetryAfter = TimeSpan.FromSeconds(3) });

        using var response = await t.Http.GetAsync(t.Host.CrmServiceRoot(CrmDialect.V1) + "AppointmentCollection");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter!.Delta);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!["value"]);
    }

    [Fact]
    public async Task Faults_FromOptions_AreInForceAtStart()
    {
        await using var t = await StartAsync(new EmulatorOptions { Faults = [new FaultRule { Kind = FaultKind.Unavailable, Route = "google.*" }] });

        using var response = await t.Http.GetAsync($"calendar/v3/calendars/{Carol}/events");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
