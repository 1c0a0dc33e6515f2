using System.Net;
using System.Net.Sockets;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>What a cut does to the connections it hits.</summary>
internal enum CutMode
{
    /// <summary>Reset at once (both ends see the connection reset), and new ones reset as soon as they speak: a firewall that rejects.</summary>
    Refuse,

    /// <summary>
    /// Nothing passes any more, and nothing tells either end: bytes are read and dropped, new connections are accepted and
    /// never forwarded — packets lost on a partitioned network, as the applications see it. Healing resets them.
    /// </summary>
    Blackhole,

    /// <summary>
    /// One way only: what the clients send is dropped (a new connection is accepted and never forwarded), what the
    /// target sends on a connection already forwarded still reaches the client; nothing tells either end, and a close
    /// goes the way its bytes go. An asymmetric partition: the client hears the target, the target no longer hears the
    /// client. Healing resets them (their streams lost bytes).
    /// </summary>
    DropToTarget,

    /// <summary>
    /// One way only, the other way: what the clients send still reaches the target (new connections are forwarded),
    /// what the target answers is dropped. The target hears the client, the client no longer hears the target.
    /// Healing resets them.
    /// </summary>
    DropToClient,
}

/// <summary>
/// A TCP proxy on 127.0.0.1 (port 0: the system's choice) forwarding every connection to <c>target</c>, that a test
/// can cut — every connection, or those from some clients; both ways, or one way only — and heal: a network partition
/// between the proxy's clients and its target, made of real sockets. The proxy reads a connection's first bytes before it connects to the target,
/// so it suits protocols where the client speaks first (Orleans' connection preamble, PostgreSQL's startup message),
/// and a client is known by its socket's endpoint (<c>from</c>) before anything it sends is forwarded. Thread-safe.
/// </summary>
internal sealed class LoopbackProxy : IDisposable
{
    private readonly Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint target;
    private readonly Lock gate = new();
    private readonly HashSet<Link> links = [];
    private readonly CancellationTokenSource stopping = new();
    private Severing? cut;
    private long dropped;
    private long forwarded;
    private long passedOneWay;
    private int refused;

    public LoopbackProxy(IPEndPoint target)
    {
        this.target = target;
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _ = AcceptAsync();
    }

    /// <summary>Where clients connect (127.0.0.1 and the port the system gave).</summary>
    public IPEndPoint EndPoint { get; }

    public int Port => EndPoint.Port;

    /// <summary>Bytes a cut dropped (read from one end and never forwarded), all cuts together.</summary>
    public long DroppedBytes => Interlocked.Read(ref dropped);

    /// <summary>Bytes forwarded, both ways together.</summary>
    public long ForwardedBytes => Interlocked.Read(ref forwarded);

    /// <summary>Bytes forwarded the way a one-way cut left open, on the connections it held, all cuts together.</summary>
    public long PassedOneWay => Interlocked.Read(ref passedOneWay);

    /// <summary>Connections reset by a cut, all cuts together.</summary>
    public int Refused => Volatile.Read(ref refused);

    /// <summary>Connections forwarding now (a cut's blackholed ones included until healed).</summary>
    public int Open
    {
        get
        {
            lock (gate)
            {
                return links.Count;
            }
        }
    }

    /// <summary>
    /// Cuts the connections of the clients <paramref name="from"/> accepts (all when null), those open now and those to
    /// come, until <see cref="Heal"/>. One cut at a time: a second replaces the first.
    /// </summary>
    public void Cut(CutMode mode, Func<IPEndPoint, bool>? from = null)
    {
        lock (gate)
        {
            cut = new Severing(mode, from ?? (_ => true));
            foreach (var link in links.Where(l => cut.Hits(l.Client)).ToList())
            {
                Apply(link, mode);
            }
        }
    }

