using System.Diagnostics;
using Analytics;
using ResultCache;

// Usage: dotnet run --project samples/Analytics [-- --redis HOST:PORT]
string? redis = args.SkipWhile(a => a != "--redis").Skip(1).FirstOrDefault();
if (args.Contains("--redis") && redis is null)
{
    Console.Error.WriteLine("--redis needs an address, for example: --redis 127.0.0.1:6379");
    return 2;
}

RedisCacheStore? redisStore = null;
if (redis is not null)
{
    redisStore = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis, Logger = new ConsoleLogger() });
    CacheStore.Configure(redisStore);
}
Console.WriteLine($"Store: {(redis is null ? "embedded in-process memory store" : $"Redis at {redis}")}");

string path = Path.Combine(AppContext.BaseDirectory, "analytics.db");
var seeding = Stopwatch.StartNew();
AnalyticsDb db = AnalyticsDb.Open(path);
Console.WriteLine($"Database: {path} (ready in {seeding.ElapsedMilliseconds} ms)");

var analytics = new ProjectAnalytics(db);
var misses = new List<double>();
var hits = new List<double>();
var random = new Random(1);
const int Calls = 200;

for (int i = 0; i < Calls; i++)
{
    Guid project = AnalyticsDb.Projects[random.Next(AnalyticsDb.Projects.Count)];
    DateOnly day = AnalyticsDb.Days[random.Next(AnalyticsDb.Days.Count)];
    int queriesBefore = analytics.Queries;
    long start = Stopwatch.GetTimestamp();
    ProjectStats stats = await analytics.GetStatsAsync(project, day);
    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    (analytics.Queries > queriesBefore ? misses : hits).Add(ms);
    if (i == 0)
    {
        Console.WriteLine($"First call: {stats.Events} events, {stats.Users} users, {stats.AverageDurationMs:F0} ms average ({ms:F2} ms)");
        if (redisStore is not null)
        {
            Console.WriteLine($"Redis status after the first call: {redisStore.Status}");
        }
    }
}

Console.WriteLine();
Console.WriteLine($"{Calls} calls over {AnalyticsDb.Projects.Count * AnalyticsDb.Days.Count} distinct (project, day) keys:");
Console.WriteLine($"  misses (query ran): {misses.Count,4}   mean {Mean(misses),9:F3} ms   max {Max(misses),9:F3} ms");
Console.WriteLine($"  hits   (cached):    {hits.Count,4}   mean {Mean(hits),9:F3} ms   max {Max(hits),9:F3} ms");
Console.WriteLine($"  hit ratio: {100.0 * hits.Count / Calls:F1} %");
if (redisStore is not null)
{
    Console.WriteLine($"  Redis status: {redisStore.Status}");
    if (redisStore.Status != RedisStatus.Available)
    {
        Console.WriteLine("  Redis is unreachable: the gate is closed, so every call ran the query directly at its base latency,");
        Console.WriteLine("  with no time spent waiting on the network. Caching resumes on its own once Redis answers.");
    }
    redisStore.Dispose();
}
return 0;

static double Mean(List<double> values) => values.Count == 0 ? 0 : values.Average();

static double Max(List<double> values) => values.Count == 0 ? 0 : values.Max();
