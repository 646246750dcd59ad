using Microsoft.Extensions.Hosting;

namespace ResultCache;

/// <summary>
/// Creates the container's store when the host starts, so a Redis store's first connect runs during start-up and not
/// on the first request. It does not wait for the connect: a host whose Redis is down still starts.
/// </summary>
internal sealed class ResultCacheStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetService(typeof(CacheStore));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
