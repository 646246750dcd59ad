using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ResultCache;

/// <summary>
/// Healthy while Redis is reachable (or the store is in process); Degraded while the gate is closed, when cached
/// methods are served in process only, or while a Redis Cluster node's keys are; Healthy again once it reopens. Register it with
/// <c>services.AddHealthChecks().AddResultCache()</c>.
/// </summary>
public sealed class ResultCacheHealthCheck(CacheStore store) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store is not RedisCacheStore redis)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Caching in process."));
        }
        var data = new Dictionary<string, object> { ["status"] = redis.Status.ToString(), ["unavailableNodes"] = redis.UnavailableNodes };
        return Task.FromResult(redis.Status switch
        {
            RedisStatus.Available when redis.UnavailableNodes > 0 => HealthCheckResult.Degraded(
                $"Redis is reachable, but {redis.UnavailableNodes} cluster node(s) are not; their keys are served in process until they or their promoted replicas answer.", data: data),
            RedisStatus.Available => HealthCheckResult.Healthy("Redis is reachable.", data),
            _ when redis.EnsureProbing() => HealthCheckResult.Degraded("Redis is not connected yet or is being probed; cached methods are served in process meanwhile.", data: data),
            _ => HealthCheckResult.Degraded("Redis is unreachable; cached methods are served in process until it returns.", data: data),
        });
    }
}
