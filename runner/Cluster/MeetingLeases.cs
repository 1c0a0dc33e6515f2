using Npgsql;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.Live;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cluster;

/// <summary>
/// Per-meeting serialization that holds across silos (<see cref="IMeetingSerializer"/>): a lease per meeting in the
/// cluster database (<c>rulesync_meeting_lease</c>, created with the store's tables). Taking a lease raises the
/// meeting's fencing token by one; the journal (<c>PostgresStateStore.Journal</c>) refuses a decision whose token is
/// older than the lease's, so a holder that lost its lease — its silo cut off or paused past the expiry, or its
/// activation superseded — cannot journal, and without a journal entry it carries out nothing. Expiry runs on the
/// database's clock (one clock for every silo); a held lease is renewed every third of its duration, and a holder cut
/// off from the database cannot renew it. Inside one activation the meeting's in-process lock is taken first, so the
/// database only arbitrates between activations. Thread-safe.
/// </summary>
internal sealed class MeetingLeases : IMeetingSerializer
{
    /// <summary>How long a lease lasts unless renewed (a holder that stops renewing loses it after this).</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(1);

    private readonly NpgsqlDataSource source;
    private readonly string tenant;
    private readonly string holder;
    private readonly long tenantToken;
    private readonly TimeSpan duration;
    private readonly TimeProvider wallClock;
    private readonly MeetingLocks local = new();

    /// <param name="source">The silo's pool for leases in the cluster database (<see cref="ClusterConnections.Leases"/>; not disposed here).</param>
    /// <param name="tenant">The tenant whose meetings these are.</param>
    /// <param name="holder">Who takes the leases (silo and activation), for the database and operators.</param>
    /// <param name="tenantToken">The tenant lease token of the activation (a successor breaks the leases of older ones).</param>
    /// <param name="duration">How long a lease lasts unless renewed.</param>
    /// <param name="wallClock">Real time for waiting and renewing (the database's clock decides expiry).</param>
    private MeetingLeases(NpgsqlDataSource source, string tenant, string holder, long tenantToken, TimeSpan duration, TimeProvider wallClock)
    {
        this.source = source;
        this.tenant = tenant;
        this.holder = holder;
        this.tenantToken = tenantToken;
        this.duration = duration;
        this.wallClock = wallClock;
    }

