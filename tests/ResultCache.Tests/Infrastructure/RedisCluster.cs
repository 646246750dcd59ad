using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of masters without replicas on loopback: one redis-server per node with cluster mode on,
/// joined with <c>redis-cli --cluster create</c>. A node can be killed and restarted on its port; it rejoins
/// from its nodes.conf.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private readonly string _directory;

    private RedisCluster(string directory, IReadOnlyList<RedisServer> nodes)
    {
        _directory = directory;
        Nodes = nodes;
    }

    public IReadOnlyList<RedisServer> Nodes { get; }

    public string Configuration => string.Join(",", Nodes.Select(n => n.Configuration));

    public static async Task<RedisCluster> StartAsync(int masters)
    {
        string directory = Directory.CreateTempSubdirectory("resultcache-cluster-").FullName;
        var nodes = new List<RedisServer>();
        foreach (int port in ClusterPorts(masters))
        {
            nodes.Add(await RedisServer.StartOnAsync(port,
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(directory, $"nodes-{port}.conf"),
                "--cluster-node-timeout", "1000",
                "--dir", directory));
        }
        var cluster = new RedisCluster(directory, nodes);
        string created = RedisCli(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", "0", "--cluster-yes"]);
        if (!await cluster.IsHealthyAsync(TimeSpan.FromSeconds(20)))
        {
            throw new InvalidOperationException("The cluster did not reach cluster_state:ok:\n" + created);
        }
        return cluster;
    }

    /// <summary>Whether every running node reports cluster_state:ok within <paramref name="limit"/>.</summary>
    public Task<bool> IsHealthyAsync(TimeSpan limit) =>
        Eventually.TrueAsync(() => Nodes.All(n => RedisCli(["-p", n.Port.ToString(), "cluster", "info"]).Contains("cluster_state:ok")), limit);

    /// <summary>How many keys a node holds.</summary>
    public long KeysOn(RedisServer node) => long.Parse(RedisCli(["-p", node.Port.ToString(), "dbsize"]).Trim());

    public async ValueTask DisposeAsync()
    {
        foreach (RedisServer node in Nodes)
        {
            await node.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }

    private static string RedisCli(string[] arguments)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    // A node also listens on its port + 10000 (the cluster bus), so both must be free.
    private static IEnumerable<int> ClusterPorts(int count)
    {
        var random = new Random();
        var ports = new List<int>();
        while (ports.Count < count)
        {
            int port = random.Next(20000, 30000);
            if (!ports.Contains(port) && IsFree(port) && IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }
        return ports;
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