    /// <summary>Lets new connections through again; the connections a blackhole or a one-way cut held are reset (as timed out).</summary>
    public void Heal()
    {
        lock (gate)
        {
            cut = null;
            foreach (var link in links.Where(l => l.Held).ToList())
            {
                links.Remove(link);
                link.Reset();
            }
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Dispose();
        lock (gate)
        {
            foreach (var link in links)
            {
                link.Reset();
            }

            links.Clear();
        }

        stopping.Dispose();
    }

    private void Apply(Link link, CutMode mode)
    {
        if (mode == CutMode.Refuse)
        {
            Interlocked.Increment(ref refused);
            links.Remove(link);
            link.Reset();
        }
        else
        {
            link.Hold(toTarget: mode is CutMode.Blackhole or CutMode.DropToTarget, toClient: mode is CutMode.Blackhole or CutMode.DropToClient);
        }
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var link = new Link(client, (IPEndPoint)client.RemoteEndPoint!);
        var first = new byte[16 * 1024];
        int n;
        try
        {
            // Who the client is, and whether a cut hits it, is decided on its first bytes (see the class's remarks).
            n = await client.ReceiveAsync(first, SocketFlags.None, stopping.Token).ConfigureAwait(false);
            if (n == 0)
            {
                link.Reset();
                return;
            }

            lock (gate)
            {
                links.Add(link);
                if (cut is { } c && c.Hits(link.Client))
                {
                    Apply(link, c.Mode);
                    if (!link.IsOpen || link.DropsToTarget)
                    {
                        Interlocked.Add(ref dropped, n);
                    }
                }
            }

            if (link.DropsToTarget)
            {
                await DrainAsync(client, link).ConfigureAwait(false);
                return;
            }

            if (!link.IsOpen)
            {
                return;
            }

            await link.Upstream.ConnectAsync(target, stopping.Token).ConfigureAwait(false);
            await link.Upstream.SendAsync(first.AsMemory(0, n), SocketFlags.None, stopping.Token).ConfigureAwait(false);
            Forwarded(link, n);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(link);
            return;
        }

        await Task.WhenAll(PumpAsync(client, link.Upstream, link, toTarget: true), PumpAsync(link.Upstream, client, link, toTarget: false)).ConfigureAwait(false);
    }

    private void Forwarded(Link link, int n)
    {
        Interlocked.Add(ref forwarded, n);
        if (link.Held)
        {
            Interlocked.Add(ref passedOneWay, n);
        }
    }

    /// <summary>Forwards <paramref name="from"/> to <paramref name="to"/> until either end closes, dropping what a cut holds that way.</summary>
    private async Task PumpAsync(Socket from, Socket to, Link link, bool toTarget)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, stopping.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                if (link.Drops(toTarget))
                {
                    Interlocked.Add(ref dropped, n);
                    continue;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, stopping.Token).ConfigureAwait(false);
                Forwarded(link, n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Reset by a cut, a heal or either end.
        }

        // A close goes the way its end's bytes go: one a cut drops is not passed on, the other end learns of it when the cut heals.
        if (!link.Drops(toTarget))
        {
            Close(link);
        }
    }

    /// <summary>A connection a blackhole took before it was forwarded: read and dropped until healed.</summary>
    private async Task DrainAsync(Socket client, Link link)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await client.ReceiveAsync(buffer, SocketFlags.None, stopping.Token).ConfigureAwait(false)) > 0)
            {
                Interlocked.Add(ref dropped, n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Reset by the heal.
        }

        if (!link.DropsToTarget)
        {
            Close(link);
        }
    }

    private void Close(Link link)
    {
        lock (gate)
        {
            links.Remove(link);
        }

        link.Reset();
    }

    private sealed record Severing(CutMode Mode, Func<IPEndPoint, bool> Hits);

    /// <summary>A client's connection and the proxy's own to the target.</summary>
    private sealed class Link(Socket client, IPEndPoint clientEndPoint)
    {
        private int reset;

        public IPEndPoint Client { get; } = clientEndPoint;

        public Socket Upstream { get; } = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        private volatile bool dropsToTarget;
        private volatile bool dropsToClient;

        /// <summary>What the client sends is dropped.</summary>
        public bool DropsToTarget => dropsToTarget;

        /// <summary>Whether a cut holds this connection (drops its bytes one way or both): healing resets it.</summary>
        public bool Held => dropsToTarget || dropsToClient;

        /// <summary>Whether the bytes going to the target (or to the client) are dropped.</summary>
        public bool Drops(bool toTarget) => toTarget ? dropsToTarget : dropsToClient;

        public void Hold(bool toTarget, bool toClient)
        {
            dropsToTarget = toTarget;
            dropsToClient = toClient;
        }

        public bool IsOpen => Volatile.Read(ref reset) == 0;

        /// <summary>Both sockets closed with a reset (no lingering): each end sees the connection reset.</summary>
        public void Reset()
        {
            if (Interlocked.Exchange(ref reset, 1) == 1)
            {
                return;
            }

            foreach (var s in new[] { client, Upstream })
            {
                try
                {
                    if (s.Connected)
                    {
                        s.LingerState = new LingerOption(true, 0);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Already gone.
                }

                s.Dispose();
            }
        }
    }
}