    /// <summary>The leases of one activation of <paramref name="tenant"/>, over the silo's shared pool (parameters as the constructor's).</summary>
    public static MeetingLeases Open(NpgsqlDataSource source, string tenant, string holder, long tenantToken, TimeSpan duration, TimeProvider wallClock)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new(source, tenant, holder, tenantToken, duration, wallClock);
    }

    /// <summary>Leases granted by this instance so far (for the report and tests).</summary>
    public int Granted => granted;

    /// <summary>Leases this instance found held elsewhere and waited for.</summary>
    public int Waited => waited;

    /// <summary>Completes when a lease was first found held elsewhere (this instance then waits for it).</summary>
    public Task FirstRefusal => refused.Task;

    /// <summary>Renewals that found the lease expired or taken by someone else (the holder lost it).</summary>
    public int Lost => lost;

    private readonly TaskCompletionSource refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int granted;
    private int waited;
    private int lost;

    public async ValueTask<IMeetingLease> EnterAsync(string meetingKey, CancellationToken cancellationToken)
    {
        var inProcess = await local.EnterAsync(meetingKey, cancellationToken).ConfigureAwait(false);
        try
        {
            var wait = FirstWait;
            for (var first = true; ; first = false)
            {
                if (await TryTakeAsync(meetingKey, cancellationToken).ConfigureAwait(false) is { } token)
                {
                    Interlocked.Increment(ref granted);
                    var lease = new Lease(this, meetingKey, token, inProcess);
                    try
                    {
                        CrashPoints.Reach($"meeting lease on {meetingKey} taken (token {token})");
                    }
                    catch
                    {
                        await lease.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }

                    return lease;
                }

                if (first)
                {
                    Interlocked.Increment(ref waited);
                    refused.TrySetResult();
                }

                await Task.Delay(wait, wallClock, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
            }
        }
        catch
        {
            await inProcess.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A new activation of the tenant took the tenant's lease: the leases older activations still hold are broken
    /// (expired now). Those activations are fenced off from every write already; their leases would only make the
    /// successor wait out the expiry. Returns how many were broken.
    /// </summary>
    public int BreakLeasesOfOlderActivations() => OnFreshConnectionIfLost(() =>
    {
        using var command = source.CreateCommand(
            "UPDATE rulesync_meeting_lease SET expires_at = clock_timestamp() WHERE tenant = @t AND tenant_token < @tt AND expires_at > clock_timestamp()");
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("tt", tenantToken);
        return command.ExecuteNonQuery();
    });

    /// <summary>
    /// One statement; when the connection turns out lost (after a database restart every pooled connection is dead),
    /// the pool is dropped and the statement runs once more on a fresh connection. For the statements here that is
    /// safe: breaking leases, renewing or releasing one are updates that give the same rows when run twice, and a take
    /// that did land only raises the holder's own token. A wait for a connection that outlasted the pool's Timeout sent
    /// nothing: it is asked for again (up to <see cref="PostgresStateStore.PoolWaits"/> times), without dropping the pool.
    /// </summary>
    private T OnFreshConnectionIfLost<T>(Func<T> statement) =>
        // The statement runs synchronously, so the task is complete when returned: nothing blocks here.
        OnFreshConnectionIfLostAsync(() => Task.FromResult(statement())).GetAwaiter().GetResult();

    /// <inheritdoc cref="OnFreshConnectionIfLost"/>
    private async Task<T> OnFreshConnectionIfLostAsync<T>(Func<Task<T>> statement)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await statement().ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (PostgresStateStore.PoolWaitTimedOut(e) && attempt < PostgresStateStore.PoolWaits)
            {
                // No connection free within the pool's Timeout (the silo's syncs all at the pool at once): ask again.
            }
            catch (NpgsqlException e) when (PostgresStateStore.ConnectionLost(e))
            {
                if (!PostgresStateStore.PoolWaitTimedOut(e))
                {
                    source.Clear();
                }

                return await statement().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes the meeting's lease when nobody holds it, the holder's expired, or this activation holds it already (a
    /// release lost to a database outage: the in-process lock is what serializes inside the activation); its new
    /// token, else null.
    /// </summary>
    private Task<long?> TryTakeAsync(string meetingKey, CancellationToken cancellationToken) =>
        OnFreshConnectionIfLostAsync(() => TryTakeOnceAsync(meetingKey, cancellationToken));

    private async Task<long?> TryTakeOnceAsync(string meetingKey, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand(
            """
            INSERT INTO rulesync_meeting_lease (tenant, meeting_key, token, holder, tenant_token, expires_at)
            VALUES (@t, @m, 1, @h, @tt, clock_timestamp() + @d)
            ON CONFLICT (tenant, meeting_key) DO UPDATE SET
                token = rulesync_meeting_lease.token + 1, holder = EXCLUDED.holder, tenant_token = EXCLUDED.tenant_token, expires_at = EXCLUDED.expires_at
            WHERE rulesync_meeting_lease.expires_at <= clock_timestamp()
                OR (rulesync_meeting_lease.holder = EXCLUDED.holder AND rulesync_meeting_lease.tenant_token = EXCLUDED.tenant_token)
            RETURNING token
            """);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("m", meetingKey);
        command.Parameters.AddWithValue("h", holder);
        command.Parameters.AddWithValue("tt", tenantToken);
        command.Parameters.AddWithValue("d", duration);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long token ? token : null;
    }

    /// <summary>Extends the lease while it is still running under its token (or, releasing, expires it now); false when it is lost.</summary>
    private bool Renew(string meetingKey, long token, bool release) => OnFreshConnectionIfLost(() =>
    {
        using var command = source.CreateCommand(
            release
                ? "UPDATE rulesync_meeting_lease SET expires_at = clock_timestamp() WHERE tenant = @t AND meeting_key = @m AND token = @token"
                // An expired lease (run out, or broken by a successor) is not revived: whoever holds it lost it.
                : "UPDATE rulesync_meeting_lease SET expires_at = clock_timestamp() + @d WHERE tenant = @t AND meeting_key = @m AND token = @token AND expires_at > clock_timestamp()");
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("m", meetingKey);
        command.Parameters.AddWithValue("token", token);
        command.Parameters.AddWithValue("d", duration);
        return command.ExecuteNonQuery() == 1;
    });

    /// <summary>A held lease: renewed in the background until disposed; disposing expires it at once.</summary>
    private sealed class Lease : IMeetingLease
    {
        private readonly MeetingLeases owner;
        private readonly IMeetingLease inProcess;
        private readonly ITimer renewal;
        private int released;

        public Lease(MeetingLeases owner, string meetingKey, long token, IMeetingLease inProcess)
        {
            this.owner = owner;
            this.inProcess = inProcess;
            MeetingKey = meetingKey;
            FencingToken = token;
            var every = owner.duration / 3;
            renewal = owner.wallClock.CreateTimer(_ => RenewQuietly(), null, every, every);
        }

        public string MeetingKey { get; }

        public long FencingToken { get; }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) == 1)
            {
                return;
            }

            await renewal.DisposeAsync().ConfigureAwait(false);
            try
            {
                owner.Renew(MeetingKey, FencingToken, release: true);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database is out of reach: the lease expires by itself.
            }
            finally
            {
                await inProcess.DisposeAsync().ConfigureAwait(false);
            }
        }

        private void RenewQuietly()
        {
            try
            {
                if (Volatile.Read(ref released) == 0 && !owner.Renew(MeetingKey, FencingToken, release: false))
                {
                    Interlocked.Increment(ref owner.lost);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Cut off from the database: the lease runs out, and the journal refuses this holder's token after a takeover.
            }
        }
    }
}
