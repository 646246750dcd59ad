using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ResultCache;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ResultCache in a service collection.</summary>
public static class ResultCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="CacheStore"/> for the container (Redis when configured, the embedded store otherwise),
    /// owned and disposed by the container, and <see cref="ResultCacheHealthCheck"/>. Options are validated, and the store
    /// created (a Redis store's first connect started), when the host starts. Cached classes receive the store through a constructor parameter and a <c>CacheStore</c> member.
    /// </summary>
    public static IServiceCollection AddResultCache(this IServiceCollection services) => services.AddResultCache(static _ => { });

    /// <summary>As <see cref="AddResultCache(IServiceCollection)"/>, with settings made in code.</summary>
    public static IServiceCollection AddResultCache(this IServiceCollection services, Action<ResultCacheOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ResultCacheOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResultCacheOptions>, ResultCacheOptionsValidator>());
        services.TryAddSingleton(CreateStore);
        services.TryAddSingleton<ResultCacheHealthCheck>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ResultCacheStartup>());
        return services;
    }

    /// <summary>
    /// As <see cref="AddResultCache(IServiceCollection)"/>, with settings read from <paramref name="configuration"/>: pass
    /// the <c>ResultCache</c> section, or the root (its <c>ResultCache</c> section is used).
    /// </summary>
    public static IServiceCollection AddResultCache(this IServiceCollection services, IConfiguration configuration) =>
        services.AddResultCache(configuration, static _ => { });

    /// <summary>Settings read from <paramref name="configuration"/>, then adjusted in code by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddResultCache(this IServiceCollection services, IConfiguration configuration, Action<ResultCacheOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfiguration section = configuration is IConfigurationSection { Key: ResultCacheOptions.SectionName }
            ? configuration
            : configuration.GetSection(ResultCacheOptions.SectionName);
        services.AddOptions<ResultCacheOptions>().Configure(options => ResultCacheConfiguration.Bind(section, options));
        return services.AddResultCache(configure);
    }

    private static CacheStore CreateStore(IServiceProvider services)
    {
        ResultCacheOptions options = services.GetRequiredService<IOptions<ResultCacheOptions>>().Value;
        ILogger logger = services.GetService<ILoggerFactory>()?.CreateLogger("ResultCache") ?? NullLogger.Instance;
        TimeProvider time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        if (!options.UsesRedis)
        {
            options.Memory.Logger = logger;
            options.Memory.TimeProvider = time;
            return new MemoryCacheStore(options.Memory);
        }
        RedisCacheStoreOptions redis = options.Redis;
        redis.Logger = logger;
        redis.TimeProvider = time;
        if (options.UseRegisteredConnectionMultiplexer)
        {
            redis.Connection = services.GetService<IConnectionMultiplexer>() ?? throw new InvalidOperationException(
                "ResultCache: UseRegisteredConnectionMultiplexer is set, but no IConnectionMultiplexer is registered. Register one, or set Redis:Configuration.");
        }
        return new RedisCacheStore(redis);
    }
}
