using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ResultCache.Tests.Infrastructure;

/// <summary>What the proxy does to traffic between the client and redis-server.</summary>
public enum ProxyMode
{
    /// <summary>Forwards everything.</summary>
    Pass,

    /// <summary>Accepts, never forwards, never closes: what conntrack does to a connection it forgot.</summary>
    Blackhole,

    /// <summary>Resets every open connection with RST, and every new one at once.</summary>
    Reset,

    /// <summary>Forwards each chunk after a delay.</summary>
    Delay,

    /// <summary>Forwards a number of bytes per connection, then closes it (FIN).</summary>
    CloseAfterBytes,
}

/// <summary>
/// A TCP proxy on a free loopback port in front of redis-server, whose mode a test switches at any moment.
/// The mode applies to open connections too, so a fault lands on a connection already in use.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile ProxyMode _mode = ProxyMode.Pass;
    private TimeSpan _delay;
    private int _closeAfterBytes;

    private FaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Configuration => $"127.0.0.1:{Port}";

    public ProxyMode Mode => _mode;

    public static FaultProxy Start(int targetPort) => new(targetPort);

    public void Pass() => _mode = ProxyMode.Pass;

    public void Blackhole() => _mode = ProxyMode.Blackhole;

    public void Delay(TimeSpan delay)
    {
        _delay = delay;
        _mode = ProxyMode.Delay;
    }

    public void CloseAfter(int bytes)
    {
        _closeAfterBytes = bytes;
        foreach (Link link in _links.Keys)
        {
            link.ForwardedSinceFault = 0;
        }
        _mode = ProxyMode.CloseAfterBytes;
    }

    public void Reset()
    {
        _mode = ProxyMode.Reset;
        foreach (Link link in _links.Keys)
        {
            link.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (Link link in _links.Keys)
        {
            link.Abort();
        }
        await Task.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    // Each direction of each link is pumped by a blocking loop on a thread of its own: the proxy must add no
    // latency of its own, and must not compete with the code under test for thread-pool threads.
    private Task ServeAsync(Socket client) =>
        Task.Factory.StartNew(() => Serve(client), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Serve(Socket client)
    {
        if (_mode == ProxyMode.Reset)
        {
            Link.Abort(client);
            return;
        }
        client.NoDelay = true;
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var link = new Link(client, upstream);
        _links[link] = 0;
        try
        {
            // A connection accepted during a blackhole never reaches the server, like a SYN answered by a dead NAT entry.
            var sink = new byte[4096];
            while (_mode == ProxyMode.Blackhole && !_stop.IsCancellationRequested)
            {
                if (client.Poll(50_000, SelectMode.SelectRead) && client.Receive(sink) == 0)
                {
                    return;
                }
            }
            upstream.Connect(IPAddress.Loopback, _targetPort);
            Task back = Task.Factory.StartNew(() => Pump(link, upstream, client), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Pump(link, client, upstream);
            back.Wait();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or AggregateException)
        {
        }
        finally
        {
            link.Close();
            _links.TryRemove(link, out _);
        }
    }

    private void Pump(Link link, Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = from.Receive(buffer);
                if (read == 0)
                {
                    return;
                }
                switch (_mode)
                {
                    case ProxyMode.Blackhole:
                        continue; // read and dropped: the sender sees no error, the receiver sees nothing
                    case ProxyMode.Reset:
                        link.Abort();
                        return;
                    case ProxyMode.Delay:
                        Thread.Sleep(_delay);
                        break;
                    case ProxyMode.CloseAfterBytes:
                        int allowed = Math.Max(0, _closeAfterBytes - Interlocked.Add(ref link.ForwardedSinceFault, read) + read);
                        if (allowed < read)
                        {
                            to.Send(buffer, allowed, SocketFlags.None);
                            return;
                        }
                        break;
                }
                to.Send(buffer, read, SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            link.Close(); // one side ended: end the other, as a real connection would
        }
    }

    private sealed class Link(Socket client, Socket upstream)
    {
        public int ForwardedSinceFault;

        public static void Abort(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0); // close with RST instead of FIN
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Abort()
        {
            Abort(client);
            Abort(upstream);
        }

        public void Close()
        {
            client.Close();
            upstream.Close();
        }
    }
}
