using System.Collections.Concurrent;

namespace ResultCache.Tests;

/// <summary>Methods with a batch companion; the cores count their calls, record what they were asked, and can be held.</summary>
public sealed partial class BatchService(CacheStore store, ConcurrentQueue<int[]>? asked = null)
{
    private int _single;
    private int _many;

    private CacheStore CacheStore => store;

    public int SingleCalls => Volatile.Read(ref _single);

    public int ManyCalls => Volatile.Read(ref _many);

    /// <summary>The ids each ...ManyCore call was given, and the id of each single ...Core call, as one list per call.</summary>
    public ConcurrentQueue<int[]> Asked { get; } = asked ?? new();

    /// <summary>The cores wait for this before they return, when set.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>...ManyCore leaves these ids out of its answer.</summary>
    public HashSet<int> Unknown { get; } = new();

    /// <summary>...ManyCore throws this, when set.</summary>
    public Exception? Failure { get; set; }

    [CacheResult(300, BatchBy = nameof(id), Tags = new[] { "product:{id}" })]
    public partial Task<string> GetProductAsync(int id, Region region, CancellationToken ct = default);

    [CacheResult(300, BatchBy = nameof(id))]
    public partial int Price(int id);

    [CacheResult(300, BatchBy = nameof(id), SingleFlightAcrossInstances = true)]
    public partial Task<string> GetSharedAsync(int id);

    [CacheResult(300, BatchBy = nameof(id))]
    public partial ValueTask<long> StockAsync(long id);

    private async Task<string> GetProductAsyncCore(int id, Region region, CancellationToken ct)
    {
        Interlocked.Increment(ref _single);
        Asked.Enqueue([id]);
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(ct);
        }
        return $"{id}@{region}";
    }

    private async Task<IReadOnlyDictionary<int, string>> GetProductManyAsyncCore(IReadOnlyList<int> ids, Region region, CancellationToken ct)
    {
        Interlocked.Increment(ref _many);
        Asked.Enqueue(ids.ToArray());
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(ct);
        }
        if (Failure is { } failure)
        {
            throw failure;
        }
        return ids.Where(id => !Unknown.Contains(id)).ToDictionary(id => id, id => $"{id}@{region}");
    }

    private Task<string> GetSharedAsyncCore(int id) => GetProductAsyncCore(id, Region.North, default);

    private async Task<IReadOnlyDictionary<int, string>> GetSharedManyAsyncCore(IReadOnlyList<int> ids) =>
        await GetProductManyAsyncCore(ids, Region.North, default);

    private int PriceCore(int id)
    {
        Interlocked.Increment(ref _single);
        return id * 2;
    }

    private IReadOnlyDictionary<int, int> PriceManyCore(IReadOnlyList<int> ids)
    {
        Interlocked.Increment(ref _many);
        Asked.Enqueue(ids.ToArray());
        return ids.ToDictionary(id => id, id => id * 2);
    }

    private ValueTask<long> StockAsyncCore(long id)
    {
        Interlocked.Increment(ref _single);
        return new(id * 3);
    }

    private ValueTask<IReadOnlyDictionary<long, long>> StockManyAsyncCore(IReadOnlyList<long> ids)
    {
        Interlocked.Increment(ref _many);
        return new(ids.ToDictionary(id => id, id => id * 3));
    }
}
