using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Google;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Logging;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Connectors.SignIn;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>
/// One Google Calendar mailbox through the Calendar v3 client, behind the engine's <see cref="IMailboxPort"/>,
/// one method per port method. Incremental sync with syncToken and pageToken; an expired token (410) becomes a full
/// sync diffed against the ids delivered before, so only events that are really gone become removal notices.
/// Writes send <see cref="GoogleConnectorOptions.SendUpdates"/> ("none"); only a decided cancellation sends "all".
/// Mapping and protocol only. Thread-safe.
/// </summary>
public sealed partial class GoogleMailboxConnector : IMailboxPort
{
    private const string WindowFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private readonly GoogleCalendarConnection connection;

    internal GoogleMailboxConnector(GoogleCalendarConnection connection, string mailbox, DeliveredEvents delivered)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailbox);
        this.connection = connection;
        Mailbox = mailbox;
        Delivered = delivered;
    }

    /// <summary>The mailbox (its email address is its calendar id).</summary>
    public string Mailbox { get; }

    /// <summary>Google.</summary>
    public Provider Provider => Provider.Google;

    /// <summary>The event ids this connector has delivered (what a full resync is diffed against); seed it from the persisted state.</summary>
    public DeliveredEvents Delivered { get; }

    private GoogleConnectorOptions Options => connection.Options;

    private CalendarV3Service Service => connection.Service(Mailbox);

    /// <summary>
    /// Implements <see cref="IMailboxPort.ReadChangesAsync"/>: every page of an incremental sync from <paramref name="cursor"/>
    /// (from the start: a full sync over the window), the nextSyncToken of the last page becoming the next cursor.
    /// </summary>
    public async ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default)
    {
        var token = cursor.Token;
        ImmutableArray<MailboxItem> items;
        string syncToken;
        try
        {
            (items, syncToken) = await SyncAsync(token, cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.Gone)
        {
            // The sync token, or a page token of a sync in progress (even a first full sync), is no longer valid.
            (items, syncToken) = await ResyncAsync(cancellationToken).ConfigureAwait(false);
        }

        Delivered.Observe(items);
        return new MailboxPage(items, new MailboxCursor(syncToken));
    }

    /// <summary>
    /// Implements <see cref="IMailboxPort.CreateEventAsync"/> (sendUpdates "none" unless configured otherwise). The event's
    /// id is derived from <paramref name="idempotencyKey"/> (<see cref="EventIdFor"/>), so a repeated insert — a retry
    /// after a lost answer, or the same effect after a restart — is refused by Google with 409 "duplicate", and the
    /// event already created is read and returned instead; nobody is invited twice.
    /// </summary>
    public async ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        var id = EventIdFor(idempotencyKey);

        // Idempotent: a repeat of an insert that went through is a 409, never a second event.
        var created = await CallAsync<CalendarEvent?>("insert event", idempotent: true, async t =>
        {
            var body = Body(content);
            body.Id = id;
            try
            {
                return await new EventsInsertRequest(Service, Mailbox, body) { SendUpdates = Options.SendUpdates }.ExecuteAsync(t).ConfigureAwait(false);
            }
            catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.Conflict)
            {
                return null;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (created is null)
        {
            created = await GetRawAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Google refused event id {id} in {Mailbox} as a duplicate, yet has no such event");
            LogAlreadyCreated(connection.Logger, Mailbox, id);
        }

        if (GoogleEventMapping.IsDeleted(created))
        {
            // Created earlier, and deleted since (Google keeps a deleted event's id): the create is done; the event
            // is gone, as the next sync will also report.
            Delivered.Observe(id, live: false);
            return new MailboxWrite(id, created.ETag ?? string.Empty, GoogleEventMapping.Removal(id));
        }

        return Written(created);
    }

    /// <summary>
    /// The event id a create with <paramref name="idempotencyKey"/> asks for: base32hex (lower-case a-v, 0-9) of the
    /// SHA-256 of the key, 52 characters — within Google's rules for client ids (5 to 1024 base32hex characters).
    /// </summary>
    public static string EventIdFor(string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        const string alphabet = "0123456789abcdefghijklmnopqrstuv";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey));
        var id = new StringBuilder((hash.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in hash)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                id.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }

            buffer &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            id.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }

        return id.ToString();
    }

    /// <summary>Implements <see cref="IMailboxPort.UpdateEventAsync"/> (sendUpdates "none" unless configured otherwise).</summary>
    public async ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentNullException.ThrowIfNull(content);
        var updated = await CallAsync("patch event", idempotent: true, t =>
            new EventsPatchRequest(Service, Mailbox, eventId, Body(content)) { SendUpdates = Options.SendUpdates }.ExecuteAsync(t), cancellationToken).ConfigureAwait(false);
        return Written(updated);
    }

    /// <summary>
    /// Implements <see cref="IMailboxPort.CancelEventAsync"/>: deletes the organizer's event with sendUpdates "all" — the one
    /// write that tells attendees. An attendee's copy is refused before any request is sent. Returns the last known
    /// content marked cancelled and removed (Google keeps only the id of a deleted event).
    /// </summary>
    public async ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var before = await GetRawAsync(eventId, cancellationToken).ConfigureAwait(false);
        if (before is null || GoogleEventMapping.IsDeleted(before))
        {
            throw new InvalidOperationException($"cannot cancel event {eventId} in {Mailbox}: it does not exist");
        }

        if (before.Organizer?.Self != true)
        {
            throw new InvalidOperationException($"cannot cancel event {eventId} in {Mailbox}: cancel is for the organizer's event; this is an attendee's copy");
        }

        await CallAsync("cancel event", idempotent: false, t =>
            new EventsDeleteRequest(Service, Mailbox, eventId) { SendUpdates = "all" }.ExecuteAsync(t), cancellationToken).ConfigureAwait(false);
        Delivered.Observe(eventId, live: false);
        var gone = GoogleEventMapping.ToItem(before, connection.Directory, Options.TypeProperty) with { Cancelled = true, Removed = true, ChangeKey = string.Empty };
        return new MailboxWrite(eventId, string.Empty, gone);
    }

    /// <summary>
    /// Implements <see cref="IMailboxPort.DeleteEventAsync"/>: deletes the replica with sendUpdates "none" (nobody is mailed).
    /// Deleting an event that is already gone succeeds.
    /// </summary>
    public async ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        await CallAsync("delete event", idempotent: true, async t =>
        {
            try
            {
                await new EventsDeleteRequest(Service, Mailbox, eventId) { SendUpdates = Options.SendUpdates }.ExecuteAsync(t).ConfigureAwait(false);
            }
            catch (GoogleApiException e) when (e.HttpStatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound)
            {
                // Already deleted (a retried delete whose first attempt went through, or an earlier removal).
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        Delivered.Observe(eventId, live: false);
    }

    /// <summary>Reads one event; null when it is gone (404, 410, or only a cancelled stub is left).</summary>
    public async Task<MailboxItem?> GetEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        var e = await GetRawAsync(eventId, cancellationToken).ConfigureAwait(false);
        return e is null || GoogleEventMapping.IsDeleted(e) ? null : GoogleEventMapping.ToItem(e, connection.Directory, Options.TypeProperty);
    }

    private async Task<(ImmutableArray<MailboxItem> Items, string SyncToken)> SyncAsync(string? syncToken, CancellationToken cancellationToken)
    {
        var items = ImmutableArray.CreateBuilder<MailboxItem>();
        string? timeMin = null, timeMax = null;
        if (syncToken is null)
        {
            var now = connection.Time.GetUtcNow();
            timeMin = (now - Options.WindowPast).UtcDateTime.ToString(WindowFormat, CultureInfo.InvariantCulture);
            timeMax = (now + Options.WindowFuture).UtcDateTime.ToString(WindowFormat, CultureInfo.InvariantCulture);
        }

        string? pageToken = null;
        while (true)
        {
            var page = await CallAsync("list events", idempotent: true, t => new EventsListRequest(Service, Mailbox)
            {
                SyncToken = syncToken,
                PageToken = pageToken,
                MaxResults = Options.PageSize,
                TimeMin = timeMin,
                TimeMax = timeMax,
                // Recurring events come as their instances: each occurrence is synced as a meeting of its own (the same
                // value on every request of the sync, as a sync token requires).
                SingleEvents = true,
            }.ExecuteAsync(t), cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Items ?? [])
            {
                items.Add(GoogleEventMapping.ToItem(e, connection.Directory, Options.TypeProperty));
            }

            // A short (even empty) page is not the end; nextSyncToken comes only with the last page.
            if (page.NextPageToken is { } next)
            {
                pageToken = next;
                continue;
            }

            return (items.ToImmutable(), page.NextSyncToken ?? throw new InvalidOperationException("Google ended a sync without a nextSyncToken"));
        }
    }

    private async Task<(ImmutableArray<MailboxItem> Items, string SyncToken)> ResyncAsync(CancellationToken cancellationToken)
    {
        var (listing, syncToken) = await SyncAsync(null, cancellationToken).ConfigureAwait(false);
        var (items, listed, missing, removed) = await FullResync.CompleteAsync(listing, Delivered.KnownEventIds, GetEachAsync, cancellationToken).ConfigureAwait(false);
        LogResync(connection.Logger, Mailbox, listed, missing, removed);
        return (items, syncToken);
    }

    // Google has no batch endpoint in this client: one get per id.
    private async Task<IReadOnlyDictionary<string, MailboxItem?>> GetEachAsync(IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, MailboxItem?>(StringComparer.Ordinal);
        foreach (var id in eventIds)
        {
            found[id] = await GetEventAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    private async Task<CalendarEvent?> GetRawAsync(string eventId, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync("get event", idempotent: true, t => new EventsGetRequest(Service, Mailbox, eventId).ExecuteAsync(t), cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }
    }

    private CalendarEvent Body(MeetingContent content) => GoogleEventMapping.ToEvent(content, Mailbox, Options.TypeProperty);

    private MailboxWrite Written(CalendarEvent e)
    {
        var item = GoogleEventMapping.ToItem(e, connection.Directory, Options.TypeProperty);
        Delivered.Observe(item.EventId, live: true);
        return new MailboxWrite(item.EventId, item.ChangeKey, item);
    }

    /// <summary>One request through the budgets, the concurrency gate and the retry loop.</summary>
    private Task<T> CallAsync<T>(string operation, bool idempotent, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        connection.Retry.RunAsync(
            operation,
            Mailbox,
            idempotent,
            t => connection.Gate.RunAsync(Mailbox, ct => SignInGuard.RunAsync("Google OAuth", e => e is TokenResponseException token ? SignInRefusal(token) : null, call, ct), t),
            Classify,
            cancellationToken,
            t => connection.Gate.SpendAsync(Mailbox, 1, t));

    /// <summary>The token endpoint's own words when it refused the grant (4xx other than 408/429); null for an outage.</summary>
    internal static string? SignInRefusal(TokenResponseException e) =>
        e.StatusCode is { } status && (int)status is >= 400 and < 500 and not 408 and not 429
            ? e.Error?.Error + (string.IsNullOrEmpty(e.Error?.ErrorDescription) ? string.Empty : ": " + e.Error.ErrorDescription)
            : null;

    /// <summary>403/429 rate limits and 503 are refusals: always retried. Other 5xx and unreadable answers only when repeating is harmless.</summary>
    internal static FailureVerdict Classify(Exception e, bool idempotent) => e switch
    {
        CredentialRefusedException => FailureVerdict.Fail("sign-in refused"),

        // The token endpoint is down: nothing was sent to Calendar yet, so any request may be retried.
        TokenResponseException t => new(true, null, "sign-in failed: " + (t.StatusCode is { } s ? "HTTP " + ((int)s).ToString(CultureInfo.InvariantCulture) : "no answer")),
        GoogleApiException { HttpStatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } g => new(true, null, Reason(g)),
        GoogleApiException { HttpStatusCode: HttpStatusCode.Forbidden } g when IsRateLimit(g) => new(true, null, Reason(g)),
        GoogleApiException { HttpStatusCode: >= HttpStatusCode.InternalServerError } g => new(idempotent, null, Reason(g)),
        GoogleApiException g when g.InnerException is Newtonsoft.Json.JsonException => new(idempotent, null, "unreadable answer: " + g.InnerException.GetType().Name),
        GoogleApiException g => FailureVerdict.Fail(Reason(g)),
        _ => new(idempotent, null, "unreadable answer: " + e.GetType().Name),
    };

    private static bool IsRateLimit(GoogleApiException e) =>
        e.Error?.Errors?.Any(x => x.Reason is "rateLimitExceeded" or "userRateLimitExceeded") == true;

    private static string Reason(GoogleApiException e) =>
        "HTTP " + ((int)e.HttpStatusCode).ToString(CultureInfo.InvariantCulture) + (e.Error?.Errors?.FirstOrDefault()?.Reason is { } r ? " " + r : string.Empty);

    [LoggerMessage(EventId = ConnectorLogEvents.AlreadyCreated, Level = LogLevel.Information, Message = "Google event {EventId} in {Mailbox} was already created with this idempotency key (409 duplicate): returning it")]
    private static partial void LogAlreadyCreated(ILogger logger, string mailbox, string eventId);

    [LoggerMessage(EventId = ConnectorLogEvents.FullResync, Level = LogLevel.Warning, Message = "Google sync token for {Mailbox} expired (410): full sync listed {Listed} events; {Missing} known ids were checked by id, {Removed} are gone")]
    private static partial void LogResync(ILogger logger, string mailbox, int listed, int missing, int removed);
}
