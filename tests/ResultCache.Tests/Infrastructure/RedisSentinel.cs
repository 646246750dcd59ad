using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// A primary, its replica and one Redis Sentinel (quorum 1) on loopback. The sentinel is <c>redis-server CONF --sentinel</c>
/// (the same binary Debian's redis-sentinel package links to, so redis-server alone is enough), with a config written to a
/// temp folder. Every event the sentinel publishes (+sdown, +odown, +promoted-slave, +switch-master...) is recorded with
/// its <see cref="Stopwatch.GetTimestamp"/>, so a test can tell when the replica was promoted.
/// </summary>
public sealed class RedisSentinel : IAsyncDisposable
{
    public const string ServiceName = "resultcache";

    private readonly string _directory;
    private readonly Process _sentinel;
    private readonly ConcurrentQueue<SentinelEvent> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TcpClient _subscription;
    private Task _listening = Task.CompletedTask;

    private RedisSentinel(string directory, RedisServer primary, RedisServer replica, int sentinelPort, Process sentinel, TcpClient subscription)
    {
        _directory = directory;
        Primary = primary;
        Replica = replica;
        SentinelPort = sentinelPort;
        _sentinel = sentinel;
        _subscription = subscription;
    }

    /// <summary>The primary at the start; <see cref="Replica"/> is promoted when it dies.</summary>
    public RedisServer Primary { get; }

    public RedisServer Replica { get; }

    public int SentinelPort { get; }

    /// <summary>The client's connection string: the sentinel's address and the service it monitors.</summary>
    public string Configuration => $"127.0.0.1:{SentinelPort},serviceName={ServiceName}";

    /// <summary>Every event the sentinel published, in order.</summary>
    public IReadOnlyList<SentinelEvent> Events => [.. _events];

    /// <summary>
    /// When the sentinel promoted a replica (<c>+promoted-slave</c>): from then on SENTINEL get-master-addr-by-name names
    /// it. The sentinel announces the switch to clients (<c>+switch-master</c>) a few milliseconds later.
    /// </summary>
    public SentinelEvent? Promoted => _events.FirstOrDefault(e => e.Channel == "+promoted-slave");

    public SentinelEvent? Switched => _events.FirstOrDefault(e => e.Channel == "+switch-master");

    /// <summary>Starts the three; the sentinel deems the primary down after <paramref name="downAfterMilliseconds"/> without an answer.</summary>
    public static async Task<RedisSentinel> StartAsync(int downAfterMilliseconds = 1000)
    {
        string directory = Directory.CreateTempSubdirectory("resultcache-sentinel-").FullName;
        RedisSentinel sentinel = await StartProcessesAsync(directory, downAfterMilliseconds);
        try
        {
            await sentinel.SubscribeAsync();
            // The sentinel finds the replica in the primary's INFO; until it has, it has nothing to promote.
            if (!await Eventually.TrueAsync(async () => await sentinel.KnowsReplicaAsync(), TimeSpan.FromSeconds(10)))
            {
                throw new InvalidOperationException($"The sentinel on port {sentinel.SentinelPort} did not find the replica on port {sentinel.Replica.Port}.");
            }
            return sentinel;
        }
        catch
        {
            await sentinel.DisposeAsync();
            throw;
        }
    }

