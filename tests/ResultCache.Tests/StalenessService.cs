namespace ResultCache.Tests;

/// <summary>Methods that refresh ahead, time out, or choose their TTL; ...Core counts its calls and can be held or made to fail.</summary>
public sealed partial class StalenessService(CacheStore store, StalenessService.Counter? counter = null)
{
    private readonly Counter _counter = counter ?? new Counter();

    private CacheStore CacheStore => store;

    public int CoreCalls => _counter.Calls;

    /// <summary>...Core waits for this before it returns, when set.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>...Core throws this, when set.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Whether the last ...Core run was given a token that can be canceled.</summary>
    public bool LastTokenCancelable { get; private set; }

    [CacheResult(10, RefreshAheadPercent = 80)]
    public partial Task<int> RefreshingAsync(int id, CancellationToken ct = default);

    [CacheResult(10, RefreshAheadPercent = 80)]
    public partial int Refreshing(int id);

    [CacheResult(10, RefreshAheadPercent = 80)]
    public partial ValueTask<int> RefreshingValueAsync(int id);

    [CacheResult(10, RefreshAheadPercent = 80, SingleFlightAcrossInstances = true)]
    public partial Task<int> RefreshingOnceAsync(int id);

    [CacheResult(10, FailSafeSeconds = 600, SoftTimeoutMilliseconds = 50)]
    public partial Task<int> SoftAsync(int id);

    [CacheResult(10, FailSafeSeconds = 600, SoftTimeoutMilliseconds = 50)]
    public partial int Soft(int id);

    [CacheResult(10, HardTimeoutMilliseconds = 500)]
    public partial ValueTask<int> HardAsync(int id);

    [CacheResult(10, HardTimeoutMilliseconds = 500)]
    public partial int Hard(int id);

    [CacheResult(60, TtlFrom = nameof(TtlOf))]
    public partial Task<int> ChosenAsync(int id);

    [CacheResult(60, TtlFrom = nameof(TtlFor))]
    public partial int Chosen(int id);

    // A negative result is not cached; one of 1000 or more is kept 5 s, any other 100 s.
    private static TimeSpan TtlOf(int result) => result < 0 ? TimeSpan.Zero : result >= 1000 ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(100);

    private TimeSpan TtlFor(int result, int id) => id < 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(5);

    private async Task<int> RefreshingAsyncCore(int id, CancellationToken ct)
    {
        LastTokenCancelable = ct.CanBeCanceled;
        return await RunAsync(id);
    }

    private int RefreshingCore(int id) => RunAsync(id).GetAwaiter().GetResult();

    private async ValueTask<int> RefreshingValueAsyncCore(int id) => await RunAsync(id);

    private Task<int> RefreshingOnceAsyncCore(int id) => RunAsync(id);

    private Task<int> SoftAsyncCore(int id) => RunAsync(id);

    private int SoftCore(int id) => RunAsync(id).GetAwaiter().GetResult();

    private async ValueTask<int> HardAsyncCore(int id) => await RunAsync(id);

    private int HardCore(int id) => RunAsync(id).GetAwaiter().GetResult();

    private Task<int> ChosenAsyncCore(int id) => RunAsync(id);

    private int ChosenCore(int id) => RunAsync(id).GetAwaiter().GetResult();

    // The n-th run of ...Core returns id * 100 + n (id = 0: n alone), so each run's value is told apart.
    private async Task<int> RunAsync(int id)
    {
        int call = _counter.Next();
        if (Hold is { } hold)
        {
            await hold.Task.ConfigureAwait(false);
        }
        return Failure is { } failure ? throw failure : id * 100 + call;
    }

    /// <summary>Counts ...Core runs; shared by the services of several "instances" in the fleet test.</summary>
    public sealed class Counter
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int Next() => Interlocked.Increment(ref _calls);
    }
}
