using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResultCache;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ResultCache's health check with ASP.NET Core's health checks.</summary>
public static class ResultCacheHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ResultCacheHealthCheck"/> for the store registered by <c>services.AddResultCache(...)</c>:
    /// Healthy while Redis is reachable or the store is in process, Degraded while cached methods are served in process
    /// because Redis is not. It never reports Unhealthy, since the app keeps working without Redis, so it is safe for
    /// readiness and liveness probes alike; <paramref name="tags"/> selects which of your endpoints run it.
    /// </summary>
    public static IHealthChecksBuilder AddResultCache(this IHealthChecksBuilder builder, string name = "resultcache", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        // A forgotten services.AddResultCache(...) fails the host's start, not the first probe.
        builder.Services.AddOptions<HealthCheckServiceOptions>()
            .Validate<IServiceProvider>(static (_, services) => services.GetService(typeof(ResultCacheHealthCheck)) is not null, MissingStore)
            .ValidateOnStart();
        return builder.Add(new HealthCheckRegistration(name, Resolve, failureStatus: null, tags));
    }

    private const string MissingStore =
        "The ResultCache health check has no store to check: call services.AddResultCache(...) as well as AddHealthChecks().AddResultCache().";

    private static ResultCacheHealthCheck Resolve(IServiceProvider services) =>
        services.GetService(typeof(ResultCacheHealthCheck)) as ResultCacheHealthCheck ?? throw new InvalidOperationException(MissingStore);
}
