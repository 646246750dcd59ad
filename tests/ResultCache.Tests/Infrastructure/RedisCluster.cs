using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster on loopback: one redis-server per node with cluster mode on, joined with
/// <c>redis-cli --cluster create</c>, with or without replicas. A node can be killed and restarted on its port; it
/// rejoins from its nodes.conf. The node timeout is 1 s, so a killed master's replica is promoted within about 2 s.
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

    /// <summary>
    /// Starts <paramref name="masters"/> masters, each with <paramref name="replicasPerMaster"/> replicas.
    /// <paramref name="fullCoverage"/> is <c>cluster-require-full-coverage</c>: with it on (Redis's default) every node
    /// refuses every key while any slot has no master.
    /// </summary>
    public static async Task<RedisCluster> StartAsync(int masters, int replicasPerMaster = 0, bool fullCoverage = true)
    {
        string directory = Directory.CreateTempSubdirectory("resultcache-cluster-").FullName;
        var nodes = new List<RedisServer>();
        foreach (int port in ClusterPorts(masters * (1 + replicasPerMaster)))
        {
            nodes.Add(await RedisServer.StartOnAsync(port,
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(directory, $"nodes-{port}.conf"),
                "--cluster-node-timeout", "1000",
                "--cluster-require-full-coverage", fullCoverage ? "yes" : "no",
                "--dir", directory));
        }
        var cluster = new RedisCluster(directory, nodes);
        string created = RedisCli(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", replicasPerMaster.ToString(), "--cluster-yes"]);
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

    /// <summary>The keys a node holds.</summary>
    public string[] KeyNamesOn(RedisServer node) =>
        RedisCli(["-p", node.Port.ToString(), "--scan"]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether a node is a master now (ROLE), as after its replica's promotion.</summary>
    public static bool IsMaster(RedisServer node) => RedisCli(["-p", node.Port.ToString(), "role"]).StartsWith("master", StringComparison.Ordinal);

    /// <summary>The replica of a master, from its INFO replication.</summary>
    public RedisServer ReplicaOf(RedisServer master)
    {
        string info = RedisCli(["-p", master.Port.ToString(), "info", "replication"]);
        string line = info.Split('\n').First(l => l.StartsWith("slave0:", StringComparison.Ordinal));
        int port = int.Parse(line.Split(',').First(p => p.StartsWith("port=", StringComparison.Ordinal))["port=".Length..]);
        return Nodes.Single(n => n.Port == port);
    }

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
