using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Live;

/// <summary>
/// The CRM as one cycle saw it, polled once for the whole tenant (not once per mailbox): the records changed since
/// the lowest watermark of the mailboxes syncing this cycle, and the ids of the live records (for id
/// reconciliation; from <see cref="CrmLiveIds"/>, listed ids-only at its own interval). A mailbox whose watermark is
/// higher gets records it has already seen again; the engine recognises them by their unchanged ETag. The records
/// the mapping refused are in <see cref="Quarantined"/>: skipped, and counted live so nothing is decided on them.
/// Immutable.
/// </summary>
internal sealed record TenantCrmSnapshot(ImmutableArray<CrmRecord> Changed, CrmWatermark Next, ImmutableHashSet<string> LiveIds, IReadOnlyList<CrmQuarantinedRecord> Quarantined)
{
    // Writes of this cycle (null: deleted), so a mailbox synced later in the cycle sees what an earlier one wrote.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CrmRecord?> written = new(StringComparer.Ordinal);

    // Bumped by every write; the tenant's live ids, sorted, as of a version (shared by every mailbox until the next write).
    private long version;
    private LiveIdsAt? liveNow;

    /// <summary>Records a write made during the cycle.</summary>
    public void Wrote(string objectId, CrmRecord? record)
    {
        written[objectId] = record;
        Interlocked.Increment(ref version);
    }

    /// <summary>The changed records as they stand now: the poll, with this cycle's writes laid over it.</summary>
    public IEnumerable<CrmRecord> ChangedNow() =>
        Changed.Where(r => !written.ContainsKey(r.ObjectId)).Concat(written.Values.OfType<CrmRecord>());

    /// <summary>
    /// The ids of live records as they stand now for <paramref name="employee"/>, in ordinal order: the tenant's ids
    /// with this cycle's writes, less the changed records the employee is no longer involved in (to that mailbox they
    /// are gone). The tenant's sorted ids are computed once per write, not once per mailbox; a mailbox that every
    /// changed record involves (a no-change cycle: every mailbox) gets that array itself, no copy.
    /// </summary>
    public ImmutableArray<string> LiveIdsFor(string employee)
    {
        var now = TenantLiveIdsNow();
        HashSet<string>? notMine = null;
        var involved = false;
        foreach (var r in ChangedNow())
        {
            if (r.Involves(employee))
            {
                involved = true;
            }
            else
            {
                (notMine ??= new(StringComparer.Ordinal)).Add(r.ObjectId);
            }
        }

        if (notMine is null)
        {
            return now.Ids;
        }

        if (!involved)
        {
            // Involved in none of the changed records (most mailboxes): the same list for all of them.
            return now.LessChanged(notMine);
        }

        return [.. now.Ids.Where(id => !notMine.Contains(id))];
    }

    /// <summary>The writes made during the cycle through this snapshot, by object id (null: deleted).</summary>
    public IReadOnlyList<KeyValuePair<string, CrmRecord?>> Writes() => [.. written];

    /// <summary>The tenant's live ids as they stand now (this cycle's writes laid over the poll's), in ordinal order.</summary>
    public ImmutableArray<string> LiveIdsNow() => TenantLiveIdsNow().Ids;

    private LiveIdsAt TenantLiveIdsNow()
    {
        var at = Interlocked.Read(ref version);
        if (Volatile.Read(ref liveNow) is { } cached && cached.Version == at)
        {
            return cached;
        }

        var ids = LiveIds.Where(id => !written.TryGetValue(id, out var w) || w is not null)
            .Concat(written.Where(w => w.Value is not null).Select(w => w.Key))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToImmutableArray();
        var now = new LiveIdsAt(at, ids);
        Volatile.Write(ref liveNow, now);
        return now;
    }

    // The tenant's live ids at a version, sorted; and less every changed record (computed by the first mailbox that
    // needs it; a race computes the same list twice, harmlessly).
    private sealed class LiveIdsAt(long version, ImmutableArray<string> ids)
    {
        public long Version { get; } = version;

        public ImmutableArray<string> Ids { get; } = ids;

        private ImmutableArray<string> lessChanged;

        /// <summary>The ids less <paramref name="changed"/> (every changed record's id: the same set for every caller of a version).</summary>
        public ImmutableArray<string> LessChanged(HashSet<string> changed)
        {
            // One reference inside: read and written whole.
            var less = lessChanged;
            if (less.IsDefault)
            {
                less = [.. Ids.Where(id => !changed.Contains(id))];
                lessChanged = less;
            }

            return less;
        }
    }

