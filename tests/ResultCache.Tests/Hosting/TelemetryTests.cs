using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Hosting;

/// <summary>The meter's counts and the activity source's spans for known sequences of calls.</summary>
public sealed class TelemetryTests
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 11, 26);

    [Fact]
    public async Task Counters_follow_a_known_sequence_of_calls()
    {
        using var recorder = new MetricRecorder();
        var reports = new TelemetryReports(new MemoryCacheStore());

        await reports.GetAsync(Project, Day);  // miss
        await reports.GetAsync(Project, Day);  // hit
        await reports.GetAsync(Project, Day);  // hit
        await reports.InvalidateGetAsync(Project, Day);
        await reports.GetAsync(Project, Day);  // miss
        await new MemoryCacheStore().InvalidateTagAsync("telemetry");

        const string method = "ResultCache.Tests.Hosting.TelemetryReports.GetAsync";
        Assert.Equal(2, recorder.Sum("cache.misses", "cache.method", method));
        Assert.Equal(2, recorder.Sum("cache.hits", "cache.method", method));
        Assert.Equal(4, recorder.Count("cache.duration", "cache.method", method));
        Assert.True(recorder.Sum("cache.invalidations", "cache.invalidation.kind", "entry") >= 1);
        Assert.True(recorder.Sum("cache.invalidations", "cache.invalidation.kind", "tag") >= 1);
    }

    [Fact]
    public async Task A_closed_gate_shows_as_bypasses_connection_errors_and_the_gate_gauge()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var recorder = new MetricRecorder();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            KeyPrefix = "telemetry-gate:",
            TimeProvider = new FakeTimeProvider(),
            OperationTimeout = TimeSpan.FromSeconds(5), // generous: a timeout under a loaded test run would be a fault of its own
        });
        var reports = new TelemetryReports(store);
        await reports.GetAsync(Project, Day);
        recorder.ObserveGauges();
        Assert.Equal(0, recorder.Last("cache.redis.gate.state", "cache.store", "telemetry-gate:"));

        redis.Kill();
        await reports.GetAsync(Project, Day.AddDays(1)); // the fault
        await reports.GetAsync(Project, Day.AddDays(2)); // skips Redis: served in process
        recorder.ObserveGauges();

        Assert.True(recorder.Sum("cache.errors", "error.type", "connection") >= 1);
        Assert.Equal(1, recorder.Sum("cache.bypasses", "cache.method", "ResultCache.Tests.Hosting.TelemetryReports.GetAsync"));
        Assert.Equal(1, recorder.Last("cache.redis.gate.state", "cache.store", "telemetry-gate:"));
    }

    [Fact]
    public async Task The_gate_gauge_reports_3_while_the_first_connect_is_in_flight()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(redis.Port);
        proxy.Blackhole(); // accepts, never answers: the first connect waits out its timeout
        using var recorder = new MetricRecorder();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = proxy.Configuration,
            KeyPrefix = "telemetry-connecting:",
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });

        Assert.Equal(RedisStatus.Connecting, store.Status);
        recorder.ObserveGauges();
        Assert.Equal(3, recorder.Last("cache.redis.gate.state", "cache.store", "telemetry-connecting:"));
    }

    [Fact]
    public async Task Redis_operations_are_spans_only_when_someone_listens()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(redis.Configuration);
        var reports = new TelemetryReports(store);
        await reports.GetAsync(Project, Day.AddDays(-1)); // connects, with nobody listening

        var spans = new ConcurrentQueue<Activity>();
        using (var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ResultCacheTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        })
        {
            ActivitySource.AddActivityListener(listener);
            await reports.GetAsync(Project, Day); // get (miss), set
            await reports.GetAsync(Project, Day); // get (hit)
            await reports.InvalidateGetAsync(Project, Day); // invalidate
        }
        await reports.GetAsync(Project, Day.AddDays(1)); // after the listener is gone: no span

        Activity[] mine = spans.Where(s => (string?)s.GetTagItem("cache.method") == "ResultCache.Tests.Hosting.TelemetryReports.GetAsync").ToArray();
        Assert.Equal(["cache get", "cache set", "cache get"], mine.Select(s => s.DisplayName));
        Assert.Equal([false, true], mine.Where(s => s.DisplayName == "cache get").Select(s => (bool)s.GetTagItem("cache.hit")!));
        Assert.All(mine, s => Assert.Equal("redis", s.GetTagItem("db.system.name")));
        Assert.All(mine, s => Assert.Equal(ActivityKind.Client, s.Kind));
        Assert.Contains(spans, s => s.DisplayName == "cache invalidate" && (string?)s.GetTagItem("db.system.name") == "redis");
    }
}

/// <summary>A method used only by the telemetry tests, so other tests' measurements never match its name.</summary>
public sealed partial class TelemetryReports(CacheStore store)
{
    private CacheStore CacheStore => store;

    [CacheResult(60, Tags = new[] { "telemetry" })]
    public partial Task<Stats> GetAsync(Guid projectId, DateOnly day);

    private Task<Stats> GetAsyncCore(Guid projectId, DateOnly day) => Task.FromResult(new Stats(projectId, day, 1));
}
