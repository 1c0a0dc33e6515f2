using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>
/// The CRM as one employee's sync sees it, over OData V2 in C4C's shape, behind the engine's <see cref="ICrmPort"/>. Change polling by last-change timestamp (server pages
/// followed through <c>__next</c>); deletions are invisible to a poll, so <see cref="ListIdsAsync"/> lists live ids
/// for reconciliation. Writes send the ETag of the version the caller was shown in If-Match; a 412 (or a record
/// deleted meanwhile) is not retried but returned as <see cref="CrmWriteStatus.VersionConflict"/> with the record
/// as it now stands (through the port: <see cref="CrmConflictException"/>), so the caller decides again. Mapping and
/// protocol only. Thread-safe.
/// </summary>
public sealed class ODataCrmConnector : ICrmPort
{
    private static readonly MeetingType[] Types = [MeetingType.Appointment, MeetingType.Visit];
    private readonly ODataCrmConnection connection;

    internal ODataCrmConnector(ODataCrmConnection connection, string employee)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(employee);
        this.connection = connection;
        Employee = EmployeeDirectory.IdOf(employee);
    }

    /// <summary>The employee (engine id: lower-case email) whose records this connector reads.</summary>
    public string Employee { get; }

    /// <summary>
    /// The OData API generation as the engine needs it: v2 when records carry the meeting's UID, v1 when the dialect
    /// (or, found in <c>$metadata</c>, the tenant) does not expose it.
    /// </summary>
    public ApiVersion Dialect => Mapping.UidAvailable ? connection.Options.Dialect : ApiVersion.V1;

    private ODataCrmOptions Options => connection.Options;

    private ODataCrmMapping Mapping => connection.Mapping;

    /// <summary>
    /// Implements <see cref="ICrmPort.ReadChangesAsync"/>: appointments and visits whose last change is at or after the
    /// watermark (0: all), oldest first, that the employee is a party of or owns. The next watermark is the latest
    /// change time seen (milliseconds since 1970); records at exactly the watermark come again and are recognised by
    /// their unchanged ETag.
    /// </summary>
    public ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default) =>
        ReadChangesAsync(since, r => r.Involves(Employee), cancellationToken);

    /// <summary>
    /// Implements <see cref="ICrmPort.ListIdsAsync"/>: the ids of every live record the employee is a party of or owns,
    /// and of every quarantined record (whose parties nobody can read: counted live, so no deletion is decided on it).
    /// The live runner lists ids only, tenant-wide (<see cref="ListTenantIdsAsync"/>).
    /// </summary>
    public async ValueTask<ImmutableArray<string>> ListIdsAsync(CancellationToken cancellationToken = default)
    {
        var records = await ListRecordsAsync(r => r.Involves(Employee), cancellationToken).ConfigureAwait(false);
        return [.. records.Select(r => r.ObjectId).Concat(connection.Quarantine.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The ids of every live record of the tenant, and nothing else: <c>$select=ObjectID</c> over both entity sets,
    /// following the server's pages — the deletion check that scales (no parties expanded, no fields mapped).
    /// Quarantined records no longer listed leave the quarantine.
    /// </summary>
    public async ValueTask<ImmutableArray<string>> ListTenantIdsAsync(CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        foreach (var type in Types)
        {
            var f = Mapping.Profile.Of(type);
            await foreach (var row in PagesAsync(f.EntitySet + "?$select=" + f.ObjectId, cancellationToken).ConfigureAwait(false))
            {
                ids.Add(row[f.ObjectId] is JsonValue v && v.TryGetValue<string>(out var id) && id.Length > 0
                    ? id
                    : throw new CrmRecordFormatException(f.EntitySet, "?", f.ObjectId, "missing from an ids-only listing"));
            }
        }

        var live = ids.ToHashSet(StringComparer.Ordinal);
        foreach (var gone in connection.Quarantine.Keys.Where(k => !live.Contains(k)))
        {
            connection.Quarantine.TryRemove(gone, out _);
        }

        return [.. live.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The whole tenant's change poll, every employee's records: the live runner polls once per cycle and serves
    /// each mailbox's <see cref="ICrmPort.ReadChangesAsync"/> from it (filtered with <see cref="CrmRecord.Involves(string)"/>).
    /// </summary>
    public ValueTask<CrmChangePage> ReadTenantChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default) =>
        ReadChangesAsync(since, _ => true, cancellationToken);

    /// <summary>Every live record of the tenant (id reconciliation for every mailbox at once), by id.</summary>
    public ValueTask<ImmutableArray<CrmRecord>> ListTenantRecordsAsync(CancellationToken cancellationToken = default) =>
        ListRecordsAsync(_ => true, cancellationToken);

    private async ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, Func<CrmRecord, bool> keep, CancellationToken cancellationToken)
    {
        var records = ImmutableArray.CreateBuilder<(DateTimeOffset Changed, CrmRecord Record)>();
        var watermark = since.Value;
        foreach (var type in Types)
        {
            var lastChange = Mapping.Profile.Of(type).LastChange;
            var filter = since.Value == 0
                ? null
                : $"{lastChange} ge datetimeoffset'{ODataCrmMapping.Literal(DateTimeOffset.FromUnixTimeMilliseconds(since.Value))}'";
            await foreach (var row in QueryAsync(type, filter, $"{lastChange} asc", cancellationToken).ConfigureAwait(false))
            {
                // A bad record is quarantined and skipped; the rest of the poll goes on, and nothing is decided on it.
                if (!TryRead(() => Mapping.LastChange(row, type), out var changed) || !TryRead(() => Remember(row, type), out var record))
                {
                    continue;
                }

                watermark = Math.Max(watermark, changed.ToUnixTimeMilliseconds());
                connection.Quarantine.TryRemove(record.ObjectId, out _);
                if (keep(record))
                {
                    records.Add((changed, record));
                }
            }
        }

        return new CrmChangePage([.. records.OrderBy(r => r.Changed).Select(r => r.Record)], new CrmWatermark(watermark));
    }

    private async ValueTask<ImmutableArray<CrmRecord>> ListRecordsAsync(Func<CrmRecord, bool> keep, CancellationToken cancellationToken)
    {
        var records = ImmutableArray.CreateBuilder<CrmRecord>();
        foreach (var type in Types)
        {
            await foreach (var row in QueryAsync(type, null, null, cancellationToken).ConfigureAwait(false))
            {
                if (!TryRead(() => Remember(row, type), out var record))
                {
                    continue;
                }

                if (keep(record))
                {
                    records.Add(record);
                }
            }
        }

        return [.. records.OrderBy(r => r.ObjectId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The first page (at most <paramref name="top"/> records) of each entity set, mapped, and the records of it the
    /// mapping refused — for <c>rulesync crm check</c>. Reads only.
    /// </summary>
    public async Task<(ImmutableArray<CrmRecord> Records, ImmutableArray<CrmQuarantinedRecord> Quarantined)> ReadFirstPageAsync(int top, CancellationToken cancellationToken = default)
    {
        var records = ImmutableArray.CreateBuilder<CrmRecord>();
        var quarantined = ImmutableArray.CreateBuilder<CrmQuarantinedRecord>();
        foreach (var type in Types)
        {
            var f = Mapping.Profile.Of(type);
            var d = await connection.GetAsync($"{f.EntitySet}?$expand={f.PartiesNavigation}&$top={top}&$orderby={f.LastChange}%20desc", cancellationToken).ConfigureAwait(false)
                ?? throw new ODataCrmException(404, null, $"{f.EntitySet}: not found");
            foreach (var row in (d["results"] as JsonArray ?? []).OfType<JsonObject>())
            {
                try
                {
                    records.Add(Remember(row, type));
                }
                catch (CrmRecordFormatException e)
                {
                    quarantined.Add(CrmQuarantinedRecord.Of(e));
                }
            }
        }

        return (records.ToImmutable(), quarantined.ToImmutable());
    }

    /// <summary>As <see cref="ICrmPort.CreateAsync"/>: a record from a mailbox replica, owned by <paramref name="owner"/>, linked to <paramref name="groupwareItemId"/>.</summary>
    public async Task<CrmWriteResult> CreateAsync(MeetingContent content, string owner, string groupwareItemId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var body = Mapping.ToBody(content, owner, groupwareItemId, writeUid: true, (Options.DefaultTimeZoneCode, Options.DefaultTimeZoneCode));

        // Not idempotent: a create whose answer was lost may have happened; only refusals (429/503) are retried.
        var answer = await connection.WriteAsync(HttpMethod.Post, Mapping.Set(content.Type), body, null, idempotent: false, cancellationToken).ConfigureAwait(false);
        if (answer.Status != HttpStatusCode.Created || answer.D is null)
        {
            throw ODataCrmConnection.Failure(answer);
        }

        return CrmWriteResult.Written(Remember(answer.D, content.Type, answer.ETag));
    }

    /// <summary>As <see cref="ICrmPort.UpdateAsync"/>, against the version this connection last showed: the record's content (and, with <paramref name="relinkTo"/>, its groupware link).</summary>
    public async Task<CrmWriteResult> UpdateAsync(string objectId, MeetingContent content, string? relinkTo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);

        return await PatchAsync(objectId, content.Type, _ => UpdateBody(objectId, content, relinkTo), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ICrmPort.CancelAsync"/>, against the version this connection last showed: sets the cancelled status code. Notifies nobody.</summary>
    public async Task<CrmWriteResult> CancelAsync(string objectId, CancellationToken cancellationToken = default)
    {
        return await PatchAsync(objectId, null, Mapping.CancelBody, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ICrmPort.DeleteAsync"/>, against the version this connection last showed: deletes the record (already gone counts as deleted). Notifies nobody.</summary>
    public Task<CrmWriteResult> DeleteAsync(string objectId, CancellationToken cancellationToken = default) => DeleteAsync(objectId, null, cancellationToken);

    /// <summary>
    /// The port's create, made idempotent without help from the CRM (C4C has no idempotency header): a record is
    /// created only for a replica no record is linked to yet — one record per linked replica is the CRM's invariant
    /// anyway. So the record linked to <paramref name="groupwareItemId"/> is looked up first (one <c>$filter</c>
    /// query per entity set, the content's type first) and returned when it exists; a repeated create (a restart after
    /// a crash between the write and the journal) finds the first one. A create whose answer was lost (timeout, 5xx,
    /// cut-off answer) is looked up once more: found, it is returned; not found, the failure surfaces and the
    /// effect's retry looks again.
    /// </summary>
    async ValueTask<CrmWrite> ICrmPort.CreateAsync(MeetingContent content, string owner, string groupwareItemId, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(groupwareItemId);
        if (await FindLinkedAsync(groupwareItemId, content.Type, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return new CrmWrite(existing);
        }

        try
        {
            return Port(objectId: null, await CreateAsync(content, owner, groupwareItemId, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (IsAmbiguous(e) && !cancellationToken.IsCancellationRequested)
        {
            if (await FindLinkedAsync(groupwareItemId, content.Type, cancellationToken).ConfigureAwait(false) is { } created)
            {
                return new CrmWrite(created);
            }

            throw;
        }
    }

    /// <summary>The record linked to mailbox replica <paramref name="groupwareItemId"/>, looked for in <paramref name="hint"/>'s entity set first; null when none is.</summary>
    public async Task<CrmRecord?> FindLinkedAsync(string groupwareItemId, MeetingType hint, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupwareItemId);
        foreach (var type in (MeetingType[])[hint, .. Types.Where(t => t != hint)])
        {
            var filter = $"{Mapping.Profile.Of(type).GroupwareItemId} eq '{groupwareItemId.Replace("'", "''", StringComparison.Ordinal)}'";
            await foreach (var row in QueryAsync(type, filter, null, cancellationToken).ConfigureAwait(false))
            {
                return Remember(row, type);
            }
        }

        return null;
    }

    /// <summary>
    /// A record of meeting <paramref name="uid"/> in <paramref name="type"/>'s entity set (one <c>$filter</c> query on
    /// the UID field, whoever's replica it is linked to); null when there is none, or when the dialect does not expose
    /// the UID (API v1: a record's meeting cannot be asked for).
    /// </summary>
    public async Task<CrmRecord?> FindByUidAsync(MeetingUid uid, MeetingType type, CancellationToken cancellationToken = default)
    {
        if (!Mapping.UidAvailable || Mapping.Profile.Of(type).Uid is not { } field)
        {
            return null;
        }

        var filter = $"{field} eq '{uid.Value.Replace("'", "''", StringComparison.Ordinal)}'";
        await foreach (var row in QueryAsync(type, filter, null, cancellationToken).ConfigureAwait(false))
        {
            return Remember(row, type);
        }

        return null;
    }

    /// <summary>A failure after which the request may or may not have been carried out.</summary>
    private static bool IsAmbiguous(Exception e) =>
        e is ODataTransientException or HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException;

    async ValueTask<CrmWrite> ICrmPort.UpdateAsync(string objectId, string ifMatch, MeetingContent content, string? relinkTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        return Port(objectId, await PatchAsync(objectId, content.Type, _ => UpdateBody(objectId, content, relinkTo), ifMatch, cancellationToken).ConfigureAwait(false));
    }

    async ValueTask<CrmWrite> ICrmPort.CancelAsync(string objectId, string ifMatch, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        return Port(objectId, await PatchAsync(objectId, null, Mapping.CancelBody, ifMatch, cancellationToken).ConfigureAwait(false));
    }

    async ValueTask ICrmPort.DeleteAsync(string objectId, string ifMatch, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        var result = await DeleteAsync(objectId, ifMatch, cancellationToken).ConfigureAwait(false);
        if (result.IsVersionConflict)
        {
            throw new CrmConflictException(objectId, result.Current);
        }
    }

    /// <summary>A write's outcome as the port reports it: the record, or a conflict to decide again on.</summary>
    private static CrmWrite Port(string? objectId, CrmWriteResult result) => result.Status switch
    {
        CrmWriteStatus.Written => result.Write!,
        CrmWriteStatus.VersionConflict => throw new CrmConflictException(objectId ?? result.Current?.ObjectId ?? "(new)", result.Current),
        _ => throw new InvalidOperationException($"unexpected CRM write outcome {result.Status}"),
    };

    private async Task<CrmWriteResult> DeleteAsync(string objectId, string? ifMatch, CancellationToken cancellationToken)
    {
        var (type, etag) = await VersionAsync(objectId, null, cancellationToken).ConfigureAwait(false);
        if (etag is not null && ifMatch is not null)
        {
            etag = ifMatch;
        }

        if (etag is null)
        {
            return CrmWriteResult.Gone;
        }

        var answer = await connection.WriteAsync(HttpMethod.Delete, Key(type, objectId), null, etag, idempotent: true, cancellationToken).ConfigureAwait(false);
        switch (answer.Status)
        {
            case HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.NotFound:
                connection.ETags.TryRemove(objectId, out _);
                return CrmWriteResult.Gone;
            case HttpStatusCode.PreconditionFailed:
                return CrmWriteResult.Conflict(await GetRecordAsync(objectId, type, cancellationToken).ConfigureAwait(false));
            default:
                throw ODataCrmConnection.Failure(answer);
        }
    }

    /// <summary>Reads one record by id (null when it does not exist) and remembers its version.</summary>
    public async Task<CrmRecord?> GetAsync(string objectId, CancellationToken cancellationToken = default)
    {
        var (type, etag) = await VersionAsync(objectId, null, cancellationToken).ConfigureAwait(false);
        return etag is null ? null : await GetRecordAsync(objectId, type, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An update's body; the record keeps its time zones, and a completed record its status (unless the update cancels it). A content without a real UID carries the engine's placeholder (<see cref="MeetingUid.PlaceholderFor"/>): never written as the record's UID.</summary>
    private JsonObject UpdateBody(string objectId, MeetingContent content, string? relinkTo) =>
        Mapping.ToBody(content, null, relinkTo, writeUid: !content.Uid.IsPlaceholderFor(objectId), Zone(objectId),
            writeStatus: content.Cancelled || !connection.Statuses.TryGetValue(objectId, out var status) || status != CrmStatus.Completed);

    private (string Start, string End) Zone(string objectId) =>
        connection.Zones.TryGetValue(objectId, out var z)
            ? (z.Start.Length > 0 ? z.Start : Options.DefaultTimeZoneCode, z.End.Length > 0 ? z.End : Options.DefaultTimeZoneCode)
            : (Options.DefaultTimeZoneCode, Options.DefaultTimeZoneCode);

    private async Task<CrmWriteResult> PatchAsync(string objectId, MeetingType? hint, Func<MeetingType, JsonObject> bodyOf, string? ifMatch, CancellationToken cancellationToken)
    {
        var (type, etag) = await VersionAsync(objectId, hint, cancellationToken).ConfigureAwait(false);
        if (etag is null)
        {
            return CrmWriteResult.Conflict(null);
        }

        // The port says which version the decision was made on; without it, the version this connection last showed.
        etag = ifMatch ?? etag;

        // Not idempotent for ambiguous failures: a lost answer to an applied PATCH would come back as a 412 on our own write.
        var answer = await connection.WriteAsync(HttpMethod.Patch, Key(type, objectId), bodyOf(type), etag, idempotent: false, cancellationToken).ConfigureAwait(false);
        switch (answer.Status)
        {
            case HttpStatusCode.NoContent or HttpStatusCode.OK:
                var written = await GetRecordAsync(objectId, type, cancellationToken).ConfigureAwait(false);
                return written is null ? CrmWriteResult.Conflict(null) : CrmWriteResult.Written(written);
            case HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound:
                return CrmWriteResult.Conflict(await GetRecordAsync(objectId, type, cancellationToken).ConfigureAwait(false));
            default:
                throw ODataCrmConnection.Failure(answer);
        }
    }

    /// <summary>The entity set and the version the caller was shown; fetched when this connection never showed it.</summary>
    private async Task<(MeetingType Type, string? ETag)> VersionAsync(string objectId, MeetingType? hint, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectId);
        if (connection.Kinds.TryGetValue(objectId, out var known) && connection.ETags.TryGetValue(objectId, out var etag))
        {
            return (known, etag);
        }

        foreach (var type in hint is { } h ? [h, .. Types.Where(t => t != h)] : Types)
        {
            if (await GetRecordAsync(objectId, type, cancellationToken).ConfigureAwait(false) is { } record)
            {
                return (type, record.ETag);
            }
        }

        return (hint ?? MeetingType.Appointment, null);
    }

    private async Task<CrmRecord?> GetRecordAsync(string objectId, MeetingType type, CancellationToken cancellationToken)
    {
        var d = await connection.GetAsync($"{Key(type, objectId)}?$expand={Mapping.PartiesNavigation(type)}", cancellationToken).ConfigureAwait(false);
        if (d is null)
        {
            connection.ETags.TryRemove(objectId, out _);
            return null;
        }

        return Remember(d, type);
    }

    private async IAsyncEnumerable<JsonObject> QueryAsync(
        MeetingType type, string? filter, string? orderBy, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new List<string> { "$expand=" + Mapping.PartiesNavigation(type) };
        if (filter is not null)
        {
            query.Add("$filter=" + Uri.EscapeDataString(filter));
        }

        if (orderBy is not null)
        {
            query.Add("$orderby=" + Uri.EscapeDataString(orderBy));
        }

        await foreach (var row in PagesAsync(Mapping.Set(type) + "?" + string.Join('&', query), cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>The rows of a query, following <c>__next</c> (pinned to the service root by the connection).</summary>
    private async IAsyncEnumerable<JsonObject> PagesAsync(string first, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? url = first;
        while (url is not null)
        {
            var d = await connection.GetAsync(url, cancellationToken).ConfigureAwait(false)
                ?? throw new ODataCrmException(404, null, $"{first}: not found");
            foreach (var row in (d["results"] as JsonArray ?? []).OfType<JsonObject>())
            {
                yield return row;
            }

            // A short (even empty) page is not the end; only a page without __next is.
            url = d["__next"]?.GetValue<string>();
        }
    }

    private CrmRecord Remember(JsonObject row, MeetingType type, string? etagHeader = null)
    {
        var (record, startZone, endZone) = Mapping.ToRecord(row, type, etagHeader);
        connection.ETags[record.ObjectId] = record.ETag;
        connection.Kinds[record.ObjectId] = type;
        connection.Zones[record.ObjectId] = (startZone, endZone);
        connection.Statuses[record.ObjectId] = record.Status;
        return record;
    }

    /// <summary>Reads a row; a malformed one is quarantined (kept, counted, logged) and false comes back instead.</summary>
    private bool TryRead<T>(Func<T> read, out T value)
    {
        try
        {
            value = read();
            return true;
        }
        catch (CrmRecordFormatException e)
        {
            connection.Quarantined(CrmQuarantinedRecord.Of(e));
            value = default!;
            return false;
        }
    }

    private string Key(MeetingType type, string objectId) => $"{Mapping.Set(type)}('{objectId.Replace("'", "''", StringComparison.Ordinal)}')";
}