    /// <summary>A record written this cycle for the same meeting UID, if any.</summary>
    public CrmRecord? WrittenFor(string uid) => written.Values.FirstOrDefault(r => r?.Uid?.Value == uid);

    /// <summary>Polls the CRM's change feed once; the live ids come from <paramref name="ids"/> (listed when due).</summary>
    public static async ValueTask<TenantCrmSnapshot> ReadAsync(
        ODataCrmConnection connection, ODataCrmConnector tenant, CrmLiveIds ids, CrmWatermark since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var page = await tenant.ReadTenantChangesAsync(since, cancellationToken).ConfigureAwait(false);
        var live = await ids.CurrentAsync(tenant, page.Records, now, cancellationToken).ConfigureAwait(false);
        var quarantined = connection.QuarantinedNow;
        return new TenantCrmSnapshot(page.Records, page.Next, [.. live, .. quarantined.Select(q => q.ObjectId)], quarantined);
    }
}

/// <summary>
/// The tenant's live CRM ids between two ids-only listings: the last listing (<c>$select=ObjectID</c>, every
/// <see cref="ODataCrmOptions.IdListingInterval"/>, and on the first cycle), with every record a poll or a write has
/// shown since, less the records this runner deleted. A record deleted in the CRM stays in the set until the next
/// listing — deletions are seen at the listing's interval, changes every cycle. Thread-safe.
/// </summary>
internal sealed class CrmLiveIds(TimeSpan interval)
{
    private readonly Lock gate = new();
    private HashSet<string> ids = new(StringComparer.Ordinal);
    private DateTimeOffset? listedAt;

    /// <summary>Ids-only listings made so far.</summary>
    public int Listings { get; private set; }

    /// <summary>The live ids now: listed afresh when the interval has passed, else the last listing with what was seen since.</summary>
    public async ValueTask<IReadOnlyCollection<string>> CurrentAsync(ODataCrmConnector tenant, IEnumerable<CrmRecord> seen, DateTimeOffset now, CancellationToken cancellationToken)
    {
        bool due;
        lock (gate)
        {
            due = listedAt is not { } at || now - at >= interval;
        }

        if (due)
        {
            var listed = await tenant.ListTenantIdsAsync(cancellationToken).ConfigureAwait(false);
            lock (gate)
            {
                ids = listed.ToHashSet(StringComparer.Ordinal);
                listedAt = now;
                Listings++;
            }
        }

        lock (gate)
        {
            ids.UnionWith(seen.Select(r => r.ObjectId));
            return [.. ids];
        }
    }

    /// <summary>A record this runner created or deleted.</summary>
    public void Wrote(string objectId, bool live)
    {
        lock (gate)
        {
            _ = live ? ids.Add(objectId) : ids.Remove(objectId);
        }
    }
}

