using System.Collections.Concurrent;
using System.Diagnostics;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// Puts a steady load on a cached method over a real redis-server behind a <see cref="FaultProxy"/>, injects a
/// fault, ends it, and measures what the callers saw. Everything here runs on the real clock: the timeouts
/// being measured are the Redis client's own.
/// </summary>
public static class ScenarioRunner
{
    public const int Callers = 8;
    public const int Keys = 32;
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan HealthCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>A call slower than this was held up by Redis (the method's body takes 20 ms).</summary>
    public static readonly TimeSpan SlowCall = ReliabilityService.CoreTime + TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);

    public static RedisCacheStoreOptions Options(string configuration) => new()
    {
        Configuration = configuration,
        Backoff = Backoff,
        OperationTimeout = OperationTimeout,
        ConnectTimeout = ConnectTimeout,
        HealthCheckInterval = HealthCheckInterval,
    };

    public static async Task<ScenarioResult> RunAsync(FaultScenario scenario)
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(redis.Port);
        using var store = new RedisCacheStore(Options(proxy.Configuration));
        var service = new ReliabilityService(store);
        for (int id = 0; id < Keys; id++)
        {
            await service.ReadAsync(id); // connects and fills the cache
        }
        long clientsBefore = await redis.ConnectedClientsAsync();

        var clock = Stopwatch.StartNew();
        var calls = new ConcurrentQueue<CallRecord>();
        var gate = new ConcurrentQueue<(TimeSpan At, RedisStatus Status)>();
        using var stop = new CancellationTokenSource();
        Task[] load = Enumerable.Range(0, Callers).Select(caller => CallerAsync(service, store, caller, clock, calls, stop.Token)).ToArray();
        Task watch = WatchGateAsync(store, clock, gate, stop.Token);
        var stalls = new ConcurrentQueue<CallRecord>();
        Task canary = CanaryAsync(clock, stalls, stop.Token);

        await Task.Delay(Warmup);
        TimeSpan faultStart = clock.Elapsed;
        await OffThePool(() => scenario.Start(redis, proxy));
        await Task.Delay(scenario.Duration);
        await OffThePool(() => scenario.End(redis, proxy));
        TimeSpan faultEnd = clock.Elapsed;

        await Eventually.TrueAsync(() => FirstRedisHitAfter(calls, faultEnd) is not null, Backoff + TimeSpan.FromSeconds(10));
        stop.Cancel();
        await Task.WhenAll(load.Append(watch).Append(canary));

        // Replaced connections are disposed one operation timeout plus a second after the fault.
        await Eventually.TrueAsync(async () => await redis.ConnectedClientsAsync() <= clientsBefore, OperationTimeout + TimeSpan.FromSeconds(5));
        long clientsAfter = await redis.ConnectedClientsAsync();

