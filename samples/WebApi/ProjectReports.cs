using System.Text.Json.Serialization;
using ResultCache;

[assembly: CacheSerializer(typeof(WebApi.WebApiJson))]

namespace WebApi;

public sealed record ProjectStats(Guid ProjectId, DateOnly Day, long Events, double AverageDurationMs);

[JsonSerializable(typeof(ProjectStats))]
public sealed partial class WebApiJson : JsonSerializerContext;

/// <summary>The cached service. The container passes the registered store; the generated code uses it through <see cref="CacheStore"/>.</summary>
public sealed partial class ProjectReports(EventsDb db, CacheStore store)
{
    private CacheStore CacheStore => store;

    [CacheResult(300, Tags = new[] { "project:{projectId}" })]
    public partial Task<ProjectStats> GetStatsAsync(Guid projectId, DateOnly day, CancellationToken ct = default);

    public async Task RecordEventAsync(Guid projectId, DateOnly day, int durationMs, CancellationToken ct)
    {
        await db.AddEventAsync(projectId, day, durationMs, ct);
        await InvalidateGetStatsAsync(projectId, day, ct); // exactly that day's entry; for all of a project's entries:
        // await store.InvalidateTagAsync($"project:{projectId}", ct);
    }

    private Task<ProjectStats> GetStatsAsyncCore(Guid projectId, DateOnly day, CancellationToken ct) => db.StatsAsync(projectId, day, ct);
}