/// <summary>
/// One mailbox's <see cref="ICrmPort"/> in the live runner: reads are served from the cycle's
/// <see cref="TenantCrmSnapshot"/> filtered to the records the employee is involved in; writes go straight to the
/// CRM connector. A create that an earlier attempt may already have made (journaled, outcome unknown) first looks
/// for the record linked to the same groupware item and returns it instead of creating a second one. With
/// <paramref name="siblings"/> (syncs that each hold their own copy of the snapshot: a cluster's mailbox grains), a
/// create of a meeting another mailbox's create is journaled for asks the CRM for the meeting's record first.
/// </summary>
internal sealed class SnapshotCrmPort(
    TenantCrmSnapshot snapshot, ODataCrmConnector writer, SyncAttempt attempt, CrmLiveIds? liveIds = null, SiblingCreates? siblings = null) : ICrmPort
{
    // Meetings whose record was already offered to the engine instead of a create: a second create of one of them
    // (the record could not be correlated after all) goes ahead as before rather than going round in conflicts.
    private readonly HashSet<string> offered = new(StringComparer.Ordinal);

    public ApiVersion Dialect => writer.Dialect;

    private string Employee => writer.Employee;

    public ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new CrmChangePage([.. snapshot.ChangedNow().Where(r => r.Involves(Employee))], snapshot.Next));

    public ValueTask<ImmutableArray<string>> ListIdsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(snapshot.LiveIdsFor(Employee));

    public async ValueTask<CrmWrite> CreateAsync(MeetingContent content, string owner, string groupwareItemId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        // A create an earlier attempt may have made: the connector's create looks for the linked record first.
        if (attempt.MaybeDone(idempotencyKey)
            && snapshot.ChangedNow().FirstOrDefault(r => r.GroupwareItemId == groupwareItemId) is { } existing)
        {
            return new CrmWrite(existing);
        }

        // Another mailbox's sync created the meeting's record after this sync read the CRM: decide again on it
        // (the engine's conflict path) rather than create a second record for the same meeting.
        if (snapshot.WrittenFor(content.Uid.Value) is { } sibling)
        {
            throw new CrmConflictException(sibling.ObjectId, sibling);
        }

        // Another mailbox with its own copy of the snapshot (on another silo) created it: the journal says so, under
        // the meeting's lease; the CRM says which record (one query by the meeting's UID; none on API v1).
        if (siblings is not null && offered.Add(content.Uid.Value) && siblings.MayHaveCreated(content.Uid.Value, Employee)
            && await writer.FindByUidAsync(content.Uid, content.Type, cancellationToken).ConfigureAwait(false) is { } created)
        {
            throw new CrmConflictException(created.ObjectId, created);
        }

        return Wrote(await ((ICrmPort)writer).CreateAsync(content, owner, groupwareItemId, idempotencyKey, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<CrmWrite> UpdateAsync(string objectId, string ifMatch, MeetingContent content, string? relinkTo, CancellationToken cancellationToken = default) =>
        Wrote(await ((ICrmPort)writer).UpdateAsync(objectId, ifMatch, content, relinkTo, cancellationToken).ConfigureAwait(false));

    public async ValueTask<CrmWrite> CancelAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default) =>
        Wrote(await ((ICrmPort)writer).CancelAsync(objectId, ifMatch, cancellationToken).ConfigureAwait(false));

    public async ValueTask DeleteAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default)
    {
        await ((ICrmPort)writer).DeleteAsync(objectId, ifMatch, cancellationToken).ConfigureAwait(false);
        snapshot.Wrote(objectId, null);
        liveIds?.Wrote(objectId, live: false);
    }

    private CrmWrite Wrote(CrmWrite write)
    {
        snapshot.Wrote(write.Record.ObjectId, write.Record);
        liveIds?.Wrote(write.Record.ObjectId, live: true);
        return write;
    }
}

/// <summary>
/// One mailbox's <see cref="IMailboxPort"/> in the live runner: the provider connector, reading the delta once per
/// sync attempt (the mass-change guard's plan and the sync share the page, so a cycle costs one delta round). A create that an earlier attempt may already have made looks for an organizer's event in that page
/// with the same subject and time that the state does not know yet, and returns it instead of inviting everyone
/// a second time.
/// </summary>
internal sealed class JournaledMailboxPort(IMailboxPort inner, SyncAttempt attempt) : IMailboxPort
{
    private MailboxPage? page;

    public Provider Provider => inner.Provider;

    private MailboxCursor? readFrom;

    /// <summary>Reads the provider's delta once per attempt: the guard's plan and the sync itself get the same page.</summary>
    public async ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default)
    {
        if (page is not null && readFrom == cursor)
        {
            return page;
        }

        page = await inner.ReadChangesAsync(cursor, cancellationToken).ConfigureAwait(false);
        readFrom = cursor;
        return page;
    }

    public async ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        if (attempt.MaybeDone(idempotencyKey) && page is not null)
        {
            var existing = page.Items.FirstOrDefault(i => !i.Removed && i.IsOrganizer && i.Subject == content.Subject
                && i.Start == content.Start && i.End == content.End && !attempt.Start.Events.ContainsKey(i.EventId));
            if (existing is not null)
            {
                return new MailboxWrite(existing.EventId, existing.ChangeKey, existing);
            }
        }

        return await inner.CreateEventAsync(content, idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default) =>
        inner.UpdateEventAsync(eventId, content, cancellationToken);

    public ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        inner.CancelEventAsync(eventId, cancellationToken);

    public ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        inner.DeleteEventAsync(eventId, cancellationToken);
}

/// <summary>
/// What one attempt at one mailbox's sync knows beyond the engine: the state it started from and the idempotency
/// keys the journal already held from an earlier attempt (their effect may or may not have happened). Not
/// thread-safe: one mailbox's sync is one sequential flow.
/// </summary>
internal sealed class SyncAttempt(MailboxSyncState start)
{
    private readonly HashSet<string> maybeDone = new(StringComparer.Ordinal);

    public MailboxSyncState Start { get; } = start;

    public void MarkMaybeDone(string key) => maybeDone.Add(key);

    public bool MaybeDone(string key) => maybeDone.Contains(key);
}
