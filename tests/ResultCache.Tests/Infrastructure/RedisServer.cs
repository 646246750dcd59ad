using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port, owned by one test: it can be killed, restarted on the
/// same port, paused (SIGSTOP: a hung server with open sockets) and resumed.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string[] _extraArguments;
    private bool _lua = true;
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private RedisServer(int port, string[] extraArguments)
    {
        Port = port;
        _extraArguments = extraArguments;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts a server; <paramref name="extraArguments"/> are redis-server options, kept for restarts.</summary>
    public static async Task<RedisServer> StartAsync(params string[] extraArguments) => await StartOnAsync(FreePort(), extraArguments);

    public static async Task<RedisServer> StartOnAsync(int port, params string[] extraArguments)
    {
        var server = new RedisServer(port, extraArguments);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Garnet as it ships, with Lua off: only in the Garnet run.</summary>
    public static async Task<RedisServer> StartGarnetWithoutLuaAsync()
    {
        var server = new RedisServer(FreePort(), []) { _lua = false };
        if (Garnet is null)
        {
            throw new InvalidOperationException("Garnet without Lua is started only in the Garnet run (RESULTCACHE_TEST_GARNET).");
        }
        await server.RestartAsync();
        return server;
    }

    /// <summary>
    /// The garnet-server executable when the suite runs against Garnet (scripts/test.sh sets it for its Garnet run): every
    /// server a test starts is then Garnet, with Lua on as the lease needs.
    /// </summary>
    public static string? Garnet { get; } = Environment.GetEnvironmentVariable("RESULTCACHE_TEST_GARNET") is { Length: > 0 } path ? path : null;

    /// <summary>Starts redis-server (or Garnet) again on the same port and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        if (Garnet is not null && _extraArguments.Length > 0)
        {
            throw new InvalidOperationException($"This test starts redis-server with options ({string.Join(' ', _extraArguments)}); it is not part of the Garnet run.");
        }
        var start = new ProcessStartInfo(Garnet ?? FindRedisServer())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] defaults = Garnet is not null ? ["--port", Port.ToString(), "--bind", "127.0.0.1", "--lua", _lua ? "true" : "false"]
            : ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--enable-debug-command", "local"];
        foreach (string argument in defaults.Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await AnswersPingAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server did not answer on port {Port}.");
            }
            await Task.Delay(20);
        }
        // Tests run in parallel: make sure the server answering is this one, not another test's on a reused port.
        // (Garnet does not report its process id.)
        if (Garnet is null && await ServerProcessIdAsync() != _process.Id)
        {
            throw new InvalidOperationException($"Port {Port} is answered by a redis-server this test did not start.");
        }
    }

    private async Task<int> ServerProcessIdAsync()
    {
        using var client = new TcpClient();
        using var answer = new CancellationTokenSource(ReplyTimeout);
        await client.ConnectAsync(IPAddress.Loopback, Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Resp(["INFO", "server"]));
        var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        for (int line = 0; line < 100 && await ReadLineAsync(reader, answer.Token, "INFO server") is { } text; line++)
        {
            if (text.StartsWith("process_id:", StringComparison.Ordinal))
            {
                return int.Parse(text["process_id:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    /// <summary>SIGKILL: the server vanishes and its sockets close.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
        _admin?.Dispose();
        _admin = null;
    }

    /// <summary>SIGSTOP: the server keeps its sockets open but answers nothing.</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>SIGCONT.</summary>
    public void Resume() => Signal(SigCont);

    /// <summary>A separate client for inspecting and tampering with the server's data.</summary>
    public IDatabase Admin => (_admin ??= ConnectionMultiplexer.Connect($"{Configuration},allowAdmin=true")).GetDatabase();

    public IServer AdminServer
    {
        get
        {
            _ = Admin;
            return _admin!.GetServer(Configuration);
        }
    }

    public string[] Keys(string pattern = "*") => AdminServer.Keys(pattern: pattern).Select(k => k.ToString()).ToArray();

    /// <summary>INFO clients' connected_clients, read over a fresh connection that is closed again, so it does not count itself.</summary>
    public async Task<long> ConnectedClientsAsync()
    {
        if (Garnet is not null)
        {
            throw new InvalidOperationException("Garnet reports connected_clients:0 whatever is connected; a test that counts connections is not part of the Garnet run.");
        }
        using var client = new TcpClient();
        using var answer = new CancellationTokenSource(ReplyTimeout);
        await client.ConnectAsync(IPAddress.Loopback, Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Resp(["INFO", "clients"]));
        var buffer = new byte[4096];
        int read = await Answered(stream.ReadAsync(buffer, answer.Token).AsTask(), "INFO clients");
        string info = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        string line = info.Split('\n').Single(l => l.StartsWith("connected_clients:", StringComparison.Ordinal));
        return long.Parse(line["connected_clients:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture) - 1;
    }

    /// <summary>
    /// Runs one command over a fresh connection that is closed again, so tampering leaves no client behind;
    /// returns the first line of the reply. With <paramref name="awaitReply"/> false it only sends (DEBUG SLEEP).
    /// </summary>
    public async Task<string> CommandAsync(string[] command, string? password = null, bool awaitReply = true)
    {
        using var client = new TcpClient();
        using var answer = new CancellationTokenSource(ReplyTimeout);
        await client.ConnectAsync(IPAddress.Loopback, Port);
        NetworkStream stream = client.GetStream();
        var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        if (password is not null)
        {
            await stream.WriteAsync(Resp(["AUTH", password]));
            await ReadLineAsync(reader, answer.Token, "AUTH");
        }
        await stream.WriteAsync(Resp(command));
        return awaitReply ? await ReadLineAsync(reader, answer.Token, command[0]) ?? string.Empty : string.Empty;
    }

    /// <summary>
    /// How long the helpers above wait for the server's reply. A server that never answers fails the test with a message
    /// instead of hanging it: Garnet, for one, silently ignores an inline (non-RESP) command with arguments such as
    /// "INFO clients\r\n", which once hung the Garnet run in ConnectedClientsAsync. Every helper sends RESP arrays.
    /// </summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private static Task<string?> ReadLineAsync(StreamReader reader, CancellationToken answer, string command) =>
        Answered(reader.ReadLineAsync(answer).AsTask(), command);

    private static async Task<T> Answered<T>(Task<T> read, string command)
    {
        try
        {
            return await read;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server did not answer {command} within {ReplyTimeout.TotalSeconds} s.");
        }
    }

    private static byte[] Resp(string[] command) => System.Text.Encoding.UTF8.GetBytes(
        $"*{command.Length}\r\n" + string.Concat(command.Select(part => $"${System.Text.Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n")));

    /// <summary>Whether the process is still running (a cluster node stopped with <see cref="Kill"/> is not).</summary>
    public bool IsRunning => _process is { HasExited: false };

    public async ValueTask DisposeAsync()
    {
        Resume();
        Kill();
        await Task.CompletedTask;
    }

    private const int SigCont = 18;
    private const int SigStop = 19;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private void Signal(int signal)
    {
        if (_process is { HasExited: false } process && kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Could not send signal {signal} to redis-server.");
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var answer = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(Resp(["PING"]));
            var buffer = new byte[7];
            int read = await stream.ReadAsync(buffer, answer.Token);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false; // refused, reset or not answering yet: a server still starting
        }
    }

    /// <summary>
    /// A free loopback port no other server of this test run has had: a killed server's port stays reserved for its
    /// restart, so a test starting meanwhile cannot take it.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (s_handedOut)
            {
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static readonly HashSet<int> s_handedOut = [];

    internal static string FindRedisServer()
    {
        foreach (string candidate in new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            "redis-server is not installed. Run the test command from README.md (scripts/test.sh), which installs it with apt-get.");
    }
}
