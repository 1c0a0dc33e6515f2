using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Graph;
using Azure.Identity;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using MsalServiceException = Microsoft.Identity.Client.MsalServiceException;
using Microsoft.Graph.Users.Item.CalendarView.Delta;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;
using Microsoft.Kiota.Abstractions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using MailboxItem = RulesSync.Engine.Sync.MailboxItem;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Connectors.SignIn;

namespace RulesSync.Runner.Connectors.Graph;

/// <summary>
/// One Exchange mailbox through Microsoft Graph, behind the engine's <see cref="IMailboxPort"/>. Mapping and protocol only; every decision (what to write, cancel or delete) is the engine's.
/// Each request goes through the app's per-mailbox gate (at most 4 in flight) and the retry loop (429/503
/// Retry-After honoured; ambiguous failures retried only where repeating is harmless — creates too, by their
/// <c>transactionId</c>). Thread-safe.
/// </summary>
public sealed partial class GraphMailboxConnector : IMailboxPort
{
    private const string WindowFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const int BatchLimit = 20;
    private static readonly string[] SyncStateLostCodes = ["syncStateNotFound", "resyncRequired"];
    private readonly GraphConnection connection;
    private readonly ConcurrentDictionary<string, string> seriesUids = new(StringComparer.Ordinal);

