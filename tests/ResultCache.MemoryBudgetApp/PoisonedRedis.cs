using System.Text;
using ResultCache;
using ResultCache.Testing;
using StackExchange.Redis;

/// <summary>
/// The hostile-Redis run: fills entries through a real Redis, overwrites each with something no build wrote (entries
/// that declare 2 GB of JSON, entries over the cap, nulls, deep nesting, other Redis types, each with a valid checksum
/// where one applies), then calls every key from 16 threads. Prints the calls, exceptions and wrong values; exits 1 on
/// any. Run under DOTNET_GCHeapHardLimit to show no entry can take the process down.
/// </summary>
internal static class PoisonedRedis
{
    private const int Keys = 48;
    private const int Cap = 8 * 1024 * 1024;

    public static async Task<int> RunAsync(string configuration)
    {
        using var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = configuration, OperationTimeout = TimeSpan.FromSeconds(10) });
        var ledgers = new Ledgers(store);
        using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true");
        IDatabase db = admin.GetDatabase();
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);

        for (int id = 0; id < Keys; id++)
        {
            await ledgers.GetAsync(id);
            await ledgers.GetTaggedAsync(id);
        }
        RedisKey[] entries = [.. server.Keys(pattern: "rc:*Ledgers.Get*")];
        int poisoned = 0;
        foreach (RedisKey key in entries)
        {
            await db.KeyDeleteAsync(key);
            switch (poisoned++ % 6)
            {
                case 0: await db.StringSetAsync(key, HostileEntries.WithChecksum(HostileEntries.Compressed(2_000_000_000, Cap - 64))); break;  // 2 GB declared over 8 MiB
                case 1: await db.StringSetAsync(key, HostileEntries.WithChecksum(HostileEntries.Compressed(int.MaxValue, 16))); break;
                case 2: await db.StringSetAsync(key, new byte[Cap + 1]); break;                                    // over the cap
                case 3: await db.StringSetAsync(key, HostileEntries.WithChecksum("null"u8.ToArray())); break;
                case 4: await db.StringSetAsync(key, HostileEntries.WithChecksum(Encoding.ASCII.GetBytes(new string('[', 1_000_000)))); break;
                default: await db.ListRightPushAsync(key, "not a string"); break;
            }
        }
        foreach (RedisKey tag in server.Keys(pattern: "rc:tag:*"))
        {
            await db.KeyDeleteAsync(tag);
            await db.ListRightPushAsync(tag, "not a version");
        }

        long calls = 0, exceptions = 0, wrong = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (int round = 0; round < 3; round++)
            {
                for (int id = worker % 4; id < Keys; id += 4)
                {
                    try
                    {
                        string plain = await ledgers.GetAsync(id);
                        string tagged = await ledgers.GetTaggedAsync(id);
                        Interlocked.Add(ref calls, 2);
                        if (plain != Ledgers.Expected(id) || tagged != Ledgers.Expected(id))
                        {
                            Interlocked.Increment(ref wrong);
                        }
                    }
                    catch (Exception ex)
                    {
                        Interlocked.Increment(ref exceptions);
                        Console.Error.WriteLine(ex);
                    }
                }
            }
        })));
        Console.WriteLine($"poisoned entries: {poisoned}, calls: {calls}, exceptions: {exceptions}, wrong: {wrong}, core runs: {ledgers.CoreCalls}, gc heap: {GC.GetTotalMemory(false) >> 20} MB");
        return exceptions == 0 && wrong == 0 ? 0 : 1;
    }
}

public sealed partial class Ledgers(CacheStore store)
{
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => _coreCalls;

    public static string Expected(int id) => $"ledger {id}";

    [CacheResult(3600)]
    public partial Task<string> GetAsync(int id);

    [CacheResult(3600, Tags = new[] { "ledger:{id}" })]
    public partial Task<string> GetTaggedAsync(int id);

    private Task<string> GetAsyncCore(int id)
    {
        Interlocked.Increment(ref _coreCalls);
        return Task.FromResult(Expected(id));
    }

    private Task<string> GetTaggedAsyncCore(int id) => GetAsyncCore(id);
}