    // Starts the primary, the replica and the sentinel; whatever started is stopped again if a later step fails.
    private static async Task<RedisSentinel> StartProcessesAsync(string directory, int downAfterMilliseconds)
    {
        RedisServer? primary = null;
        RedisServer? replica = null;
        Process? process = null;
        try
        {
            primary = await RedisServer.StartAsync();
            replica = await RedisServer.StartAsync("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
            int replicaPort = replica.Port;
            if (!await Eventually.TrueAsync(async () => (await InfoAsync(replicaPort, "replication")).Contains("master_link_status:up"), TimeSpan.FromSeconds(10)))
            {
                throw new InvalidOperationException($"The replica on port {replica.Port} did not sync with the primary on port {primary.Port}.");
            }

            int port = RedisServer.FreePort();
            string config = Path.Combine(directory, "sentinel.conf");
            // The sentinel rewrites its config (known replicas, epochs), so it lives in a folder of its own.
            File.WriteAllText(config, $"""
                port {port}
                bind 127.0.0.1
                protected-mode no
                dir {directory}
                sentinel monitor {ServiceName} 127.0.0.1 {primary.Port} 1
                sentinel down-after-milliseconds {ServiceName} {downAfterMilliseconds}
                sentinel failover-timeout {ServiceName} 5000
                sentinel parallel-syncs {ServiceName} 1

                """);
            var start = new ProcessStartInfo(RedisServer.FindRedisServer())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(config);
            start.ArgumentList.Add("--sentinel");
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server --sentinel did not start.");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                var subscription = new TcpClient();
                try
                {
                    await subscription.ConnectAsync(IPAddress.Loopback, port);
                    return new RedisSentinel(directory, primary, replica, port, process, subscription);
                }
                catch (SocketException) when (!process.HasExited && DateTime.UtcNow < deadline)
                {
                    subscription.Dispose();
                    await Task.Delay(20);
                }
            }
        }
        catch
        {
            if (process is { HasExited: false })
            {
                process.Kill();
            }
            process?.Dispose();
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
            if (primary is not null)
            {
                await primary.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>What the sentinel answers to SENTINEL get-master-addr-by-name: the port of the current primary.</summary>
    public async Task<int> PrimaryPortAsync()
    {
        object? reply = await Resp.CommandAsync(SentinelPort, "SENTINEL", "get-master-addr-by-name", ServiceName);
        return reply is object?[] { Length: 2 } address ? int.Parse((string)address[1]!, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>SIGKILL to the primary: its sockets close, and the sentinel sees it down after down-after-milliseconds.</summary>
    public void KillPrimary() => Primary.Kill();

    /// <summary>The keys (pattern <c>rc:*</c> by default) on a server, counted over a fresh connection.</summary>
    public static async Task<long> KeyCountAsync(RedisServer server, string pattern = "rc:*")
    {
        object? reply = await Resp.CommandAsync(server.Port, "KEYS", pattern);
        return reply is object?[] keys ? keys.Length : -1;
    }

    public static async Task<string> InfoAsync(int port, string section) => await Resp.CommandAsync(port, "INFO", section) as string ?? string.Empty;

    private async Task<bool> KnowsReplicaAsync()
    {
        if (await Resp.CommandAsync(SentinelPort, "SENTINEL", "replicas", ServiceName) is not object?[] replicas)
        {
            return false;
        }
        foreach (object?[] fields in replicas.OfType<object?[]>())
        {
            var map = new Dictionary<string, string>();
            for (int i = 0; i + 1 < fields.Length; i += 2)
            {
                map[(string)fields[i]!] = (string)fields[i + 1]!;
            }
            if (map.GetValueOrDefault("port") == Replica.Port.ToString(CultureInfo.InvariantCulture) && map.GetValueOrDefault("flags") == "slave"
                && map.GetValueOrDefault("master-link-status") == "ok")
            {
                return true;
            }
        }
        return false;
    }

    // The events are read on a thread of their own with blocking reads: each is stamped when it arrives, however busy
    // the thread pool is with the load under test.
    private async Task SubscribeAsync()
    {
        NetworkStream stream = _subscription.GetStream();
        await stream.WriteAsync(Resp.Encode(["PSUBSCRIBE", "*"]));
        var reader = new Resp.Reader(stream, blocking: true);
        reader.ReadAsync().GetAwaiter().GetResult(); // the psubscribe confirmation
        _listening = Task.Factory.StartNew(() =>
        {
            try
            {
                while (!_stop.IsCancellationRequested && reader.ReadAsync().GetAwaiter().GetResult() is object?[] { Length: 4 } message && (string?)message[0] == "pmessage")
                {
                    _events.Enqueue(new SentinelEvent(Stopwatch.GetTimestamp(), (string)message[2]!, (string)message[3]!));
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
                // the sentinel was stopped
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (!_sentinel.HasExited)
        {
            _sentinel.Kill();
            await _sentinel.WaitForExitAsync();
        }
        _subscription.Dispose();
        await _listening;
        await Replica.DisposeAsync();
        await Primary.DisposeAsync();
        _sentinel.Dispose();
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A message the sentinel published on <paramref name="Channel"/>, and when it arrived.</summary>
    public sealed record SentinelEvent(long Timestamp, string Channel, string Message);

    /// <summary>Just enough RESP2 for INFO, KEYS, SENTINEL and a pattern subscription, over connections of its own.</summary>
    private static class Resp
    {
        public static async Task<object?> CommandAsync(int port, params string[] command)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(Encode(command));
            return await new Reader(stream).ReadAsync();
        }

        public static byte[] Encode(string[] command) => Encoding.UTF8.GetBytes(
            $"*{command.Length}\r\n" + string.Concat(command.Select(part => $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n")));

        /// <summary>With <paramref name="blocking"/>, reads block and every task it returns is already complete.</summary>
        public sealed class Reader(Stream stream, bool blocking = false)
        {
            private readonly byte[] _buffer = new byte[16384];
            private int _start;
            private int _end;

            /// <summary>A simple or bulk string, an integer, an array of those, null, or an error as an <see cref="InvalidOperationException"/>.</summary>
            public async Task<object?> ReadAsync()
            {
                string line = await ReadLineAsync();
                string rest = line[1..];
                switch (line[0])
                {
                    case '+':
                        return rest;
                    case '-':
                        return new InvalidOperationException(rest);
                    case ':':
                        return long.Parse(rest, CultureInfo.InvariantCulture);
                    case '$':
                        int length = int.Parse(rest, CultureInfo.InvariantCulture);
                        if (length < 0)
                        {
                            return null;
                        }
                        byte[] bulk = await ReadExactlyAsync(length + 2);
                        return Encoding.UTF8.GetString(bulk, 0, length);
                    case '*':
                        int count = int.Parse(rest, CultureInfo.InvariantCulture);
                        if (count < 0)
                        {
                            return null;
                        }
                        var items = new object?[count];
                        for (int i = 0; i < count; i++)
                        {
                            items[i] = await ReadAsync();
                        }
                        return items;
                    default:
                        throw new IOException($"Not a RESP2 reply: {line}");
                }
            }

            private async Task<string> ReadLineAsync()
            {
                var line = new List<byte>();
                while (true)
                {
                    if (_start == _end)
                    {
                        await FillAsync();
                    }
                    byte next = _buffer[_start++];
                    if (next == (byte)'\n' && line.Count > 0 && line[^1] == (byte)'\r')
                    {
                        return Encoding.UTF8.GetString(line.ToArray(), 0, line.Count - 1);
                    }
                    line.Add(next);
                }
            }

            private async Task<byte[]> ReadExactlyAsync(int count)
            {
                var bytes = new byte[count];
                int filled = 0;
                while (filled < count)
                {
                    if (_start == _end)
                    {
                        await FillAsync();
                    }
                    int take = Math.Min(count - filled, _end - _start);
                    Array.Copy(_buffer, _start, bytes, filled, take);
                    _start += take;
                    filled += take;
                }
                return bytes;
            }

            private async Task FillAsync()
            {
                _start = 0;
                _end = blocking ? stream.Read(_buffer) : await stream.ReadAsync(_buffer);
                if (_end == 0)
                {
                    throw new IOException("The server closed the connection.");
                }
            }
        }
    }
}
