using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// A cached method of a record struct runs <c>...Core</c> on one receiver on every path: a copy taken at the call,
/// whether the result is computed for the store or in process while Redis is unreachable. (Once, the in-process
/// path ran it on the caller's own struct instead, so a mutation in <c>...Core</c> showed on one path only.)
/// </summary>
public sealed class StructReceiverTests
{
    [Fact]
    public void Core_runs_on_a_copy_of_the_receiver_with_the_embedded_store()
    {
        var meter = new Meter(100) { CacheStore = new MemoryCacheStore() };

        Assert.Equal(101, meter.Read(1));
        Assert.Equal(101, meter.Read(1)); // a hit
        Assert.Equal(0, meter.Runs);      // ...Core counted on its copy, never on the caller's struct

        Meter changed = meter with { Base = 200 };
        Assert.Equal(202, changed.Read(2)); // the receiver as it was at the call
        Assert.Equal(0, changed.Runs);
    }

    [Fact]
    public void Core_runs_on_the_same_kind_of_receiver_while_redis_is_unreachable()
    {
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = $"127.0.0.1:{RedisServer.FreePort()}", // nothing listens: calls are served in process
            ConnectTimeout = TimeSpan.FromSeconds(1),
            OperationTimeout = TimeSpan.FromSeconds(5), // generous: a timeout under a loaded test run would be a fault of its own
        });
        var meter = new Meter(100) { CacheStore = store };

        Assert.Equal(101, meter.Read(1));
        Assert.Equal(101, meter.Read(1)); // kept by the outage layer
        Assert.Equal(0, meter.Runs);
    }
}

public partial record struct Meter(int Base)
{
    public CacheStore? CacheStore { get; init; }

    public int Runs { get; private set; }

    [CacheResult(60)]
    public partial int Read(int id);

    private int ReadCore(int id)
    {
        Runs++;
        return Base + id + (Runs - 1) * 1000; // a second run on one receiver would show in the result
    }
}
