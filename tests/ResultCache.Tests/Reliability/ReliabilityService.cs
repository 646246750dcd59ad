namespace ResultCache.Tests.Reliability;

/// <summary>The method every fault scenario calls: its ...Core takes a known time, and tells the caller it ran.</summary>
public sealed partial class ReliabilityService(CacheStore store)
{
    public static readonly TimeSpan CoreTime = TimeSpan.FromMilliseconds(20);

    private static readonly AsyncLocal<CallTrace?> s_trace = new();
    private int _coreExecutions;

    private CacheStore CacheStore => store;

    public int CoreExecutions => Volatile.Read(ref _coreExecutions);

    /// <summary>Calls <see cref="ReadAsync"/> and reports whether ...Core ran (otherwise it was a Redis hit).</summary>
    public async Task<bool> ReadAndTellIfCoreRanAsync(int id)
    {
        (int value, bool coreRan) = await ReadTracedAsync(id);
        if (value != Expected(id))
        {
            throw new InvalidOperationException($"ReadAsync({id}) returned {value}.");
        }
        return coreRan;
    }

    /// <summary>Calls <see cref="ReadAsync"/> and returns its value as it came, and whether ...Core ran.</summary>
    public async Task<(int Value, bool CoreRan)> ReadTracedAsync(int id)
    {
        var trace = new CallTrace();
        s_trace.Value = trace;
        int value = await ReadAsync(id);
        return (value, trace.CoreRan);
    }

    /// <summary>What ...Core computes for <paramref name="id"/>.</summary>
    public static int Expected(int id) => id * 2;

    [CacheResult(300)]
    public partial Task<int> ReadAsync(int id);

    private async Task<int> ReadAsyncCore(int id)
    {
        Interlocked.Increment(ref _coreExecutions);
        if (s_trace.Value is { } trace)
        {
            trace.CoreRan = true;
        }
        await Task.Delay(CoreTime);
        return Expected(id);
    }

    private sealed class CallTrace
    {
        public bool CoreRan { get; set; }
    }
}