    internal GraphMailboxConnector(GraphConnection connection, string mailbox, DeliveredEvents delivered)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailbox);
        this.connection = connection;
        Mailbox = mailbox;
        Delivered = delivered;
    }

    /// <summary>The mailbox (user principal name or email).</summary>
    public string Mailbox { get; }

    /// <summary>Exchange.</summary>
    public Provider Provider => Provider.Exchange;

    /// <summary>The event ids this connector has delivered (what a full resync is diffed against); seed it from the persisted state.</summary>
    public DeliveredEvents Delivered { get; }

    private GraphServiceClient Client => connection.Client;

    private GraphConnectorOptions Options => connection.Options;

    /// <summary>
    /// Implements <see cref="IMailboxPort.ReadChangesAsync"/>: one whole calendarView delta round (every nextLink followed)
    /// from <paramref name="cursor"/> (from the start: a full round over the sync window); the deltaLink becomes the
    /// next cursor. If Graph no longer knows the delta token (410 Gone, or <c>syncStateNotFound</c>/<c>resyncRequired</c>
    /// as 400 or 404), a full round is read instead and diffed against the event ids delivered before: only ids that
    /// Graph no longer returns, even by id, become removal notices. Every link followed (the cursor, each nextLink)
    /// must stay on the configured service root's scheme, host and port; any other is an error, and the bearer token
    /// never goes there.
    /// </summary>
    public async ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default)
    {
        var token = cursor.Token;
        ImmutableArray<MailboxItem> items;
        string deltaLink;
        try
        {
            (items, deltaLink) = await RoundAsync(token, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (IsSyncStateLost(e))
        {
            // The token, or a nextLink of a round in progress (even a first full round), is no longer known.
            (items, deltaLink) = await ResyncAsync(cancellationToken).ConfigureAwait(false);
        }

        Delivered.Observe(items);
        return new MailboxPage(items, new MailboxCursor(deltaLink));
    }

    /// <summary>
    /// Implements <see cref="IMailboxPort.CreateEventAsync"/>: creates the organizer's event; Exchange invites the attendees.
    /// <paramref name="idempotencyKey"/> goes as the event's <c>transactionId</c>, with which Exchange answers a repeated
    /// create with the event it already made: so a create whose answer was lost (timeout, 5xx, cut-off answer) is
    /// retried like any idempotent request, and the same effect after a restart does not create a second meeting.
    /// </summary>
    public async ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        // Each attempt builds its body afresh: the SDK's backing store sends only "changed" values once a model
        // has been serialized, so a reused body would go out empty.
        var created = await CallAsync("create event", idempotent: true, t => Client.Users[Mailbox].Events.PostAsync(CreateBody(content, idempotencyKey), Prefer, t), cancellationToken)
            .ConfigureAwait(false) ?? throw new InvalidOperationException("Graph returned no event for a create");
        return Written(created);
    }

    /// <summary>Implements <see cref="IMailboxPort.UpdateEventAsync"/>: changes subject, times and attendees; Exchange sends updates.</summary>
    public async ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentNullException.ThrowIfNull(content);
        var updated = await CallAsync("update event", idempotent: true, t => Client.Users[Mailbox].Events[eventId].PatchAsync(Body(content), Prefer, t), cancellationToken)
            .ConfigureAwait(false);
        updated ??= await GetRawAsync(eventId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"event {eventId} vanished during its update");
        return Written(updated);
    }

    /// <summary>
    /// Implements <see cref="IMailboxPort.CancelEventAsync"/>: Graph <c>cancel</c> with <see cref="GraphConnectorOptions.CancellationComment"/>
    /// — the only write that sends attendees a cancellation. Organizer only: an attendee's copy is refused before
    /// any request is sent. When Exchange then removes the organizer's event, the write returns the last known
    /// content marked cancelled and removed (so the later <c>@removed</c> is recognised as our own).
    /// </summary>
    public ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        CancelEventAsync(eventId, Options.CancellationComment, cancellationToken);

    /// <summary>As <see cref="CancelEventAsync(string, CancellationToken)"/> with an explicit comment for the attendees.</summary>
    public async ValueTask<MailboxWrite> CancelEventAsync(string eventId, string comment, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var before = await GetRawAsync(eventId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"cannot cancel event {eventId} in {Mailbox}: it does not exist");
        if (before.IsOrganizer != true)
        {
            throw new InvalidOperationException($"cannot cancel event {eventId} in {Mailbox}: cancel is for the organizer's event; this is an attendee's copy");
        }

        await CallAsync("cancel event", idempotent: false, async t =>
        {
            await Client.Users[Mailbox].Events[eventId].Cancel.PostAsync(new CancelPostRequestBody { Comment = comment }, cancellationToken: t).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

        var after = await GetRawAsync(eventId, cancellationToken).ConfigureAwait(false);
        if (after is not null && !GraphEventMapping.IsRemoved(after))
        {
            return Written(after);
        }

        Delivered.Observe(eventId, live: false);
        var gone = Map(before) with { Cancelled = true, Removed = true, ChangeKey = string.Empty };
        return new MailboxWrite(eventId, string.Empty, gone);
    }

    /// <summary>
    /// Implements <see cref="IMailboxPort.DeleteEventAsync"/>: removes a replica without telling anyone — an attendee's copy,
    /// or an organizer's event nobody else is invited to. An organizer's event with attendees is refused with
    /// <see cref="OrganizerDeleteRefusedException"/> (Exchange would send them cancellations). Deleting an event that
    /// is already gone succeeds.
    /// </summary>
    public async ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var current = await GetRawAsync(eventId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            Delivered.Observe(eventId, live: false);
            return;
        }

        if (current.IsOrganizer == true)
        {
            var self = EmployeeDirectory.IdOf(Mailbox);
            var others = (current.Attendees ?? []).Count(a => EmployeeDirectory.IdOf(a.EmailAddress?.Address ?? string.Empty) is { Length: > 0 } x && x != self);
            if (others > 0)
            {
                throw new OrganizerDeleteRefusedException(Mailbox, eventId, others);
            }
        }

        await CallAsync("delete event", idempotent: true, async t =>
        {
            try
            {
                await Client.Users[Mailbox].Events[eventId].DeleteAsync(cancellationToken: t).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.ResponseStatusCode == (int)HttpStatusCode.NotFound)
            {
                // A retried delete whose first attempt went through: the event is gone, as asked.
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        Delivered.Observe(eventId, live: false);
    }

    /// <summary>
    /// Reads events by id in <c>$batch</c> requests; null for an id that no longer exists. Graph runs a batch's
    /// sub-requests in parallel, so a batch holds as many of the mailbox's concurrent slots as it has sub-requests and
    /// is never larger than the mailbox's limit (4: a batch of 20 would have 16 throttled); each sub-request is spent
    /// from the budgets. A sub-request throttled on its own is fetched again singly, honouring its Retry-After.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, MailboxItem?>> GetEventsAsync(IEnumerable<string> eventIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        var result = new Dictionary<string, MailboxItem?>(StringComparer.Ordinal);
        foreach (var chunk in eventIds.Distinct(StringComparer.Ordinal).Chunk(Math.Min(BatchLimit, connection.Gate.PerMailbox)))
        {
            var retry = new List<string>();
            var responses = await CallAsync("batch get events", idempotent: true, chunk.Length, async t =>
            {
                var batch = new BatchRequestContentCollection(Client, BatchLimit);
                var steps = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var id in chunk)
                {
                    var request = Client.Users[Mailbox].Events[id].ToGetRequestInformation(Prefer);
                    steps[await batch.AddBatchRequestStepAsync(request).ConfigureAwait(false)] = id;
                }

                var response = await Client.Batch.PostAsync(batch, t).ConfigureAwait(false);
                var codes = await response.GetResponsesStatusCodesAsync().ConfigureAwait(false);
                var answers = new List<(string Id, HttpStatusCode Code, Event? Event)>();
                foreach (var (step, id) in steps)
                {
                    var code = codes.TryGetValue(step, out var c) ? c : HttpStatusCode.InternalServerError;
                    var ev = code == HttpStatusCode.OK ? await response.GetResponseByIdAsync<Event>(step).ConfigureAwait(false) : null;
                    answers.Add((id, code, ev));
                }

                return answers;
            }, cancellationToken).ConfigureAwait(false);

            foreach (var (id, code, ev) in responses)
            {
                if (code == HttpStatusCode.OK && ev is not null)
                {
                    await ResolveSeriesAsync([ev], cancellationToken).ConfigureAwait(false);
                    result[id] = Map(ev);
                }
                else if (code == HttpStatusCode.NotFound)
                {
                    result[id] = null;
                }
                else
                {
                    retry.Add(id);
                }
            }

            foreach (var id in retry)
            {
                var ev = await GetRawAsync(id, cancellationToken).ConfigureAwait(false);
                if (ev is not null)
                {
                    await ResolveSeriesAsync([ev], cancellationToken).ConfigureAwait(false);
                }

                result[id] = ev is null ? null : Map(ev);
            }
        }

        return result;
    }

    private async Task<(ImmutableArray<MailboxItem> Items, string DeltaLink)> RoundAsync(string? token, CancellationToken cancellationToken)
    {
        var items = ImmutableArray.CreateBuilder<MailboxItem>();
        var builder = Client.Users[Mailbox].CalendarView.Delta;
        DeltaGetResponse? page;
        if (token is null)
        {
            var now = connection.Time.GetUtcNow();
            var start = (now - Options.WindowPast).UtcDateTime.ToString(WindowFormat, CultureInfo.InvariantCulture);
            var end = (now + Options.WindowFuture).UtcDateTime.ToString(WindowFormat, CultureInfo.InvariantCulture);
            page = await CallAsync("delta", idempotent: true, t => builder.GetAsDeltaGetResponseAsync(rc =>
            {
                rc.QueryParameters.StartDateTime = start;
                rc.QueryParameters.EndDateTime = end;
                Prefer(rc);
            }, t), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var link = Pinned(token, "the saved deltaLink");
            page = await CallAsync("delta", idempotent: true, t => builder.WithUrl(link).GetAsDeltaGetResponseAsync(Prefer, t), cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            if (page is null)
            {
                throw new InvalidOperationException("Graph returned an empty delta response");
            }

            await ResolveSeriesAsync(page.Value ?? [], cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Value ?? [])
            {
                items.Add(Map(e));
            }

            // A short (even empty) page is not the end; only a page without a nextLink is.
            if (page.OdataNextLink is { } nextLink)
            {
                var next = Pinned(nextLink, "@odata.nextLink");
                page = await CallAsync("delta", idempotent: true, t => builder.WithUrl(next).GetAsDeltaGetResponseAsync(Prefer, t), cancellationToken).ConfigureAwait(false);
                continue;
            }

            return (items.ToImmutable(), Pinned(page.OdataDeltaLink ?? throw new InvalidOperationException("Graph ended a delta round without a deltaLink"), "@odata.deltaLink"));
        }
    }

    private async Task<(ImmutableArray<MailboxItem> Items, string DeltaLink)> ResyncAsync(CancellationToken cancellationToken)
    {
        var (listing, deltaLink) = await RoundAsync(null, cancellationToken).ConfigureAwait(false);
        var (items, listed, missing, removed) = await FullResync.CompleteAsync(
            listing, Delivered.KnownEventIds, (ids, ct) => GetEventsAsync(ids, ct), cancellationToken).ConfigureAwait(false);
        LogResync(connection.Logger, Mailbox, listed, missing, removed);
        return (items, deltaLink);
    }

    private async Task<Event?> GetRawAsync(string eventId, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync("get event", idempotent: true, t => Client.Users[Mailbox].Events[eventId].GetAsync(Prefer, t), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.ResponseStatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private Event Body(MeetingContent content) => GraphEventMapping.ToEvent(content, Mailbox, Options.VisitCategory);

    /// <summary>A create's body carries the effect's idempotency key as Graph's <c>transactionId</c>, with which Graph answers a repeated create with the first event.</summary>
    private Event CreateBody(MeetingContent content, string idempotencyKey)
    {
        var body = Body(content);
        body.TransactionId = idempotencyKey;
        return body;
    }

    /// <summary>Maps an event, keying an occurrence by its series master's iCalUId when <see cref="ResolveSeriesAsync"/> has it.</summary>
    private MailboxItem Map(Event e) =>
        GraphEventMapping.ToItem(e, connection.Directory, Options.VisitCategory, e.SeriesMasterId is { } master ? seriesUids.GetValueOrDefault(master) : null);

    /// <summary>
    /// Learns the iCalUId of every series master the events name (one GET each, then remembered: a master's iCalUId
    /// never changes). A master already gone is left out; its occurrences then arrive as removals anyway.
    /// </summary>
    private async Task ResolveSeriesAsync(IEnumerable<Event> events, CancellationToken cancellationToken)
    {
        foreach (var master in events.Select(e => e.SeriesMasterId).OfType<string>().Distinct(StringComparer.Ordinal).Where(m => !seriesUids.ContainsKey(m)).ToList())
        {
            if (await GetRawAsync(master, cancellationToken).ConfigureAwait(false) is { ICalUId: { } uid })
            {
                seriesUids[master] = uid;
            }
        }
    }

    private MailboxWrite Written(Event e)
    {
        var item = Map(e);
        Delivered.Observe(item.EventId, live: true);
        return new MailboxWrite(item.EventId, item.ChangeKey, item);
    }

    private void Prefer(RequestConfiguration<DefaultQueryParameters> rc) => AddPrefer(rc.Headers);

    private void Prefer<TQuery>(RequestConfiguration<TQuery> rc)
        where TQuery : class, new() => AddPrefer(rc.Headers);

    private void AddPrefer(RequestHeaders headers)
    {
        headers.Add("Prefer", "IdType=\"ImmutableId\"");
        headers.Add("Prefer", "outlook.timezone=\"UTC\"");
        headers.Add("Prefer", "odata.maxpagesize=" + Options.PageSize.ToString(CultureInfo.InvariantCulture));
    }

    private Task<T> CallAsync<T>(string operation, bool idempotent, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(operation, idempotent, 1, call, cancellationToken);

    /// <summary>One request (or a batch of <paramref name="requests"/>) through the budgets, the concurrency gate and the retry loop.</summary>
    private Task<T> CallAsync<T>(string operation, bool idempotent, int requests, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        connection.Retry.RunAsync(
            operation,
            Mailbox,
            idempotent,
            t => connection.Gate.RunAsync(Mailbox, requests, ct => SignInGuard.RunAsync("the Microsoft identity platform", e => e is AuthenticationFailedException a ? SignInRefusal(a) : null, call, ct), t),
            (e, i) => Classify(e, i, connection.Time.GetUtcNow()),
            cancellationToken,
            t => connection.Gate.SpendAsync(Mailbox, requests, t));

    /// <summary>The token endpoint's own words when it refused the credentials (4xx other than 408/429); null for an outage.</summary>
    internal static string? SignInRefusal(AuthenticationFailedException e) =>
        e.InnerException is MsalServiceException { StatusCode: >= 400 and < 500 and not 408 and not 429 } msal
            ? msal.ErrorCode + ": " + msal.Message.Split('\n', 2)[0].Trim()
            : null;

    internal static FailureVerdict Classify(Exception e, bool idempotent, DateTimeOffset now) => e switch
    {
        ApiException { ResponseStatusCode: 429 or 503 } api => new(true, RetryAfter(api.ResponseHeaders, now), $"HTTP {api.ResponseStatusCode}"),
        ApiException { ResponseStatusCode: >= 500 } api => new(idempotent, RetryAfter(api.ResponseHeaders, now), $"HTTP {api.ResponseStatusCode}"),
        ApiException api => FailureVerdict.Fail($"HTTP {api.ResponseStatusCode}"),
        OrganizerDeleteRefusedException or ArgumentException or CredentialRefusedException => FailureVerdict.Fail(e.GetType().Name),

        // The token endpoint is down or unreachable: nothing was sent to Graph yet, so any request may be retried.
        AuthenticationFailedException auth => new(true, null, "sign-in failed: " + (auth.InnerException?.GetType().Name ?? "no answer")),

        // The answer was cut off or could not be read: the request may or may not have been carried out.
        _ => new(idempotent, null, "unreadable answer: " + e.GetType().Name),
    };

    /// <summary>Graph's Retry-After, in seconds or as an HTTP-date.</summary>
    internal static TimeSpan? RetryAfter(IDictionary<string, IEnumerable<string>>? headers, DateTimeOffset now)
    {
        if (headers is null)
        {
            return null;
        }

        foreach (var (name, values) in headers)
        {
            if (string.Equals(name, "Retry-After", StringComparison.OrdinalIgnoreCase))
            {
                return RetryPolicy.ParseRetryAfter(values.FirstOrDefault(), now);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether Graph says the delta state is gone: 410 Gone, or the error code <c>syncStateNotFound</c> or
    /// <c>resyncRequired</c> with 400 or 404 (https://learn.microsoft.com/en-us/graph/delta-query-overview; the
    /// 400 form: devblogs "Duration of change tracking tokens"; the 404 form: msgraph-sdk-javascript#99).
    /// </summary>
    internal static bool IsSyncStateLost(ApiException e) =>
        e.ResponseStatusCode == (int)HttpStatusCode.Gone
        || (e.ResponseStatusCode is 400 or 404 && e is ODataError { Error.Code: { } code } && SyncStateLostCodes.Contains(code, StringComparer.OrdinalIgnoreCase));

    /// <summary>A link Graph handed out, if it stays on the configured service root's scheme, host and port.</summary>
    private string Pinned(string link, string what)
    {
        var root = connection.ServiceRoot;
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Scheme, root.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.IdnHost, root.IdnHost, StringComparison.OrdinalIgnoreCase)
            || uri.Port != root.Port)
        {
            throw new ForeignLinkException("Microsoft Graph", what, link, root);
        }

        return link;
    }

    [LoggerMessage(EventId = ConnectorLogEvents.FullResync, Level = LogLevel.Warning, Message = "Graph delta token for {Mailbox} expired (410 or syncStateNotFound): full resync listed {Listed} events; {Missing} known ids were checked by id, {Removed} are gone")]
    private static partial void LogResync(ILogger logger, string mailbox, int listed, int missing, int removed);
}
