using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// A proxy in front of redis-server 7 that refuses, as Redis 6 does, the one command ResultCache sends that needs 7.0:
/// SET with both NX and GET. That command reaches Redis as SET ... NX XX, which Redis refuses with the same
/// "ERR syntax error" Redis 6 answers; every other command passes unchanged, in order. (Debian ships only Redis 7.)
/// </summary>
public sealed class Redis6Proxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly List<Socket> _sockets = [];
    private int _refused;

    private Redis6Proxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public string Configuration => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>How many SET NX GET commands were refused.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public static Redis6Proxy Start(int targetPort) => new(targetPort);

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        lock (_sockets)
        {
            _sockets.ForEach(socket => socket.Dispose());
        }
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                return;
            }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            lock (_sockets)
            {
                _sockets.AddRange([client, upstream]);
            }
            _ = Task.Factory.StartNew(() => Serve(client, upstream), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    private void Serve(Socket client, Socket upstream)
    {
        try
        {
            upstream.Connect(IPAddress.Loopback, _targetPort);
            using var fromClient = new BufferedStream(new NetworkStream(client));
            using var toServer = new NetworkStream(upstream);
            _ = Task.Factory.StartNew(() => Copy(upstream, client), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            while (ReadCommand(fromClient) is { } command)
            {
                if (IsSetNxGet(command))
                {
                    command[command.FindIndex(a => Is(a, "GET"))] = "XX"u8.ToArray();
                    Interlocked.Increment(ref _refused);
                }
                toServer.Write(Resp(command));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }

    private static void Copy(Socket from, Socket to)
    {
        try
        {
            using var source = new NetworkStream(from);
            using var target = new NetworkStream(to);
            source.CopyTo(target);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static bool IsSetNxGet(List<byte[]> command) =>
        Is(command[0], "SET") && command.Skip(3).Any(a => Is(a, "NX")) && command.Skip(3).Any(a => Is(a, "GET"));

    private static bool Is(byte[] argument, string word) => Encoding.ASCII.GetString(argument).Equals(word, StringComparison.OrdinalIgnoreCase);

    // A RESP array of bulk strings, as every client sends commands; null at the end of the stream.
    private static List<byte[]>? ReadCommand(Stream stream)
    {
        if (ReadLine(stream) is not { } header)
        {
            return null;
        }
        if (header[0] != '*')
        {
            throw new IOException($"Expected a RESP array, got '{header}'.");
        }
        var command = new List<byte[]>();
        for (int i = int.Parse(header[1..]); i > 0; i--)
        {
            int length = int.Parse((ReadLine(stream) ?? throw new IOException("Truncated command."))[1..]);
            var argument = new byte[length + 2];
            stream.ReadExactly(argument);
            command.Add(argument[..length]);
        }
        return command;
    }

    private static string? ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        while (stream.ReadByte() is var b and not -1)
        {
            if (b == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }
            line.Append((char)b);
        }
        return null;
    }

    private static byte[] Resp(List<byte[]> command)
    {
        var output = new MemoryStream();
        output.Write(Encoding.ASCII.GetBytes($"*{command.Count}\r\n"));
        foreach (byte[] argument in command)
        {
            output.Write(Encoding.ASCII.GetBytes($"${argument.Length}\r\n"));
            output.Write(argument);
            output.Write("\r\n"u8);
        }
        return output.ToArray();
    }
}