        TimeSpan? gateClosed = gate.Where(g => g.At >= faultStart && g.Status != RedisStatus.Available).Select(g => (TimeSpan?)g.At).FirstOrDefault();
        CallRecord[] all = [.. calls];
        CallRecord[] slow = all.Where(c => c.Latency > SlowCall && !stalls.Any(s => s.Start < c.End && c.Start < s.End)).ToArray();
        return new ScenarioResult(
            scenario.Name,
            scenario.Fault,
            Calls: all.Length,
            SlowCalls: slow.Length,
            SlowCallsWhileGateClosed: gateClosed is { } closed ? slow.Count(c => c.Start > closed && c.Start < faultEnd) : 0,
            ProcessStalls: stalls.Count,
            MaxLatency: all.Max(c => c.Latency),
            Exceptions: all.Count(c => c.Exception is not null),
            FirstException: all.FirstOrDefault(c => c.Exception is not null)?.Exception,
            CoreExecutions: service.CoreExecutions,
            CoreRunsDuringFault: all.Count(c => c.CoreRan && c.Start >= faultStart && c.Start < faultEnd),
            GateClosedAfter: gateClosed - faultStart,
            FirstHitAfterFaultEnd: FirstRedisHitAfter(calls, faultEnd) - faultEnd,
            ClientsBefore: clientsBefore,
            ClientsAfter: clientsAfter)
        {
            SlowCallDetails = string.Join("; ", slow.Select(c =>
                $"start {(c.Start - faultStart).TotalMilliseconds:0} ms after the fault, took {c.Latency.TotalMilliseconds:0} ms")),
        };
    }

    // Fault actions block (kill waits for the process to exit): on a thread of their own they do not
    // take a thread-pool thread from the callers being measured.
    private static Task OffThePool(Func<Task> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    // A Redis hit: ...Core did not run, and Redis was available when the call began (so no in-process entry answered it).
    private static TimeSpan? FirstRedisHitAfter(IEnumerable<CallRecord> calls, TimeSpan faultEnd) =>
        calls.Where(c => c.Start >= faultEnd && c.Exception is null && !c.CoreRan && c.RedisAvailableAtStart).Select(c => (TimeSpan?)c.End).Min();

    private static async Task CallerAsync(ReliabilityService service, RedisCacheStore store, int caller, Stopwatch clock, ConcurrentQueue<CallRecord> calls, CancellationToken stop)
    {
        var random = new Random(caller);
        while (!stop.IsCancellationRequested)
        {
            TimeSpan start = clock.Elapsed;
            bool available = store.Status == RedisStatus.Available;
            bool coreRan = false;
            Exception? exception = null;
            try
            {
                coreRan = await service.ReadAndTellIfCoreRanAsync(random.Next(Keys));
            }
            catch (Exception ex)
            {
                exception = ex;
            }
            calls.Enqueue(new CallRecord(start, clock.Elapsed, coreRan, exception, available));
            await Task.Delay(2, CancellationToken.None); // a steady load, not a busy loop
        }
    }

    // The canary does what a bypassing call does (wait Core's 20 ms) without touching the cache. When it is slow
    // too, the whole process stalled (a shared 2-core machine does that), and calls overlapping that stall are
    // not counted against the cache.
    private static async Task CanaryAsync(Stopwatch clock, ConcurrentQueue<CallRecord> stalls, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TimeSpan start = clock.Elapsed;
            await Task.Delay(ReliabilityService.CoreTime, CancellationToken.None);
            var record = new CallRecord(start, clock.Elapsed, CoreRan: true, Exception: null, RedisAvailableAtStart: false);
            if (record.Latency > SlowCall)
            {
                stalls.Enqueue(record);
            }
        }
    }

    private static async Task WatchGateAsync(RedisCacheStore store, Stopwatch clock, ConcurrentQueue<(TimeSpan, RedisStatus)> gate, CancellationToken stop)
    {
        RedisStatus last = store.Status;
        while (!stop.IsCancellationRequested)
        {
            RedisStatus now = store.Status;
            if (now != last)
            {
                gate.Enqueue((clock.Elapsed, now));
                last = now;
            }
            await Task.Delay(1, CancellationToken.None);
        }
    }

    private sealed record CallRecord(TimeSpan Start, TimeSpan End, bool CoreRan, Exception? Exception, bool RedisAvailableAtStart)
    {
        public TimeSpan Latency => End - Start;
    }
}

/// <summary>What the callers saw during one scenario.</summary>
public sealed record ScenarioResult(
    string Name,
    string Fault,
    int Calls,
    int SlowCalls,
    int SlowCallsWhileGateClosed,
    int ProcessStalls,
    TimeSpan MaxLatency,
    int Exceptions,
    Exception? FirstException,
    int CoreExecutions,
    int CoreRunsDuringFault,
    TimeSpan? GateClosedAfter,
    TimeSpan? FirstHitAfterFaultEnd,
    long ClientsBefore,
    long ClientsAfter)
{
    /// <summary>When each slow call started, relative to the fault, and how long it took: for the test output.</summary>
    public string SlowCallDetails { get; init; } = string.Empty;

    public static string MarkdownHeader =>
        "| scenario | fault | calls | slow (> Core + 100 ms) | slow while gate closed | max latency | exceptions | Core runs | Core runs during the fault | gate closed after | first Redis hit after fault end | server clients before → after | process stalls |\n" +
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|";

    public string ToMarkdownRow() =>
        $"| {Name} | {Fault} | {Calls} | {SlowCalls} | {SlowCallsWhileGateClosed} | {Ms(MaxLatency)} | {Exceptions} | {CoreExecutions} | {CoreRunsDuringFault} | " +
        $"{(GateClosedAfter is { } closed ? Ms(closed) : "never")} | {(FirstHitAfterFaultEnd is { } hit ? Ms(hit) : "none")} | {ClientsBefore} → {ClientsAfter} | {ProcessStalls} |";

    private static string Ms(TimeSpan value) => $"{value.TotalMilliseconds:0} ms";
}
