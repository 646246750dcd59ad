using System.Text.Json.Serialization;

[assembly: ResultCache.CacheSerializer(typeof(ResultCache.Tests.TestJson))]

namespace ResultCache.Tests;

public sealed record Stats(Guid ProjectId, DateOnly Day, int Events);

[JsonSerializable(typeof(Stats))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Filter))]
public sealed partial class TestJson : JsonSerializerContext
{
}

public enum Region : byte { North, South }

public sealed record Filter(string Name, int Limit);

/// <summary>The cached service most tests drive. Its store comes from the constructor, through the CacheStore member.</summary>
public sealed partial class StatsService(CacheStore store)
{
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => Volatile.Read(ref _coreCalls);

    /// <summary>Runs inside ...Core, before it returns: lets a test act while a call is in its miss path.</summary>
    public Func<Task>? DuringCore { get; set; }

    /// <summary>Thrown by ...Core when set.</summary>
    public Exception? Failure { get; set; }

    [CacheResult(300)]
    public partial Task<Stats> GetStatsAsync(Guid projectId, DateOnly day, CancellationToken ct = default);

    [CacheResult(1)]
    public partial Task<Stats> GetShortLivedAsync(Guid projectId);

    [CacheResult(60)]
    public partial long Add(int a, int b);

    [CacheResult(60)]
    public partial long Add(long a, long b);

    [CacheResult(60)]
    public partial ValueTask<string?> Describe(string? name, Region region, [CacheKeyIgnore] string traceId);

    [CacheResult(60, CacheNulls = true)]
    public partial string? DescribeOrNull(string? name);

    [CacheResult(60)]
    public partial int Sum(int[]? values, List<Region> regions, Filter filter);

    private async Task<Stats> GetStatsAsyncCore(Guid projectId, DateOnly day, CancellationToken ct)
    {
        Interlocked.Increment(ref _coreCalls);
        if (DuringCore is { } during)
        {
            await during();
        }
        ct.ThrowIfCancellationRequested();
        if (Failure is { } failure)
        {
            throw failure;
        }
        return new Stats(projectId, day, day.Day * 10);
    }

    private Task<Stats> GetShortLivedAsyncCore(Guid projectId)
    {
        Interlocked.Increment(ref _coreCalls);
        return Task.FromResult(new Stats(projectId, default, 1));
    }

    private long AddCore(int a, int b)
    {
        Interlocked.Increment(ref _coreCalls);
        return a + b;
    }

    private long AddCore(long a, long b)
    {
        Interlocked.Increment(ref _coreCalls);
        return a + b + 1_000;
    }

    private ValueTask<string?> DescribeCore(string? name, Region region, string traceId)
    {
        Interlocked.Increment(ref _coreCalls);
        return new ValueTask<string?>(name is null ? null : $"{name}@{region}");
    }

    private string? DescribeOrNullCore(string? name)
    {
        Interlocked.Increment(ref _coreCalls);
        return name;
    }

    private int SumCore(int[]? values, List<Region> regions, Filter filter)
    {
        Interlocked.Increment(ref _coreCalls);
        return (values?.Sum() ?? 0) + regions.Count + filter.Limit;
    }
}

/// <summary>A generic containing type: each closed form has its own entries.</summary>
public sealed partial class Repository<T>(CacheStore store)
{
    private CacheStore CacheStore => store;

    public int CoreCalls { get; private set; }

    [CacheResult(60)]
    public partial string Find(int id);

    private string FindCore(int id)
    {
        CoreCalls++;
        return $"{typeof(T).Name}:{id}";
    }
}

/// <summary>A service whose instances cache separately: the receiver writes itself into the key.</summary>
public sealed partial class TenantService(CacheStore store, string tenant) : ICacheKey
{
    private CacheStore CacheStore => store;

    public int CoreCalls { get; private set; }

    public void WriteCacheKey(ref CacheKeyWriter writer) => writer.Write(tenant);

    [CacheResult(60)]
    public partial string Greet(string name);

    private string GreetCore(string name)
    {
        CoreCalls++;
        return $"{tenant}:{name}";
    }
}

/// <summary>A static method in a static class, with a static store member.</summary>
public static partial class StaticLookups
{
    public static CacheStore CacheStore { get; } = new MemoryCacheStore();

    public static int CoreCalls;

    [CacheResult(60)]
    public static partial int Square(int value);

    private static int SquareCore(int value)
    {
        Interlocked.Increment(ref CoreCalls);
        return value * value;
    }
}

/// <summary>Tagged methods, sync and async, sharing the tag <c>project:{projectId}</c>.</summary>
public sealed partial class ProjectReports(CacheStore store)
{
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => Volatile.Read(ref _coreCalls);

    /// <summary>Runs inside ...Core: lets a test invalidate while a call computes its result.</summary>
    public Action? DuringCore { get; set; }

    [CacheResult(300, Tags = new[] { "project:{projectId}", "day:{day:yyyy-MM-dd}" })]
    public partial Task<Stats> GetStatsAsync(Guid projectId, DateOnly day, CancellationToken ct = default);

    [CacheResult(300, Tags = new[] { "project:{projectId}" })]
    public partial int CountMembers(Guid projectId, Region region);

    private Task<Stats> GetStatsAsyncCore(Guid projectId, DateOnly day, CancellationToken ct)
    {
        Interlocked.Increment(ref _coreCalls);
        DuringCore?.Invoke();
        return Task.FromResult(new Stats(projectId, day, day.Day));
    }

    private int CountMembersCore(Guid projectId, Region region)
    {
        Interlocked.Increment(ref _coreCalls);
        DuringCore?.Invoke();
        return (int)region + 1;
    }
}

/// <summary>Methods for single flight, fail-safe and TTL jitter: ...Core can be held, made to fail, and counted.</summary>
public sealed partial class FlakyService(CacheStore store)
{
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => Volatile.Read(ref _coreCalls);

    /// <summary>...Core waits for this before it returns, when set.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>...Core throws this, when set.</summary>
    public Exception? Failure { get; set; }

    [CacheResult(60)]
    public partial Task<int> GetAsync(int id, CancellationToken ct = default);

    [CacheResult(60)]
    public partial int Get(int id);

    [CacheResult(60, FailSafeSeconds = 300)]
    public partial Task<int> GetWithFailSafeAsync(int id);

    [CacheResult(100, TtlJitterPercent = 20)]
    public partial int GetJittered(int id);

    private async Task<int> GetAsyncCore(int id, CancellationToken ct)
    {
        Interlocked.Increment(ref _coreCalls);
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(ct);
        }
        ct.ThrowIfCancellationRequested();
        return Failure is { } failure ? throw failure : id * 10 + CoreCalls;
    }

    private int GetCore(int id)
    {
        Interlocked.Increment(ref _coreCalls);
        Hold?.Task.Wait();
        return Failure is { } failure ? throw failure : id * 10 + CoreCalls;
    }

    private Task<int> GetWithFailSafeAsyncCore(int id)
    {
        Interlocked.Increment(ref _coreCalls);
        return Failure is { } failure ? Task.FromException<int>(failure) : Task.FromResult(id * 10 + CoreCalls);
    }

    private int GetJitteredCore(int id)
    {
        Interlocked.Increment(ref _coreCalls);
        return id;
    }
}
