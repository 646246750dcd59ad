using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ResultCache;

/// <summary>
/// The instruments. Names follow OpenTelemetry's <c>cache.*</c> style; every count carries the method
/// (<c>cache.method</c>) where there is one. Each recording site checks <c>Enabled</c> first, so an unobserved
/// instrument costs a field read.
/// </summary>
internal static class CacheMetrics
{
    public const string MethodTag = "cache.method";

    private static readonly Meter s_meter = new(ResultCacheTelemetry.MeterName, typeof(CacheMetrics).Assembly.GetName().Version?.ToString(3));
    private static readonly ConcurrentDictionary<RedisCacheStore, string> s_stores = new();

    public static readonly Counter<long> Hits = s_meter.CreateCounter<long>("cache.hits", "{hit}", "Calls answered from the cache.");
    public static readonly Counter<long> Misses = s_meter.CreateCounter<long>("cache.misses", "{miss}", "Calls that ran ...Core because the cache had no value.");
    public static readonly Counter<long> Bypasses = s_meter.CreateCounter<long>("cache.bypasses", "{call}", "Reads that skipped Redis because its gate was closed; they were served in process.");
    public static readonly Counter<long> Coalesced = s_meter.CreateCounter<long>("cache.coalesced", "{call}", "Calls that shared a concurrent call's read or ...Core run of the same key (single flight).");
    public static readonly Counter<long> Errors = s_meter.CreateCounter<long>("cache.errors", "{error}", "Cache faults by kind (error.type: connection, server, serialization); callers never see them.");
    public static readonly Counter<long> Invalidations = s_meter.CreateCounter<long>("cache.invalidations", "{invalidation}", "Invalidations by kind (cache.invalidation.kind: entry, tag).");
    public static readonly Counter<long> TooLargeResults = s_meter.CreateCounter<long>("cache.too_large", "{result}", "Results returned but not cached because they were larger than the per-entry cap.");
    public static readonly Counter<long> Leases = s_meter.CreateCounter<long>("cache.leases", "{miss}", "Misses of methods that compute once across instances, by cache.lease.outcome: leader (won the lease and computed), follower (read the value another instance stored), takeover (waited, then computed: the holder failed, died or ran past the lease).");
    public static readonly Counter<long> Evictions = s_meter.CreateCounter<long>("cache.evictions", "{entry}", "In-process entries evicted to stay within the store's bounds, or under memory pressure.");
    public static readonly Counter<long> Refreshes = s_meter.CreateCounter<long>("cache.refreshes", "{refresh}", "Background refreshes of entries past their RefreshAheadPercent, by cache.refresh.outcome: stored (a new value stored), failed (...Core or the store failed; the current value stays), skipped (nothing stored: refreshed meanwhile by another instance, invalidated, or a TTL of zero).");
    public static readonly Counter<long> Timeouts = s_meter.CreateCounter<long>("cache.timeouts", "{call}", "Calls that stopped waiting for ...Core, by cache.timeout.kind: soft (given the expired value) or hard (given the expired value, or a TimeoutException); ...Core goes on in the background.");
    public static readonly Histogram<int> BatchSize = s_meter.CreateHistogram<int>("cache.batch.size", "{key}", "Keys asked for by each batch call (BatchBy), duplicates included.");
    public static readonly Histogram<double> Duration = CreateDuration();

    // A field, not a static constructor: the class stays beforefieldinit, so hot paths read its fields without init checks.
    private static readonly ObservableGauge<int> s_gates = s_meter.CreateObservableGauge("cache.redis.gate.state", ObserveGates, "{state}",
        "The Redis gate of each store (cache.store: its key prefix): 0 available, 1 unavailable, 2 probing, 3 connecting.");

    private static Histogram<double> CreateDuration()
    {
        const string description = "Duration of cached calls, by method and result (cache.result: hit, miss, coalesced).";
#if NET9_0_OR_GREATER
        // Hits take microseconds and misses up to seconds; an exporter's default buckets (up to 10 000) assume milliseconds.
        var advice = new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        };
        return s_meter.CreateHistogram("cache.duration", "s", description, tags: null, advice);
#else
        return s_meter.CreateHistogram<double>("cache.duration", "s", description);
#endif
    }

    public static void Hit(string method) => Count(Hits, method);

    public static void Miss(string method) => Count(Misses, method);

    public static void Bypass(string method) => Count(Bypasses, method);

    public static void Share(string method) => Count(Coalesced, method);

    public static void TooLarge(string method) => Count(TooLargeResults, method);

    public static void Lease(string method, string outcome)
    {
        if (Leases.Enabled)
        {
            Leases.Add(1, new KeyValuePair<string, object?>("cache.method", method), new KeyValuePair<string, object?>("cache.lease.outcome", outcome));
        }
    }

    public static void Refreshed(string method, string outcome)
    {
        if (Refreshes.Enabled)
        {
            Refreshes.Add(1, new KeyValuePair<string, object?>(MethodTag, method), new KeyValuePair<string, object?>("cache.refresh.outcome", outcome));
        }
    }

    public static void TimedOut(string method, string kind)
    {
        if (Timeouts.Enabled)
        {
            Timeouts.Add(1, new KeyValuePair<string, object?>(MethodTag, method), new KeyValuePair<string, object?>("cache.timeout.kind", kind));
        }
    }

    public static void Batch(string method, int size)
    {
        if (BatchSize.Enabled)
        {
            BatchSize.Record(size, new KeyValuePair<string, object?>(MethodTag, method));
        }
    }

    public static void Evicted()
    {
        if (Evictions.Enabled)
        {
            Evictions.Add(1);
        }
    }

    public static void Error(string kind)
    {
        if (Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("error.type", kind));
        }
    }

    public static void Invalidated(string kind)
    {
        if (Invalidations.Enabled)
        {
            Invalidations.Add(1, new KeyValuePair<string, object?>("cache.invalidation.kind", kind));
        }
    }

    /// <summary>A start timestamp when the duration is observed, else 0.</summary>
    public static long Start() => Duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Finish(long start, string method, string result)
    {
        if (start != 0)
        {
            Duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>(MethodTag, method), new KeyValuePair<string, object?>("cache.result", result));
        }
    }

    public static void Track(RedisCacheStore store, string keyPrefix) => s_stores[store] = keyPrefix;

    public static void Untrack(RedisCacheStore store) => s_stores.TryRemove(store, out _);

    private static void Count(Counter<long> counter, string method)
    {
        if (counter.Enabled)
        {
            counter.Add(1, new KeyValuePair<string, object?>(MethodTag, method));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveGates() =>
        s_stores.Select(pair => new Measurement<int>((int)pair.Key.Status switch
        {
            (int)RedisStatus.Available => 0,
            (int)RedisStatus.Probing => 2,
            (int)RedisStatus.Connecting => 3,
            _ => 1,
        }, new KeyValuePair<string, object?>("cache.store", pair.Value)));
}
