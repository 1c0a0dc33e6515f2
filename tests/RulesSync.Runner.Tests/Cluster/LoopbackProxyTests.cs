using System.Net;
using System.Net.Sockets;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>The partition tests' proxy on its own, over an echo server on loopback: forwards, cuts (refuse, blackhole, some clients only) and heals.</summary>
public sealed class LoopbackProxyTests
{
    [Fact]
    public async Task Forward_ClientSpeaksFirst_AnswerComesBackThroughTheProxy()
    {
        using var echo = new Echo();
        using var proxy = new LoopbackProxy(echo.EndPoint);
        using var client = await ConnectAsync(proxy);

        Assert.Equal("ping", await RoundTripAsync(client, "ping"));
        await Bounded.Until(() => Task.FromResult(proxy.ForwardedBytes == 8), "the proxy to count both ways' 4 bytes");
    }

    [Fact]
    public async Task Cut_Refuse_OpenConnectionResetNewOneRefused_HealLetsNewOnesThrough()
    {
        using var echo = new Echo();
        using var proxy = new LoopbackProxy(echo.EndPoint);
        using var open = await ForwardingAsync(proxy);

        proxy.Cut(CutMode.Refuse);
        await AssertClosedAsync(open, "the open connection, reset by the cut");
        using var refused = await ConnectAsync(proxy);
        await refused.SendAsync("two"u8.ToArray());
        await AssertClosedAsync(refused, "a new connection, refused by the cut");
        Assert.Equal(2, proxy.Refused);

        proxy.Heal();
        using var healed = await ConnectAsync(proxy);
        Assert.Equal("three", await RoundTripAsync(healed, "three"));
        Assert.Equal(2, echo.Connections);
    }

    [Fact]
    public async Task Cut_Blackhole_BytesDroppedSilently_HealResetsTheHeldConnections()
    {
        using var echo = new Echo();
        using var proxy = new LoopbackProxy(echo.EndPoint);
        using var held = await CutAndSendAsync(proxy, CutMode.Blackhole, "lost", "also lost");

        await Bounded.Until(() => Task.FromResult(proxy.DroppedBytes == 13), "the proxy to drop both sends");
        Assert.Equal(3, echo.Received);
        Assert.Equal(1, echo.Connections);
        Assert.Equal(0, proxy.Refused);

        await HealAsync(proxy, held);
    }

    [Fact]
    public async Task Cut_FromOneClient_OthersStillForwarded()
    {
        using var echo = new Echo();
        using var proxy = new LoopbackProxy(echo.EndPoint);
        using var cut = await ConnectAsync(proxy);
        using var kept = await ConnectAsync(proxy);
        var cutPort = ((IPEndPoint)cut.LocalEndPoint!).Port;

        proxy.Cut(CutMode.Refuse, from: client => client.Port == cutPort);
        await cut.SendAsync("x"u8.ToArray());
        await AssertClosedAsync(cut, "the cut client's connection");
        Assert.Equal("still here", await RoundTripAsync(kept, "still here"));
    }

    [Fact]
    public async Task Cut_DropToClient_ClientsStillReachTheTarget_AnswersDropped_HealResets()
    {
        using var echo = new Echo();
        using var proxy = new LoopbackProxy(echo.EndPoint);
        using var held = await CutAndSendAsync(proxy, CutMode.DropToClient, "heard", "new");

        // The proxy counts bytes after it has sent them on, so the target may hold them before the count moves.
        await Bounded.Until(() => Task.FromResult(echo.Received == 11 && proxy.DroppedBytes == 8 && proxy.PassedOneWay == 8), "the target to receive both sends, the proxy to count the 8 bytes it passed one way and drop both echoes");
        Assert.Equal(2, echo.Connections);
        Assert.Equal(0, held.Open.Available + held.Fresh.Available);
        Assert.Equal(0, proxy.Refused);

        await HealAsync(proxy, held);
    }

    [Fact]
    public async Task Cut_DropToTarget_TargetStillReachesTheClients_TheirBytesDropped_HealResets()
    {
        using var echo = new Echo();
        using var proxy = new LoopbackProxy(echo.EndPoint);
        using var held = await CutAndSendAsync(proxy, CutMode.DropToTarget, "lost", "also");

        await Bounded.Until(() => Task.FromResult(proxy.DroppedBytes == 8), "the proxy to drop both sends");
        Assert.Equal(3, echo.Received);
        Assert.Equal(1, echo.Connections);
        Assert.Equal("spoken", await ReceiveAsync(held.Open, await echo.SayAsync("spoken")));
        // The proxy counts bytes after it has sent them on, so the client may hold them before the count moves.
        await Bounded.Until(() => Task.FromResult(proxy.PassedOneWay == 6), "the proxy to count the 6 bytes it passed one way");
        Assert.Equal(0, proxy.Refused);

        await HealAsync(proxy, held);
    }

