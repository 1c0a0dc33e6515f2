using System.Text;

namespace RulesSync.Emulators.Push;

/// <summary>One notification POST waiting to go out.</summary>
internal sealed record PendingNotification(Uri Url, string? Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset DueAt);

/// <summary>What a receiver answered one delivery.</summary>
public sealed record NotificationDelivery(Uri Url, int Status);

/// <summary>
/// The notifications the Graph and Google emulators send (subscriptions' change and lifecycle notifications,
/// channels' messages), queued and POSTed when <see cref="DeliverDueAsync"/> is called, so a test decides when
/// delivery happens. Fault knobs: drop the next N, duplicate the next N, delay every notification by a span of the
/// emulators' clock. A receiver that answers an error is not retried here (Graph retries for up to 4 hours, Google
/// with backoff; the runner's poll covers both). Thread-safe.
/// </summary>
public sealed class PushOutbox : IDisposable
{
    private readonly List<PendingNotification> queue = [];
    private readonly List<NotificationDelivery> deliveries = [];
    private readonly Lock gate = new();
    // The emulators must not use HttpClient (BannedSymbols: emulators keep to a deterministic core); delivering a
    // webhook is the one place they are a client, so it goes through the bare invoker, bounded like Graph (10 s).
    private readonly HttpMessageInvoker http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) });
    private readonly TimeProvider time;

    internal PushOutbox(TimeProvider time) => this.time = time;

    /// <summary>Drop this many of the next notifications (never sent).</summary>
    public int DropNext { get; set; }

    /// <summary>Send each of this many next notifications twice.</summary>
    public int DuplicateNext { get; set; }

    /// <summary>Hold every notification this long (on the emulators' clock) before it is due.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Notifications dropped by <see cref="DropNext"/>.</summary>
    public int Dropped { get; private set; }

    /// <summary>Extra copies queued by <see cref="DuplicateNext"/>.</summary>
    public int Duplicated { get; private set; }

    /// <summary>Notifications queued and not yet sent (due or not).</summary>
    public int Pending
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>Every delivery so far and what the receiver answered (0: no answer).</summary>
    public IReadOnlyList<NotificationDelivery> Deliveries
    {
        get
        {
            lock (gate)
            {
                return [.. deliveries];
            }
        }
    }

    /// <summary>POSTs every notification that is due, in order; returns how many were sent.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        List<PendingNotification> due;
        lock (gate)
        {
            var now = time.GetUtcNow();
            due = [.. queue.Where(p => p.DueAt <= now)];
            queue.RemoveAll(p => p.DueAt <= now);
        }

        foreach (var notification in due)
        {
            var (status, _) = await PostAsync(notification.Url, notification.Body, notification.Headers, cancellationToken).ConfigureAwait(false);
            lock (gate)
            {
                deliveries.Add(new NotificationDelivery(notification.Url, status));
            }
        }

        return due.Count;
    }

    public void Dispose() => http.Dispose();

    /// <summary>Queues a notification, applying the drop, duplicate and delay knobs.</summary>
    internal void Enqueue(Uri url, string? body, IReadOnlyDictionary<string, string> headers)
    {
        lock (gate)
        {
            if (DropNext > 0)
            {
                DropNext--;
                Dropped++;
                return;
            }

            var item = new PendingNotification(url, body, headers, time.GetUtcNow() + Delay);
            queue.Add(item);
            if (DuplicateNext > 0)
            {
                DuplicateNext--;
                Duplicated++;
                queue.Add(item);
            }
        }
    }

    /// <summary>One POST now (the validation handshake); the status (0 when nothing answered) and body.</summary>
    internal async Task<(int Status, string Body)> PostAsync(Uri url, string? body, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body ?? string.Empty, Encoding.UTF8, body is null ? "text/plain" : "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await http.SendAsync(request, limit.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, string.Empty);
        }
    }
}
