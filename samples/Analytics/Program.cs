using System.Diagnostics;
using Analytics;
using ResultCache;

// Usage: dotnet run --project samples/Analytics [-- --redis HOST:PORT [--backoff SECONDS] [--duration SECONDS]]
//   --redis     cache in Redis instead of the embedded in-process store
//   --backoff   how long the gate stays closed after a Redis fault (default 30)
//   --duration  keep calling, 20 calls a second, for this long, printing each change of Redis status
string? redis = Option("--redis");
double backoffSeconds = double.Parse(Option("--backoff") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
double? durationSeconds = Option("--duration") is { } duration ? double.Parse(duration, System.Globalization.CultureInfo.InvariantCulture) : null;

RedisCacheStore? redisStore = null;
if (redis is not null)
{
    redisStore = new RedisCacheStore(new RedisCacheStoreOptions
    {
        Configuration = redis,
        Backoff = TimeSpan.FromSeconds(backoffSeconds),
        Logger = new ConsoleLogger(),
    });
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
var clock = Stopwatch.StartNew();
RedisStatus? lastStatus = null;
int calls = 0;

while (durationSeconds is { } seconds ? clock.Elapsed.TotalSeconds < seconds : calls < 200)
{
    Guid project = AnalyticsDb.Projects[random.Next(AnalyticsDb.Projects.Count)];
    DateOnly day = AnalyticsDb.Days[random.Next(AnalyticsDb.Days.Count)];
    int queriesBefore = analytics.Queries;
    long start = Stopwatch.GetTimestamp();
    ProjectStats stats = await analytics.GetStatsAsync(project, day);
    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    (analytics.Queries > queriesBefore ? misses : hits).Add(ms);
    if (calls++ == 0)
    {
        Console.WriteLine($"First call: {stats.Events} events, {stats.Users} users, {stats.AverageDurationMs:F0} ms average ({ms:F2} ms)");
    }
    if (redisStore is not null && redisStore.Status != lastStatus)
    {
        lastStatus = redisStore.Status;
        Console.WriteLine($"  {clock.Elapsed.TotalSeconds,5:F1} s  Redis status: {lastStatus} (call {calls} took {ms:F2} ms)");
    }
    if (durationSeconds is not null)
    {
        await Task.Delay(50);
    }
}

Console.WriteLine();
Console.WriteLine($"{calls} calls over {AnalyticsDb.Projects.Count * AnalyticsDb.Days.Count} distinct (project, day) keys:");
Console.WriteLine($"  misses (query ran): {misses.Count,4}   mean {Mean(misses),9:F3} ms   max {Max(misses),9:F3} ms");
Console.WriteLine($"  hits   (cached):    {hits.Count,4}   mean {Mean(hits),9:F3} ms   max {Max(hits),9:F3} ms");
Console.WriteLine($"  hit ratio: {100.0 * hits.Count / calls:F1} %");
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

string? Option(string name)
{
    int index = Array.IndexOf(args, name);
    if (index < 0)
    {
        return null;
    }
    if (index + 1 >= args.Length)
    {
        Console.Error.WriteLine($"{name} needs a value; see the usage at the top of Program.cs.");
        Environment.Exit(2);
    }
    return args[index + 1];
}

static double Mean(List<double> values) => values.Count == 0 ? 0 : values.Average();

static double Max(List<double> values) => values.Count == 0 ? 0 : values.Max();
