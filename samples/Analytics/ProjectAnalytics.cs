using System.Text.Json.Serialization;
using ResultCache;

[assembly: CacheSerializer(typeof(Analytics.AnalyticsJson))]

namespace Analytics;

public sealed record ProjectStats(Guid ProjectId, DateOnly Day, long Events, long Users, double AverageDurationMs);

[JsonSerializable(typeof(ProjectStats))]
public sealed partial class AnalyticsJson : JsonSerializerContext;

public partial class ProjectAnalytics(AnalyticsDb db)
{
    private int _queries;

    /// <summary>How many times the database was queried: each one is a cache miss.</summary>
    public int Queries => Volatile.Read(ref _queries);

    [CacheResult(300)]                      // TTL in seconds
    public partial Task<ProjectStats> GetStatsAsync(Guid projectId, DateOnly day, CancellationToken ct = default);

    // The uncached body: the generated GetStatsAsync calls it on a miss.
    private async Task<ProjectStats> GetStatsAsyncCore(Guid projectId, DateOnly day, CancellationToken ct)
    {
        Interlocked.Increment(ref _queries);
        return await db.ComputeStatsAsync(projectId, day, ct);
    }
}
