using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Where the store reaches Redis through Sentinel (<c>serviceName=</c>), a subscription of its own to the sentinels'
/// <c>+switch-master</c>: when the service gets a new primary, the store probes at once instead of waiting out its
/// backoff, so caching returns within a probe of the promotion. The client follows the switch by itself; this only ends
/// the wait.
/// </summary>
internal sealed class SentinelWatch : IDisposable
{
    private static readonly RedisChannel SwitchMaster = RedisChannel.Literal("+switch-master");
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(30);

    private readonly string _service;
    private readonly Action _switched;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private ConnectionMultiplexer? _sentinels;

    private SentinelWatch(ConfigurationOptions configuration, Action switched, ILogger logger, Task firstConnect)
    {
        _service = configuration.ServiceName!;
        _switched = switched;
        _logger = logger;
        ConfigurationOptions sentinels = configuration.Clone();
        sentinels.AbortOnConnectFail = false; // a sentinel down later is reconnected, and resubscribed, by the client
        _ = SubscribeAsync(sentinels, firstConnect);
    }

    /// <summary>A watch when <paramref name="configuration"/> names a Sentinel service; null otherwise.</summary>
    public static SentinelWatch? For(ConfigurationOptions configuration, Action switched, ILogger logger, Task firstConnect) =>
        string.IsNullOrEmpty(configuration.ServiceName) ? null : new SentinelWatch(configuration, switched, logger, firstConnect);

    public void Dispose()
    {
        _disposed.Cancel();
        Interlocked.Exchange(ref _sentinels, null)?.Dispose();
    }

    // After the store's first connect, which it would slow down (the client's sentinel connect blocks pool threads).
    // Tries until it has subscribed or the store is disposed, waiting 1 s, then twice as long each time up to 30 s.
    private async Task SubscribeAsync(ConfigurationOptions configuration, Task firstConnect)
    {
        await firstConnect.ConfigureAwait(false);
        var pause = TimeSpan.FromSeconds(1);
        for (int attempt = 1; !_disposed.IsCancellationRequested; attempt++)
        {
            ConnectionMultiplexer? sentinels = null;
            try
            {
                sentinels = await ConnectionMultiplexer.SentinelConnectAsync(configuration).ConfigureAwait(false);
                // "<service> <old ip> <old port> <new ip> <new port>"
                await sentinels.GetSubscriber().SubscribeAsync(SwitchMaster, (_, message) =>
                {
                    string? text = message;
                    if (text is not null && text.StartsWith(_service + " ", StringComparison.Ordinal))
                    {
                        RedisCacheLog.PrimarySwitched(_logger, _service, text);
                        _switched();
                    }
                }).ConfigureAwait(false);
            }
            catch (Exception ex) // whatever it was, the store works without the watch: log it, try again later
            {
                sentinels?.Dispose();
                if (attempt == 1)
                {
                    RedisCacheLog.SentinelWatchFailed(_logger, _service, ex.GetType().Name + ": " + ex.Message);
                }
                try
                {
                    await Task.Delay(pause, _disposed.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                pause = pause * 2 < MaxPause ? pause * 2 : MaxPause;
                continue;
            }
            if (attempt > 1)
            {
                RedisCacheLog.SentinelWatchStarted(_logger, _service);
            }
            if (Interlocked.CompareExchange(ref _sentinels, sentinels, null) is not null || _disposed.IsCancellationRequested)
            {
                sentinels.Dispose();
            }
            return;
        }
    }
}
