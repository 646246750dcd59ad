using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Reliability;

/// <summary>A fault and its end. <see cref="Duration"/> is how long it lasts; zero for a one-off event such as CLIENT KILL.</summary>
public sealed record FaultScenario(string Name, string Fault, TimeSpan Duration, Func<RedisServer, FaultProxy, Task> Start, Func<RedisServer, FaultProxy, Task> End)
{
    private static readonly TimeSpan Lasting = TimeSpan.FromSeconds(3);
    private const string Password = "rotated-secret";

    public static IReadOnlyList<FaultScenario> All { get; } =
    [
        new("blackhole", "proxy: accept, never forward, never close", Lasting,
            (_, proxy) => Run(proxy.Blackhole), (_, proxy) => Run(proxy.Pass)),
        new("reset", "proxy: RST every connection, open and new", Lasting,
            (_, proxy) => Run(proxy.Reset), (_, proxy) => Run(proxy.Pass)),
        new("delay", "proxy: 1 500 ms on every chunk (beyond the timeout)", Lasting,
            (_, proxy) => Run(() => proxy.Delay(TimeSpan.FromMilliseconds(1500))), (_, proxy) => Run(proxy.Pass)),
        new("close-after-bytes", "proxy: close each connection after 64 more bytes", Lasting,
            (_, proxy) => Run(() => proxy.CloseAfter(64)), (_, proxy) => Run(proxy.Pass)),
        new("sigstop", "SIGSTOP, then SIGCONT: a hung server with open sockets", Lasting,
            (redis, _) => Run(redis.Pause), (redis, _) => Run(redis.Resume)),
        new("kill-9", "kill -9, then a restart on the same port (data lost)", Lasting,
            (redis, _) => Run(redis.Kill), (redis, _) => redis.RestartAsync()),
        new("outage-10s", "kill -9, ten seconds down, then a restart on the same port (data lost)", TimeSpan.FromSeconds(10),
            (redis, _) => Run(redis.Kill), (redis, _) => redis.RestartAsync()),
        new("client-kill", "CLIENT KILL TYPE normal", TimeSpan.Zero,
            (redis, _) => redis.CommandAsync(["CLIENT", "KILL", "TYPE", "normal"]), (_, _) => Task.CompletedTask),
        new("debug-sleep", "DEBUG SLEEP 3", Lasting,
            (redis, _) => redis.CommandAsync(["DEBUG", "SLEEP", "3"], awaitReply: false), (_, _) => Task.CompletedTask),
        new("oom", "maxmemory 1 with noeviction: every SET fails with OOM", Lasting,
            async (redis, _) =>
            {
                await redis.CommandAsync(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
                await redis.CommandAsync(["CONFIG", "SET", "maxmemory", "1"]);
            },
            (redis, _) => redis.CommandAsync(["CONFIG", "SET", "maxmemory", "0"])),
        new("requirepass", "requirepass set under the running client, then its connections killed", Lasting,
            async (redis, _) =>
            {
                await redis.CommandAsync(["CONFIG", "SET", "requirepass", Password]);
                await redis.CommandAsync(["CLIENT", "KILL", "TYPE", "normal"], Password);
            },
            (redis, _) => redis.CommandAsync(["CONFIG", "SET", "requirepass", ""], Password)),
    ];

    public override string ToString() => Name;

    private static Task Run(Action action)
    {
        action();
        return Task.CompletedTask;
    }
}