    /// <summary>
    /// Cuts with <paramref name="mode"/> and sends <paramref name="onOpen"/> on a connection forwarded before the cut,
    /// <paramref name="onFresh"/> on one opened during it.
    /// </summary>
    private static async Task<Held> CutAndSendAsync(LoopbackProxy proxy, CutMode mode, string onOpen, string onFresh)
    {
        var open = await ForwardingAsync(proxy);
        proxy.Cut(mode);
        await open.SendAsync(System.Text.Encoding.ASCII.GetBytes(onOpen));
        var fresh = await ConnectAsync(proxy);
        await fresh.SendAsync(System.Text.Encoding.ASCII.GetBytes(onFresh));
        return new Held(open, fresh);
    }

    /// <summary>Heals: the connections the cut held are reset, and a new one is forwarded again.</summary>
    private static async Task HealAsync(LoopbackProxy proxy, Held held)
    {
        proxy.Heal();
        await AssertClosedAsync(held.Open, "the connection open before the cut, reset by the heal");
        await AssertClosedAsync(held.Fresh, "the connection opened during the cut, reset by the heal");
        using var healed = await ConnectAsync(proxy);
        Assert.Equal("two", await RoundTripAsync(healed, "two"));
    }

    /// <summary>A connection through the proxy that has carried one round trip.</summary>
    private static async Task<Socket> ForwardingAsync(LoopbackProxy proxy)
    {
        var s = await ConnectAsync(proxy);
        Assert.Equal("one", await RoundTripAsync(s, "one"));
        return s;
    }

    private static async Task<Socket> ConnectAsync(LoopbackProxy proxy)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(proxy.EndPoint).WaitAsync(Bounded.Bound);
        return s;
    }

    private static async Task<string> RoundTripAsync(Socket s, string text)
    {
        await s.SendAsync(System.Text.Encoding.ASCII.GetBytes(text));
        return await ReceiveAsync(s, text.Length);
    }

    /// <summary>The next <paramref name="length"/> bytes the connection brings (ASCII), within the bound.</summary>
    private static async Task<string> ReceiveAsync(Socket s, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await Bounded.Within(s.ReceiveAsync(buffer.AsMemory(read)).AsTask(), $"{length} bytes from the target");
            Assert.True(n > 0, $"the connection closed before {length} bytes came from the target");
            read += n;
        }

        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    /// <summary>The connection ends (end of stream or reset) within the bound.</summary>
    private static async Task AssertClosedAsync(Socket s, string what)
    {
        var buffer = new byte[64];
        try
        {
            Assert.Equal(0, await Bounded.Within(s.ReceiveAsync(buffer.AsMemory()).AsTask(), $"{what} to end"));
        }
        catch (SocketException)
        {
            // Reset: ended as well.
        }
    }

    /// <summary>A connection forwarded before a cut and one opened during it.</summary>
    private sealed record Held(Socket Open, Socket Fresh) : IDisposable
    {
        public void Dispose()
        {
            Open.Dispose();
            Fresh.Dispose();
        }
    }

    /// <summary>Echoes what each connection sends, counting connections and bytes; can speak first (<see cref="SayAsync"/>).</summary>
    private sealed class Echo : IDisposable
    {
        private readonly Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly System.Collections.Concurrent.ConcurrentBag<Socket> accepted = [];
        private int connections;
        private long received;

        public Echo()
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(8);
            EndPoint = (IPEndPoint)listener.LocalEndPoint!;
            _ = AcceptAsync();
        }

        public IPEndPoint EndPoint { get; }

        public int Connections => Volatile.Read(ref connections);

        public long Received => Interlocked.Read(ref received);

        public void Dispose() => listener.Dispose();

        /// <summary>Sends <paramref name="text"/> unasked on every connection it accepted; its length.</summary>
        public async Task<int> SayAsync(string text)
        {
            foreach (var s in accepted)
            {
                await s.SendAsync(System.Text.Encoding.ASCII.GetBytes(text));
            }

            return text.Length;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var s = await listener.AcceptAsync();
                    accepted.Add(s);
                    Interlocked.Increment(ref connections);
                    _ = ServeAsync(s);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private async Task ServeAsync(Socket s)
        {
            using (s)
            {
                var buffer = new byte[1024];
                try
                {
                    int n;
                    while ((n = await s.ReceiveAsync(buffer)) > 0)
                    {
                        Interlocked.Add(ref received, n);
                        await s.SendAsync(buffer.AsMemory(0, n));
                    }
                }
                catch (SocketException)
                {
                    // Reset by the proxy.
                }
            }
        }
    }
}
