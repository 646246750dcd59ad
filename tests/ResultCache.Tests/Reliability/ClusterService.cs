using System.Collections.Concurrent;
using System.Diagnostics;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// The method of the cluster failover test: each key's value is a string found nowhere else (so a test can tell which
/// node holds a key by reading the entries), and every ...Core run is recorded with its key and time.
/// </summary>
public sealed partial class ClusterService(CacheStore store)
{
    private CacheStore CacheStore => store;

    /// <summary>Each ...Core run: the key, and when it began (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public ConcurrentQueue<(int Id, long At)> CoreRuns { get; } = new();

    public static string ValueOf(int id) => $"cluster-value-{id:D5}";

    [CacheResult(600)]
    public partial Task<string> ReadAsync(int id);

    private async Task<string> ReadAsyncCore(int id)
    {
        CoreRuns.Enqueue((id, Stopwatch.GetTimestamp()));
        await Task.Delay(5);
        return ValueOf(id);
    }
}
